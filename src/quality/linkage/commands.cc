// CLI verbs under `mops quality`: dedup, link (files), match and review
// (workspace).
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/cli11.h"
#include "core/csv.h"
#include "quality/linkage/linkage.h"

namespace mops::quality::linkage {
namespace {

struct DedupArgs {
  std::string input, config, out, pairs;
  int threads = 2;
};
struct LinkArgs {
  std::string left, right, config, out;
  int threads = 2;
};
struct MatchArgs {
  std::string entity = "contacts";
  std::string on_import;
  std::string config;
  int limit = 50;
  double min_probability = 0.5;
};
struct ReviewArgs {
  std::string entity = "contacts";
  std::string status = "review";
  int limit = 50;
  int64_t id = 0;
};

std::string Fixed(double v, int digits) { return fmt::format("{:.{}f}", v, digits); }

// One line on stderr per stage, only on a terminal (scripts see nothing).
std::function<void(std::string_view, int64_t)> StageLine(const cli::Context& ctx,
                                                         std::string verb) {
  if (!ctx.interactive()) return {};
  return [verb = std::move(verb)](std::string_view stage, int64_t items) {
    if (items > 0) {
      const bool records = stage == "block" || stage == "write";
      std::cerr << fmt::format("{}: {} ({} {})\n", verb, stage, items,
                               records ? "records" : "pairs");
    } else {
      std::cerr << fmt::format("{}: {}\n", verb, stage);
    }
  };
}

void PrintFileReport(cli::Context& ctx, const FileReport& r, bool link) {
  cli::Table table{{"measure", "value"}, {}, {false, false}};
  const auto add = [&](std::string k, std::string v) { table.rows.push_back({k, v}); };
  add("records", std::to_string(r.records));
  add("candidate pairs", std::to_string(r.candidate_pairs));
  if (link) {
    add("links", std::to_string(r.matched_pairs));
  } else {
    add("pairs at or above threshold", std::to_string(r.matched_pairs));
    add("clusters (2+ records)", std::to_string(r.clusters));
    add("records in clusters", std::to_string(r.clustered_records));
    add("joins refused by the cluster guard", std::to_string(r.refused_joins));
  }
  add("prior (share of matches among candidates)", Fixed(r.prior, 4));
  add("EM iterations", std::to_string(r.em_iterations));
  for (const auto& [field, weights] : r.weights) add("weights: " + field, weights);
  add("seconds (read, block, compare, EM, score, cluster, write)",
      fmt::format("{:.2f}, {:.2f}, {:.2f}, {:.2f}, {:.2f}, {:.2f}, {:.2f}", r.read_seconds,
                  r.times.block, r.times.compare, r.times.train, r.times.score, r.times.cluster,
                  r.write_seconds));
  cli::PrintTable(table, ctx.format(), std::cout);
}

// "Bob Smith <bob@acme.com>" or "Acme Inc (acme.com)": enough to decide
// from the terminal.
core::Result<std::string> RecordSummary(store::Database& db, std::string_view entity, int64_t id) {
  const std::string sql =
      entity == "accounts"
          ? "SELECT name, COALESCE(domain, website, '') FROM accounts WHERE id = ?"
          : "SELECT TRIM(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')), "
            "COALESCE(email, '') FROM contacts WHERE id = ?";
  MOPS_ASSIGN_OR_RETURN(store::Rows rows, db.Query(sql, std::vector<store::Value>{id}));
  if (rows.empty()) return fmt::format("{} (gone)", id);
  const std::string name = store::AsText(rows.rows[0][0]);
  const std::string detail = store::AsText(rows.rows[0][1]);
  if (detail.empty()) return fmt::format("{} {}", id, name);
  return entity == "accounts" ? fmt::format("{} {} ({})", id, name, detail)
                              : fmt::format("{} {} <{}>", id, name, detail);
}

core::Result<cli::Table> ReviewTable(store::Database& db, const std::vector<ReviewItem>& items) {
  cli::Table table{{"id", "record_a", "record_b", "match_weight", "probability", "status", "why"},
                   {},
                   {true, false, false, true, true, false, false}};
  for (const ReviewItem& item : items) {
    // The three fields that weighed most, for a one-line summary.
    std::string why;
    auto doc = nlohmann::json::parse(item.explanation, nullptr, false);
    if (doc.is_array()) {
      std::vector<std::pair<double, std::string>> parts;
      for (const auto& c : doc) {
        if (!c.is_object() || !c.contains("weight") || !c["weight"].is_number()) continue;
        parts.emplace_back(std::abs(c["weight"].get<double>()),
                           fmt::format("{} {} ({:+.1f})", c.value("field", ""),
                                       c.value("level", ""), c["weight"].get<double>()));
      }
      std::sort(parts.begin(), parts.end(), [](auto& a, auto& b) { return a.first > b.first; });
      for (size_t i = 0; i < parts.size() && i < 3; ++i) why += (i ? "; " : "") + parts[i].second;
    }
    MOPS_ASSIGN_OR_RETURN(std::string a, RecordSummary(db, item.entity, item.record_a));
    MOPS_ASSIGN_OR_RETURN(std::string b, RecordSummary(db, item.entity, item.record_b));
    table.rows.push_back({std::to_string(item.id), a, b, Fixed(item.match_weight, 2),
                          Fixed(item.probability, 4), item.status, why});
  }
  return table;
}

}  // namespace

void RegisterCommands(CLI::App& quality, cli::Context& ctx) {
  auto dedup_args = std::make_shared<DedupArgs>();
  CLI::App* dedup = cli::AddVerb(
      quality, "dedup",
      "Find duplicate rows in a CSV file: writes id,cluster_id for every row (and scored pairs "
      "with --pairs)");
  cli::AddOption(*dedup, "FILE", dedup_args->input, "The CSV file")->required();
  cli::AddOption(*dedup, "--config", dedup_args->config,
                 "Linkage config (YAML; default: usual contact/account columns by header)");
  cli::AddOption(*dedup, "--out,-o", dedup_args->out, "Output CSV: id,cluster_id")->required();
  cli::AddOption(*dedup, "--pairs", dedup_args->pairs,
                 "Also write scored pairs with their explanation to this CSV");
  cli::AddOption(*dedup, "--threads", dedup_args->threads, "Threads (default 2)")
      ->check(cli::InRange(1, 64));
  dedup->callback([&ctx, dedup_args] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      DedupFileOptions options;
      options.input = dedup_args->input;
      options.config_path = dedup_args->config;
      options.out = dedup_args->out;
      options.pairs_out = dedup_args->pairs;
      options.threads = dedup_args->threads;
      options.on_stage = StageLine(ctx, "dedup");
      MOPS_ASSIGN_OR_RETURN(FileReport report, DedupFile(options));
      PrintFileReport(ctx, report, false);
      return {};
    });
  });

  auto link_args = std::make_shared<LinkArgs>();
  CLI::App* link =
      cli::AddVerb(quality, "link",
                   "Link the rows of two CSV files: writes id_a,id_b,score for the matching pairs");
  cli::AddOption(*link, "A", link_args->left, "The first CSV file")->required();
  cli::AddOption(*link, "B", link_args->right, "The second CSV file")->required();
  cli::AddOption(*link, "--config", link_args->config, "Linkage config (YAML)");
  cli::AddOption(*link, "--out,-o", link_args->out, "Output CSV: id_a,id_b,score")->required();
  cli::AddOption(*link, "--threads", link_args->threads, "Threads (default 2)")
      ->check(cli::InRange(1, 64));
  link->callback([&ctx, link_args] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      LinkFileOptions options;
      options.left = link_args->left;
      options.right = link_args->right;
      options.config_path = link_args->config;
      options.out = link_args->out;
      options.threads = link_args->threads;
      options.on_stage = StageLine(ctx, "link");
      MOPS_ASSIGN_OR_RETURN(FileReport report, LinkFiles(options));
      PrintFileReport(ctx, report, true);
      return {};
    });
  });

  auto match_args = std::make_shared<MatchArgs>();
  CLI::App* match = cli::AddVerb(
      quality, "match",
      "Find duplicate contacts or accounts in the workspace (trains the model, writes the pairs "
      "to review)");
  cli::AddOption(*match, "--entity", match_args->entity, "contacts or accounts (default contacts)")
      ->check(cli::OneOf({"contacts", "accounts"}));
  cli::AddOption(*match, "--on-import", match_args->on_import,
                 "What importing new records does from now on: flag (score them and queue "
                 "pairs, the default), merge (also merge clear matches) or off");
  cli::AddOption(*match, "--config", match_args->config,
                 "Store this linkage config (YAML, as for dedup, without id) for the entity "
                 "and match with it from now on");
  cli::AddOption(*match, "--limit", match_args->limit, "List at most this many pairs (1-1000)")
      ->capture_default_str();
  cli::AddOption(*match, "--min-probability", match_args->min_probability,
                 "List the pairs with at least this match probability (0-1)")
      ->capture_default_str();
  match->callback([&ctx, match_args] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      // Bad listing options fail before anything is written.
      if (match_args->limit < 1 || match_args->limit > 1000) {
        return core::Fail(core::ErrorCode::kInvalidArgument, "--limit must be 1-1000, not {}",
                          match_args->limit);
      }
      if (!(match_args->min_probability >= 0 && match_args->min_probability <= 1)) {
        return core::Fail(core::ErrorCode::kInvalidArgument,
                          "--min-probability must be in [0, 1], not {}",
                          match_args->min_probability);
      }
      std::string config_text;
      if (!match_args->config.empty()) {
        MOPS_ASSIGN_OR_RETURN(config_text, core::ReadFile(match_args->config));
      }
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      if (!match_args->config.empty()) {
        MOPS_TRY(
            SetWorkspaceConfig(*db, match_args->entity, config_text, match_args->config, "cli"));
      }
      if (!match_args->on_import.empty()) {
        MOPS_ASSIGN_OR_RETURN(IncrementalMode mode, ParseIncrementalMode(match_args->on_import));
        MOPS_TRY(SetIncrementalMode(*db, match_args->entity, mode, "cli"));
      }
      MOPS_ASSIGN_OR_RETURN(MatchReport r, Match(*db, match_args->entity, "cli"));
      MOPS_ASSIGN_OR_RETURN(IncrementalMode mode, GetIncrementalMode(*db, match_args->entity));
      // The pairs found go to stdout (table, csv or json); the summary of
      // the run to stderr, so that scripts read the pairs alone.
      MOPS_ASSIGN_OR_RETURN(auto found, FoundPairs(*db, match_args->entity,
                                                   match_args->min_probability, match_args->limit));
      MOPS_ASSIGN_OR_RETURN(cli::Table table, ReviewTable(*db, found));
      cli::PrintTable(table, ctx.format(), std::cout);
      if (!ctx.quiet) {
        std::cerr << fmt::format(
            "{}: {} records, {} candidate pairs, {} match, {} review, {} decided, {} removed "
            "(prior {}, on import: {}, {} s); listed {} pairs with p >= {}\n",
            r.entity, r.records, r.candidate_pairs, r.matches, r.review, r.decided, r.removed,
            Fixed(r.prior, 4), IncrementalModeName(mode), Fixed(r.seconds, 2), found.size(),
            match_args->min_probability);
      }
      return {};
    });
  });

  auto review_args = std::make_shared<ReviewArgs>();
  CLI::App* review = cli::AddVerb(quality, "review", "The queue of uncertain duplicate pairs");
  review->require_subcommand(1);
  CLI::App* list = cli::AddVerb(*review, "list", "List pairs to review, strongest first");
  cli::AddOption(*list, "--entity", review_args->entity, "contacts or accounts (default contacts)")
      ->check(cli::OneOf({"contacts", "accounts"}));
  cli::AddOption(*list, "--status", review_args->status,
                 "review (default), match, accepted, rejected or merged");
  cli::AddOption(*list, "--limit", review_args->limit, "At most this many (1-1000, default 50)");
  list->callback([&ctx, review_args] {
    cli::RunVerb(ctx, [&]() -> core::Status {
      MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
      MOPS_ASSIGN_OR_RETURN(auto items, ListReview(*db, review_args->entity, review_args->status,
                                                   review_args->limit));
      MOPS_ASSIGN_OR_RETURN(cli::Table table, ReviewTable(*db, items));
      cli::PrintTable(table, ctx.format(), std::cout);
      return {};
    });
  });
  for (const bool accept : {true, false}) {
    CLI::App* decide =
        cli::AddVerb(*review, accept ? "accept" : "reject",
                     accept ? "Accept a pair as a duplicate (merged when a merger is installed)"
                            : "Reject a pair: never proposed again");
    cli::AddOption(*decide, "ID", review_args->id, "The pair's id (from `review list`)")
        ->required();
    decide->callback([&ctx, review_args, accept] {
      cli::RunVerb(ctx, [&]() -> core::Status {
        MOPS_ASSIGN_OR_RETURN(auto db, ctx.OpenWorkspace());
        MOPS_ASSIGN_OR_RETURN(Decision d, accept ? AcceptPair(*db, review_args->id, "cli")
                                                 : RejectPair(*db, review_args->id, "cli"));
        MOPS_ASSIGN_OR_RETURN(cli::Table table, ReviewTable(*db, {d.pair}));
        cli::PrintTable(table, ctx.format(), std::cout);
        if (d.merge_id && ctx.format() == cli::Format::kTable) {
          std::cout << fmt::format("merged as merge {}\n", *d.merge_id);
        }
        return {};
      });
    });
  }
}

}  // namespace mops::quality::linkage
