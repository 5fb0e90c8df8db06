#include "records/commands.h"

#include <fmt/format.h>

#include <iostream>

#include "cli/cli11.h"
#include "records/records.h"

namespace mops::records {

void RegisterCommands(CLI::App& app, cli::Context& ctx) {
  auto* status = cli::AddVerb(app, "status", "Show what the workspace holds");
  status->callback([&ctx] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(Overview o, LoadOverview(*db));
      cli::Table table{{"record", "count"}, {}, {false, true}};
      for (const auto& [name, n] : o.counts) {
        table.rows.push_back({name, std::to_string(n)});
        if (name == "touchpoints") {
          table.rows.push_back({"touchpoints from CRM objects", std::to_string(o.crm_touches)});
        }
      }
      table.rows.push_back(
          {"open pipeline (" + o.currency + ")", fmt::format("{:.2f}", o.open_pipeline)});
      table.rows.push_back(
          {"won revenue (" + o.currency + ")", fmt::format("{:.2f}", o.won_revenue)});
      cli::PrintTable(table, ctx.format(), std::cout);
      return {};
    });
  });
}

}  // namespace mops::records
