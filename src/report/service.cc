// The audit on a workspace: gathers the facts of each area (gather_*.cc,
// through the other slices' services: never re-computing what they
// compute), runs the engine, and stores runs in audit_runs.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>

#include "report/internal.h"
#include "report/report.h"
#include "store/database.h"

namespace mops::report {

using store::Value;

core::Result<AuditConfig> LoadConfig(store::Database& db) {
  MOPS_ASSIGN_OR_RETURN(store::Rows rows,
                        db.Query("SELECT body FROM configs WHERE name = 'audit'"));
  if (rows.empty()) return AuditConfig{};
  return ParseConfig(store::AsText(rows.rows[0][0]), "audit config", DefaultRules());
}

core::Result<Facts> GatherFacts(store::Database& db, const RunOptions& options) {
  Facts f;
  f.as_of = options.as_of != 0 ? options.as_of : core::NowUtc();
  MOPS_ASSIGN_OR_RETURN(
      store::Rows currency,
      db.Query("SELECT currency FROM opportunities WHERE COALESCE(currency, '') <> '' "
               "GROUP BY currency ORDER BY COUNT(*) DESC LIMIT 1"));
  if (!currency.empty()) f.currency = store::AsText(currency.rows[0][0]);
  const std::string cur = f.currency;
  using Gather = core::Status (*)(store::Database&, Facts&, const std::string&);
  const std::pair<const char*, Gather> areas[] = {
      {"stack", internal::GatherStack},         {"attribution", internal::GatherAttribution},
      {"data", internal::GatherData},           {"leads", internal::GatherLeads},
      {"campaigns", internal::GatherCampaigns}, {"reporting", internal::GatherReporting}};
  for (const auto& [area, gather] : areas) {
    const auto start = std::chrono::steady_clock::now();
    MOPS_TRY(gather(db, f, cur));
    f.seconds[area] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  if (!options.served) {
    for (auto& [metric, list] : f.examples) {
      for (Example& e : list) e.link.clear();
    }
  }
  return f;
}

core::Result<Json> RunAudit(store::Database& db, const RunOptions& options) {
  MOPS_ASSIGN_OR_RETURN(AuditConfig config, LoadConfig(db));
  MOPS_ASSIGN_OR_RETURN(Facts facts, GatherFacts(db, options));
  const Audit audit = Evaluate(facts, ApplyConfig(DefaultRules(), config), config.examples);
  return ToJson(audit);
}

core::Result<StoredRun> RunAndStore(store::Database& db, const RunOptions& options) {
  MOPS_ASSIGN_OR_RETURN(Json doc, RunAudit(db, options));
  StoredRun run;
  run.created_at = core::NowUtc();
  run.as_of = options.as_of != 0 ? options.as_of : run.created_at;
  run.actor = options.actor;
  MOPS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(
      store::Rows id,
      db.Query("INSERT INTO audit_runs (created_at, as_of, actor, json) VALUES (?, ?, ?, ?) "
               "RETURNING id",
               std::vector<Value>{run.created_at, run.as_of, run.actor, doc.dump()}));
  run.id = store::AsInt(id.rows.at(0).at(0));
  MOPS_TRY(db.Execute(
      "INSERT INTO audit_log (at, actor, action, entity, entity_id, after) VALUES (?, ?, "
      "'audit.run', 'audit_runs', ?, ?)",
      std::vector<Value>{
          run.created_at, run.actor, std::to_string(run.id),
          Json{{"as_of", doc["as_of"]}, {"findings", doc["findings"].size()}}.dump()}));
  MOPS_TRY(tx.Commit());
  run.audit = std::move(doc);
  return run;
}

namespace {

core::Result<StoredRun> RunOfRow(const std::vector<Value>& r) {
  StoredRun run;
  run.id = store::AsInt(r[0]);
  run.created_at = store::AsInt(r[1]);
  run.as_of = store::AsInt(r[2]);
  run.actor = store::AsText(r[3]);
  run.audit = Json::parse(store::AsText(r[4]), nullptr, false);
  if (run.audit.is_discarded()) {
    return core::Fail(core::ErrorCode::kInternal, "audit run {} holds a document that is not JSON",
                      run.id);
  }
  return run;
}

}  // namespace

core::Result<std::vector<StoredRun>> ListRuns(store::Database& db, int limit) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, created_at, as_of, actor, json FROM audit_runs ORDER BY id DESC LIMIT ?",
               std::vector<Value>{int64_t{limit}}));
  std::vector<StoredRun> out;
  for (const auto& r : rows.rows) {
    MOPS_ASSIGN_OR_RETURN(StoredRun run, RunOfRow(r));
    Json brief = {{"as_of", run.audit.value("as_of", "")},
                  {"summary", run.audit.value("summary", Json::object())}};
    run.audit = std::move(brief);
    out.push_back(std::move(run));
  }
  return out;
}

core::Result<StoredRun> LoadRun(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, created_at, as_of, actor, json FROM audit_runs WHERE id = ?",
               std::vector<Value>{id}));
  if (rows.empty()) {
    return core::Fail(
        core::MakeError(core::ErrorCode::kNotFound, "no audit run " + std::to_string(id))
            .InField("id"));
  }
  return RunOfRow(rows.rows[0]);
}

core::Result<std::optional<StoredRun>> PreviousRun(store::Database& db, int64_t id) {
  MOPS_ASSIGN_OR_RETURN(
      store::Rows rows,
      db.Query("SELECT id, created_at, as_of, actor, json FROM audit_runs WHERE id < ? ORDER BY "
               "id DESC LIMIT 1",
               std::vector<Value>{id}));
  if (rows.empty()) return std::optional<StoredRun>{};
  MOPS_ASSIGN_OR_RETURN(StoredRun run, RunOfRow(rows.rows[0]));
  return std::optional<StoredRun>(std::move(run));
}

namespace {

// The first of the Chromium names on PATH, or empty.
std::string FindChromium() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  std::string_view rest(path);
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (dir.empty()) continue;
    for (const char* name :
         {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
      const std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return {};
}

}  // namespace

core::Status WritePdf(const std::string& html, const std::string& out_path) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) {
    return core::Fail(core::ErrorCode::kUnavailable,
                      "chromium is not installed (none of chromium, chromium-browser, "
                      "google-chrome on PATH): install it (apt-get install chromium) to write "
                      "PDF, or use --format html and print the HTML report from a browser");
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec) /
                 fmt::format("mops-audit-{}-{}", ::getpid(),
                             std::chrono::steady_clock::now().time_since_epoch().count());
  fs::create_directories(dir, ec);
  if (ec)
    return core::Fail(core::ErrorCode::kIo, "cannot create a temporary folder: {}", ec.message());
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{dir};
  const fs::path page = dir / "audit.html";
  {
    std::ofstream out(page, std::ios::binary);
    out << html;
    if (!out) return core::Fail(core::ErrorCode::kIo, "cannot write {}", page.string());
  }
  const fs::path target = fs::absolute(out_path, ec);
  const std::string print_arg = "--print-to-pdf=" + target.string();
  const std::string profile_arg = "--user-data-dir=" + (dir / "profile").string();
  const std::string url = "file://" + page.string();
  std::vector<std::string> args = {chromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-pdf-header-footer",
                                   "--disable-dev-shm-usage",
                                   profile_arg,
                                   print_arg,
                                   url};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, chromium.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return core::Fail(core::ErrorCode::kUnavailable, "cannot start {}: {}", chromium,
                      std::strerror(spawned));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !fs::exists(target) ||
      fs::file_size(target, ec) == 0) {
    return core::Fail(core::ErrorCode::kUnavailable,
                      "{} did not print the PDF (exit status {}); use --format html instead",
                      chromium, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  return {};
}

core::Result<std::string> PdfBytes(const std::string& html) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path path = fs::temp_directory_path(ec) /
                        fmt::format("mops-audit-{}-{}.pdf", ::getpid(),
                                    std::chrono::steady_clock::now().time_since_epoch().count());
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove(path, ignored);
    }
  } cleanup{path};
  MOPS_TRY(WritePdf(html, path.string()));
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof())
    return core::Fail(core::ErrorCode::kIo, "cannot read the printed PDF {}", path.string());
  return bytes;
}

}  // namespace mops::report
