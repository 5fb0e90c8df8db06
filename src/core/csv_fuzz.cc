// Fuzz target for the parsers of outside input in core: the CSV reader (with
// and without trimming, detected and fixed delimiters), timestamps and
// numbers. Besides "no crash, no sanitizer report", it checks invariants:
//   - the reader terminates, record lines never go backwards, every field
//     of a good record is valid UTF-8 and lies within the input (or within
//     the reader's storage for unescaped fields), and records have the same
//     width when that is required;
//   - records read without trim write back (CsvWriter) and read again
//     identically;
//   - a parsed timestamp formats and parses back to itself;
//   - a parsed amount formats and parses back to itself, and agrees with
//     ParseInt where both accept the text.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv.h"
#include "core/numbers.h"
#include "core/salesforce_id.h"
#include "core/time.h"

namespace {

using mops::core::CsvOptions;
using mops::core::CsvReader;
using mops::core::CsvWriter;

[[noreturn]] void Die(const char* what, std::string_view input) {
  std::fprintf(stderr, "invariant violated: %s (input of %zu bytes)\n", what, input.size());
  std::abort();
}

#define FUZZ_CHECK(cond, input)     \
  do {                              \
    if (!(cond)) Die(#cond, input); \
  } while (false)

using Records = std::vector<std::vector<std::string>>;

// Reads everything, going on after record errors. Returns the good records.
Records ReadAll(std::string_view data, const CsvOptions& options, char* delimiter) {
  CsvReader reader(data, options);
  *delimiter = reader.delimiter();
  Records records;
  std::vector<std::string_view> fields;
  int64_t last_line = 0;
  size_t calls = 0;
  while (true) {
    FUZZ_CHECK(++calls <= data.size() + 2, data);  // each call consumes input
    auto more = reader.Next(fields);
    FUZZ_CHECK(reader.record_line() >= last_line, data);
    if (!more) {
      const auto& error = more.error();
      FUZZ_CHECK(!error.message.empty(), data);
      FUZZ_CHECK(error.line >= 1 && error.column >= 1, data);
      last_line = reader.record_line();
      continue;
    }
    if (!*more) break;
    last_line = reader.record_line();
    FUZZ_CHECK(!fields.empty(), data);
    if (options.require_same_width && !records.empty()) {
      FUZZ_CHECK(fields.size() == records.front().size(), data);
    }
    for (std::string_view f : fields) {
      FUZZ_CHECK(mops::core::IsValidUtf8(f), data);
      // A field is a view into the input, or into the reader's own storage
      // (unescaped quotes), never straddling the input's end.
      const std::less_equal<const char*> le;
      const char* begin = data.data();
      const char* end = data.data() + data.size();
      if (le(begin, f.data()) && le(f.data(), end)) FUZZ_CHECK(le(f.data() + f.size(), end), data);
      FUZZ_CHECK(f.size() <= data.size(), data);
    }
    records.emplace_back(fields.begin(), fields.end());
  }
  // Once at the end, the reader stays there.
  auto again = reader.Next(fields);
  FUZZ_CHECK(again.has_value() && !*again, data);
  return records;
}

void CheckCsv(std::string_view data) {
  for (char delimiter : {'\0', ',', ';', '\t'}) {
    for (bool trim : {false, true}) {
      CsvOptions options;
      options.delimiter = delimiter;
      options.trim_fields = trim;
      options.require_same_width = !trim;
      char used = 0;
      const Records records = ReadAll(data, options, &used);
      if (trim) continue;
      // Round trip: what was read writes back to CSV that reads the same.
      CsvWriter writer(used);
      for (const auto& record : records) writer.Row(record);
      CsvOptions again;
      again.delimiter = used;
      again.require_same_width = false;
      char unused = 0;
      FUZZ_CHECK(ReadAll(writer.data(), again, &unused) == records, data);
    }
  }
}

void CheckTimestamp(std::string_view text) {
  using mops::core::DateFormat;
  for (DateFormat format : {DateFormat::kAuto, DateFormat::kIso, DateFormat::kMdy, DateFormat::kDmy,
                            DateFormat::kYmd, DateFormat::kEpoch}) {
    auto t = mops::core::ParseTimestamp(text, format);
    if (!t) {
      FUZZ_CHECK(!t.error().message.empty(), text);
      continue;
    }
    const std::string formatted = mops::core::FormatTimestamp(*t);
    auto back = mops::core::ParseTimestamp(formatted, DateFormat::kIso);
    FUZZ_CHECK(back.has_value() && *back == *t, text);
    FUZZ_CHECK(mops::core::FormatDate(*t) == formatted.substr(0, 10), text);
  }
}

void CheckNumbers(std::string_view text) {
  auto money = mops::core::ParseMoneyMinor(text);
  if (money) {
    auto back = mops::core::ParseMoneyMinor(mops::core::FormatMoneyMinor(*money));
    FUZZ_CHECK(back.has_value() && *back == *money, text);
  }
  auto whole = mops::core::ParseInt(text);
  auto units = mops::core::ParseMoneyMinor(text, 0);
  if (whole) FUZZ_CHECK(units.has_value() && *units == *whole, text);
  auto real = mops::core::ParseDouble(text);
  if (whole && real) FUZZ_CHECK(static_cast<double>(*whole) == *real, text);
  (void)mops::core::ParseBool(text);
  // An amount with a currency reads the same number as without one, and a
  // European amount is the same as its US spelling.
  auto amount = mops::core::ParseAmount(text);
  if (money) FUZZ_CHECK(amount.has_value() && amount->minor == *money, text);
  const mops::core::NumberFormat eu{',', '.'};
  if (auto european = mops::core::ParseAmount(text, eu); european) {
    std::string us(text);
    for (char& c : us) c = c == ',' ? '.' : c == '.' ? ',' : c;
    auto swapped = mops::core::ParseAmount(us);
    FUZZ_CHECK(swapped.has_value() && swapped->minor == european->minor &&
                   swapped->currency == european->currency,
               text);
  }
  std::string id;
  if (mops::core::NormalizeSalesforceId(text, id) == mops::core::SalesforceIdForm::kId) {
    FUZZ_CHECK(id.size() == 18 && id.substr(0, 15) == text.substr(0, 15), text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckCsv(input);
  // Short inputs also look like single values: parse each line as one.
  if (size <= 256) {
    size_t start = 0;
    while (start <= input.size()) {
      size_t end = input.find('\n', start);
      if (end == std::string_view::npos) end = input.size();
      const std::string_view line = input.substr(start, end - start);
      CheckTimestamp(line);
      CheckNumbers(line);
      start = end + 1;
    }
  }
  return 0;
}
