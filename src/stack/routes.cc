// REST routes of the stack: the same documents as the CLI's --format json.
#include "stack/routes.h"

#include "core/numbers.h"
#include "stack/report.h"

namespace mops::stack {
namespace {

using http::RequestContext;

const std::vector<http::QueryParamDoc>& AnalysisParams() {
  static const std::vector<http::QueryParamDoc> kParams = {
      {"as_of", "Date of the analysis, YYYY-MM-DD (default: today, UTC)"},
      {"stage", "Reference stack: seed, growth (default) or scale"},
      {"budget", "Annual marketing budget in major units, for the cost's share of it"},
      {"utilization_threshold", "Underused below this seat utilization: 0.7, 70 or 70% (default)"},
  };
  return kParams;
}

core::Result<Options> OptionsOf(const RequestContext& ctx) {
  OptionText text;
  text.as_of = ctx.Query("as_of").value_or("");
  text.stage = ctx.Query("stage").value_or("");
  text.budget = ctx.Query("budget").value_or("");
  text.threshold = ctx.Query("utilization_threshold").value_or("");
  return ParseOptions(text, core::NowUtc());
}

// Registers GET /api/v1/stack/<path> computing `build` on the loaded stack.
template <typename Build>
void Route(http::Router& router, const std::string& path, std::string summary,
           std::vector<http::QueryParamDoc> extra, Build build) {
  std::vector<http::QueryParamDoc> params = AnalysisParams();
  params.insert(params.end(), extra.begin(), extra.end());
  router.Get("/api/v1/stack/" + path, http::Role::kViewer, {std::move(summary), params, "stack"},
             [build](RequestContext& ctx) -> core::Result<http::Json> {
               MOPS_ASSIGN_OR_RETURN(Options options, OptionsOf(ctx));
               MOPS_ASSIGN_OR_RETURN(Stack stack, LoadStack(ctx.db));
               return build(ctx, stack, options);
             });
}

}  // namespace

void RegisterRoutes(http::Router& router) {
  Route(router, "tools", "Tool inventory with catalog values, utilization and renewal", {},
        [](RequestContext&, const Stack& s, const Options& o) -> core::Result<http::Json> {
          return InventoryJson(s, o);
        });
  Route(router, "overlap",
        "Capability x tool matrix, redundancies and tool pairs with estimated savings", {},
        [](RequestContext&, const Stack& s, const Options& o) -> core::Result<http::Json> {
          return OverlapJson(s, Overlap(s, o));
        });
  Route(router, "utilization", "Seat utilization and the cost of unused seats", {},
        [](RequestContext&, const Stack& s, const Options& o) -> core::Result<http::Json> {
          return UtilizationJson(s, Utilization(s, o), o);
        });
  Route(router, "renewals", "Renewal calendar: notice deadlines and 30/60/90/120-day windows",
        {{"within", "Only notice deadlines in the next N days"}},
        [](RequestContext& ctx, const Stack& s, const Options& o) -> core::Result<http::Json> {
          std::optional<int64_t> within;
          if (auto w = ctx.Query("within")) {
            auto n = core::ParseInt(*w);
            if (!n || *n < 0) {
              return core::Fail(core::MakeError(core::ErrorCode::kInvalidArgument,
                                                "within must be a number of days, got '" + *w + "'")
                                    .InField("within"));
            }
            within = *n;
          }
          return RenewalsJson(s, Renewals(s, o), within, o);
        });
  Route(router, "graph",
        "Integration graph: nodes, edges, islands, failing or stale syncs, missing flows", {},
        [](RequestContext&, const Stack& s, const Options& o) -> core::Result<http::Json> {
          return GraphJson(s, Graph(s, o));
        });
  Route(router, "gaps", "Gaps and over-built areas against the stage's reference stack", {},
        [](RequestContext&, const Stack& s, const Options& o) -> core::Result<http::Json> {
          return GapsJson(s, Gaps(s, o));
        });
  Route(router, "cost", "Cost: total, per seat, per category, per capability, share of budget", {},
        [](RequestContext&, const Stack& s, const Options& o) -> core::Result<http::Json> {
          return CostJson(Cost(s, o), o);
        });
  Route(router, "audit",
        "The stack audit: findings (kind, severity, tools, evidence, action, annual_impact)", {},
        [](RequestContext&, const Stack& s, const Options& o) -> core::Result<http::Json> {
          return AuditJson(Audit(s, o), o);
        });
  router.Get("/api/v1/stack/catalog", http::Role::kViewer,
             {"The built-in capability taxonomy and product catalog (?q= looks one product up)",
              {{"q", "A product name or alias"}},
              "stack"},
             [](RequestContext& ctx) -> core::Result<http::Json> {
               const auto product = [](const Product& p) {
                 return http::Json{{"name", p.name},
                                   {"vendor", p.vendor},
                                   {"category", p.category},
                                   {"capabilities", p.capabilities},
                                   {"aliases", p.aliases}};
               };
               if (auto q = ctx.Query("q")) {
                 const Product* p = FindProduct(*q);
                 if (p == nullptr) {
                   return core::Fail(core::ErrorCode::kNotFound, "'{}' is not in the catalog", *q);
                 }
                 return product(*p);
               }
               http::Json caps = http::Json::array();
               for (const CapabilityInfo& c : Taxonomy()) {
                 caps.push_back({{"id", c.id}, {"label", c.label}, {"group", c.group}});
               }
               http::Json products = http::Json::array();
               for (const Product& p : Catalog()) products.push_back(product(p));
               return http::Json{{"capabilities", caps}, {"products", products}};
             });
}

}  // namespace mops::stack
