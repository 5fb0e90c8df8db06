// The batch body the tracking benchmarks send: tracking_load posts it to a
// running server, tracking_parse_bench parses it alone. One writer, so the
// two measure the same events.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace mops::bench {

// `events` events (a quarter track, the rest page calls with UTM values),
// anonymous ids cycling over 5,000 visitors of connection `conn`, message ids
// unique per (run, connection, sequence number).
inline std::string TrackingBatchBody(std::string_view run, long conn, long seq, int events) {
  std::string body = R"({"batch":[)";
  for (int i = 0; i < events; ++i) {
    body += fmt::format(
        R"({}{{"type":"{}","anonymousId":"v{}-{}","messageId":"{}-{}-{}","event":"Form Submitted","context":{{"page":{{"url":"https://acme.example/p?utm_source=google&utm_medium=cpc"}}}},"originalTimestamp":"2024-06-01T12:00:00.000Z"}})",
        i == 0 ? "" : ",", i % 4 == 0 ? "track" : "page", conn, (seq * 7 + i) % 5000, run, conn,
        seq * events + i);
  }
  body += R"(],"sentAt":"2024-06-01T12:00:01.000Z"})";
  return body;
}

}  // namespace mops::bench
