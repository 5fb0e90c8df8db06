// REST routes of discovery: the same documents as the CLI's --format json.
// Analysts read the reports and the apply preview; ops import exports,
// apply and undo.
#include "stack/discovery/routes.h"

#include "core/numbers.h"
#include "core/strings.h"
#include "http/input.h"
#include "stack/discovery/report.h"

namespace mops::stack::discovery {
namespace {

using http::RequestContext;

const std::vector<http::QueryParamDoc>& Params() {
  static const std::vector<http::QueryParamDoc> kParams = {
      {"as_of", "Date of the analysis, YYYY-MM-DD (default: today, UTC)"},
      {"active_days", "A seat is active when used in the last N days: 30 (default) or 90"},
  };
  return kParams;
}

core::Result<Timestamp> ParseAsOf(std::optional<std::string> text) {
  if (!text || core::Trim(*text).empty()) {
    const Timestamp now = core::NowUtc();
    return core::FloorDiv(now, core::kSecondsPerDay) * core::kSecondsPerDay;
  }
  auto t = core::ParseTimestamp(*text);
  if (!t) {
    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                      "as_of must be a date (YYYY-MM-DD), got '" + *text + "'")
                          .InField("as_of"));
  }
  return *t;
}

core::Result<int> ParseActiveDays(std::optional<std::string> text) {
  if (!text || text->empty()) return 30;
  if (*text == "30") return 30;
  if (*text == "90") return 90;
  return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                    "active_days must be 30 or 90, got '" + *text + "'")
                        .InField("active_days"));
}

core::Result<Discovery> Load(RequestContext& ctx) {
  MOPS_ASSIGN_OR_RETURN(Timestamp as_of, ParseAsOf(ctx.Query("as_of")));
  MOPS_ASSIGN_OR_RETURN(int days, ParseActiveDays(ctx.Query("active_days")));
  return LoadDiscovery(ctx.db, as_of, days);
}

std::string Actor(const RequestContext& ctx) { return "api:" + ctx.principal.name; }

}  // namespace

void RegisterRoutes(http::Router& router) {
  const std::string base = "/api/v1/stack/discovery/";
  router.Get(base + "spend", http::Role::kAnalyst,
             {"Discovered spend per tool: cadence, annualised cost, price changes, next charge, "
              "duplicate payers, monthly net; unmatched merchants",
              Params(), "stack"},
             [](RequestContext& ctx) -> core::Result<http::Json> {
               MOPS_ASSIGN_OR_RETURN(Discovery d, Load(ctx));
               return SpendJson(d.spend_report);
             });
  router.Get(base + "spend/transactions", http::Role::kAnalyst,
             {"The spend records behind a tool's or an unmatched merchant's figures",
              {{"tool", "A discovered tool (as the spend report names it)"},
               {"merchant", "An unmatched merchant (as the spend report names it)"},
               {"limit", "Records to list (1-5000, default 500); count and total cover all"}},
              "stack"},
             [](RequestContext& ctx) -> core::Result<http::Json> {
               MOPS_ASSIGN_OR_RETURN(int limit, http::LimitParam(ctx, 500, 5000));
               const std::string tool = ctx.Query("tool").value_or("");
               const std::string merchant = ctx.Query("merchant").value_or("");
               if (tool.empty() == merchant.empty()) {
                 return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                                   "give exactly one of tool and merchant")
                                       .InField("tool"));
               }
               MOPS_ASSIGN_OR_RETURN(Discovery d, LoadDiscovery(ctx.db, core::NowUtc(), 30));
               const Matcher matcher(d.aliases);
               return TransactionsJson(d.spend, matcher, tool, merchant,
                                       static_cast<size_t>(limit));
             });
  router.Get(base + "usage", http::Role::kAnalyst,
             {"Seats used per tool from sign-ins: assigned, active in 30 and 90 days, last use, "
              "active seats beside the inventory's",
              Params(), "stack"},
             [](RequestContext& ctx) -> core::Result<http::Json> {
               MOPS_ASSIGN_OR_RETURN(Discovery d, Load(ctx));
               return UsageJson(d.usage_report, d.stack);
             });
  router.Get(base + "reconcile", http::Role::kAnalyst,
             {"Shadow tools, unpaid inventory tools, inventory cost vs actual spend, seats paid "
              "vs used",
              Params(), "stack"},
             [](RequestContext& ctx) -> core::Result<http::Json> {
               MOPS_ASSIGN_OR_RETURN(Discovery d, Load(ctx));
               return ReconcileJson(d.reconcile);
             });
  router.Get(base + "apply", http::Role::kAnalyst,
             {"Preview of apply: the inventory changes it would make (nothing is written)",
              Params(), "stack"},
             [](RequestContext& ctx) -> core::Result<http::Json> {
               MOPS_ASSIGN_OR_RETURN(Timestamp as_of, ParseAsOf(ctx.Query("as_of")));
               MOPS_ASSIGN_OR_RETURN(int days, ParseActiveDays(ctx.Query("active_days")));
               MOPS_ASSIGN_OR_RETURN(ApplyResult r, Apply(ctx.db, as_of, days, true, Actor(ctx)));
               return ApplyJson(r);
             });
  router.Post(base + "apply", http::Role::kOps,
              {"Write the discovered tools, costs and active seats into the inventory (body: "
               "{\"as_of\", \"active_days\", \"dry_run\"})",
               {},
               "stack"},
              [](RequestContext& ctx) -> core::Result<http::Json> {
                MOPS_ASSIGN_OR_RETURN(http::Json body,
                                      http::ObjectBody(ctx, {"as_of", "active_days", "dry_run"}));
                std::optional<std::string> as_of, days;
                if (body.contains("as_of")) {
                  if (!body["as_of"].is_string()) {
                    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                                      "as_of must be a date string")
                                          .InField("as_of"));
                  }
                  as_of = body["as_of"].get<std::string>();
                }
                if (body.contains("active_days")) days = body["active_days"].dump();
                bool dry_run = false;
                if (body.contains("dry_run")) {
                  if (!body["dry_run"].is_boolean()) {
                    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                                      "dry_run must be true or false")
                                          .InField("dry_run"));
                  }
                  dry_run = body["dry_run"].get<bool>();
                }
                MOPS_ASSIGN_OR_RETURN(Timestamp t, ParseAsOf(as_of));
                MOPS_ASSIGN_OR_RETURN(int d, ParseActiveDays(days));
                MOPS_ASSIGN_OR_RETURN(ApplyResult r, Apply(ctx.db, t, d, dry_run, Actor(ctx)));
                return ApplyJson(r);
              });
  router.Post(base + "undo", http::Role::kOps,
              {"Revert the latest apply (body: {\"id\"} to name it)", {}, "stack"},
              [](RequestContext& ctx) -> core::Result<http::Json> {
                MOPS_ASSIGN_OR_RETURN(http::Json body, http::ObjectBody(ctx, {"id"}));
                std::optional<int64_t> id;
                if (body.contains("id")) {
                  if (!body["id"].is_number_integer() || body["id"].get<int64_t>() <= 0) {
                    return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                                      "id must be a positive whole number")
                                          .InField("id"));
                  }
                  id = body["id"].get<int64_t>();
                }
                MOPS_ASSIGN_OR_RETURN(int64_t undone, UndoApply(ctx.db, id, Actor(ctx)));
                return http::Json{{"undone", undone}};
              });
  router.Post(base + "spend", http::Role::kOps,
              {"Import a spend export: the CSV is the request body",
               {{"preset", "auto (default), ramp, brex, expensify, amex, quickbooks, xero"},
                {"file_name", "Name of the export, for messages and the audit log"},
                {"date_order", "dmy, mdy or ymd for dates that do not tell"}},
               "stack"},
              [](RequestContext& ctx) -> core::Result<http::Json> {
                SpendReadOptions o;
                MOPS_ASSIGN_OR_RETURN(o.preset, ParseSpendPreset(ctx.Query("preset").value_or("")));
                o.file_name = ctx.Query("file_name").value_or("request body");
                const std::string order = ctx.Query("date_order").value_or("auto");
                o.date_order = order == "dmy"   ? core::DateFormat::kDmy
                               : order == "mdy" ? core::DateFormat::kMdy
                               : order == "ymd" ? core::DateFormat::kYmd
                                                : core::DateFormat::kAuto;
                MOPS_ASSIGN_OR_RETURN(ImportResult r,
                                      ImportSpendText(ctx.db, ctx.BodyText(), o, Actor(ctx)));
                return ImportJson(r);
              });
  router.Post(base + "usage", http::Role::kOps,
              {"Import a sign-in export: the CSV is the request body",
               {{"preset",
                 "auto (default), okta-assignments, okta-system-log, google-login, "
                 "google-token, entra, generic"},
                {"file_name", "Name of the export, for messages and the audit log"}},
               "stack"},
              [](RequestContext& ctx) -> core::Result<http::Json> {
                UsageReadOptions o;
                MOPS_ASSIGN_OR_RETURN(o.preset, ParseUsagePreset(ctx.Query("preset").value_or("")));
                o.file_name = ctx.Query("file_name").value_or("request body");
                MOPS_ASSIGN_OR_RETURN(ImportResult r,
                                      ImportUsageText(ctx.db, ctx.BodyText(), o, Actor(ctx)));
                return ImportJson(r);
              });
}

}  // namespace mops::stack::discovery
