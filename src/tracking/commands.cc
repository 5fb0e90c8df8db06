// CLI verbs: `mops writekey create|list|revoke`, `mops tracking config
// show|set`, `mops tracking summary`.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/cli11.h"
#include "tracking/tracking.h"

namespace mops::tracking {
namespace {

std::string When(std::optional<int64_t> t) {
  if (!t) return "";
  return FormatIsoMillis(*t * 1000).substr(0, 16) + "Z";
}

struct Args {
  std::string name;
  std::vector<std::string> origins;
  int64_t rate_limit = 0;
  int64_t id = 0;
  std::string file;
  int64_t minutes = 60;
};

core::Status Create(cli::Context& ctx, const Args& a) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(NewWriteKey created, CreateWriteKey(*db, a.name, a.origins, a.rate_limit));
  if (ctx.format() == cli::Format::kJson) {
    Json j = ToJson(created.key);
    j["secret"] = created.secret;
    cli::PrintJson(j, std::cout);
    return {};
  }
  std::cout << created.secret << "\n";
  std::cerr << "write key " << created.key.id << " '" << created.key.name
            << "' created; it is shown only once. Send events with it as the HTTP basic auth "
               "user name to /v1/track, /v1/batch, ...\n";
  return {};
}

core::Status List(cli::Context& ctx) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(auto keys, ListWriteKeys(*db));
  if (ctx.format() == cli::Format::kJson) {
    Json items = Json::array();
    for (const WriteKey& k : keys) items.push_back(ToJson(k));
    cli::PrintJson({{"items", items}}, std::cout);
    return {};
  }
  cli::Table table{
      {"id", "name", "prefix", "origins", "rate_limit", "created", "last_used", "revoked"},
      {},
      {true, false, false, false, true, false, false, false}};
  for (const WriteKey& k : keys) {
    std::string origins;
    for (const std::string& o : k.origins) origins += (origins.empty() ? "" : ",") + o;
    table.rows.push_back({std::to_string(k.id), k.name, k.prefix, origins,
                          std::to_string(k.rate_limit), When(k.created_at), When(k.last_used_at),
                          When(k.revoked_at)});
  }
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

core::Status Revoke(cli::Context& ctx, const Args& a) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_TRY(RevokeWriteKey(*db, a.id));
  std::cout << "revoked write key " << a.id << "\n";
  return {};
}

core::Status ConfigShow(cli::Context& ctx) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_ASSIGN_OR_RETURN(TrackingConfig config, LoadTrackingConfig(*db));
  if (ctx.format() == cli::Format::kJson) {
    Json events = Json::object();
    for (const auto& [name, type] : config.event_types.entries) events[name] = type;
    cli::PrintJson({{"fallback", config.event_types.fallback},
                    {"events", events},
                    {"blocked_identities", config.identity.blocked},
                    {"max_identities", config.identity.max_per_kind}},
                   std::cout);
    return {};
  }
  std::cout << DumpTrackingConfig(config);
  return {};
}

core::Status ConfigSet(cli::Context& ctx, const Args& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return core::Fail(core::ErrorCode::kIo, "cannot read '{}'", a.file);
  std::stringstream text;
  text << in.rdbuf();
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  MOPS_TRY(SaveTrackingConfig(*db, text.str(), a.file, "cli"));
  std::cout << "tracking config set from " << a.file << "\n";
  return {};
}

core::Status Summary(cli::Context& ctx, const Args& a) {
  MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
  EventsSummaryOptions options;
  options.minutes = a.minutes;
  MOPS_ASSIGN_OR_RETURN(Json s, EventsSummary(*db, options));
  if (ctx.format() == cli::Format::kJson) {
    cli::PrintJson(s, std::cout);
    return {};
  }
  const Json& id = s["identity"];
  cli::Table table{{"figure", "value"}, {}, {false, true}};
  auto add = [&table](std::string name, const Json& v) {
    table.rows.push_back({std::move(name), v.is_number() ? std::to_string(v.get<int64_t>()) : "0"});
  };
  add("events", s["events"]["total"]);
  add("events_in_window", s["events"]["in_window"]);
  add("rejected_in_window", s["rejections"]["in_window"]);
  add("visitors", id["visitors"]);
  add("known_visitors", id["known_visitors"]);
  add("anonymous_visitors", id["anonymous_visitors"]);
  add("touchpoints", id["touchpoints"]);
  add("touchpoints_with_contact", id["touchpoints_with_contact"]);
  add("stitched_touchpoints", id["stitched_touchpoints"]);
  for (const auto& [status, n] : id["merges"].items()) add("merges_" + status, n);
  cli::PrintTable(table, ctx.format(), std::cout);
  return {};
}

}  // namespace

void RegisterCommands(CLI::App& app, cli::Context& ctx) {
  auto args = std::make_shared<Args>();
  CLI::App* wk = cli::AddVerb(app, "writekey", "Write keys of the tracking API (send events only)");
  wk->require_subcommand(1);
  CLI::App* create = cli::AddVerb(*wk, "create", "Create a write key and print it once");
  cli::AddOption(*create, "--name", args->name, "A label for the key (site, app)")->required();
  cli::AddOption(*create, "--origin", args->origins,
                 "Browser origin allowed to send with it (CORS), e.g. https://www.example.com; "
                 "repeatable; '*' for any");
  cli::AddOption(*create, "--rate-limit", args->rate_limit,
                 "Requests per second allowed (0: no limit); over it: 429 with Retry-After");
  create->callback([&ctx, args] { cli::RunVerb(ctx, [&] { return Create(ctx, *args); }); });
  CLI::App* list = cli::AddVerb(*wk, "list", "List write keys (never their secrets)");
  list->callback([&ctx] { cli::RunVerb(ctx, [&] { return List(ctx); }); });
  CLI::App* revoke = cli::AddVerb(*wk, "revoke", "Revoke a write key: it is refused from then on");
  cli::AddOption(*revoke, "id", args->id, "The key's id (see writekey list)")->required();
  revoke->callback([&ctx, args] { cli::RunVerb(ctx, [&] { return Revoke(ctx, *args); }); });

  CLI::App* tracking = cli::AddVerb(app, "tracking", "The tracking API's config and figures");
  tracking->require_subcommand(1);
  CLI::App* config = cli::AddVerb(*tracking, "config",
                                  "Track event names -> touchpoint types, identity guard rails");
  config->require_subcommand(1);
  CLI::App* show = cli::AddVerb(*config, "show", "Print the config in force (YAML)");
  show->callback([&ctx] { cli::RunVerb(ctx, [&] { return ConfigShow(ctx); }); });
  CLI::App* set = cli::AddVerb(*config, "set", "Validate and store a config file");
  cli::AddOption(*set, "file", args->file, "YAML file")->required();
  set->callback([&ctx, args] { cli::RunVerb(ctx, [&] { return ConfigSet(ctx, *args); }); });
  CLI::App* summary = cli::AddVerb(*tracking, "summary", "Events, rejections and stitching");
  cli::AddOption(*summary, "--minutes", args->minutes, "Window in minutes (default 60)")
      ->check(cli::InRange(1, 1440));
  summary->callback([&ctx, args] { cli::RunVerb(ctx, [&] { return Summary(ctx, *args); }); });
}

}  // namespace mops::tracking
