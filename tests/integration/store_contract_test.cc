// The store contract: every test runs on both backends, SQLite (a temporary
// file) and PostgreSQL (a fresh database on a throwaway server, see
// tests/support/postgres_server.h), and expects the same results. A backend
// that cannot be reached fails the tests; it is never skipped.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/database.h"
#include "store/postgres/postgres_database.h"
#include "tests/support/postgres_server.h"

namespace mops::store {
namespace {

namespace fs = std::filesystem;
using core::ErrorCode;

#define ASSERT_OK(expr)                                                              \
  do {                                                                               \
    auto status_ = (expr);                                                           \
    ASSERT_TRUE(status_.has_value()) << #expr << ": " << status_.error().ToString(); \
  } while (false)

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(MOPS_CONCAT_(result_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)                         \
  auto tmp = (expr);                                                       \
  ASSERT_TRUE(tmp.has_value()) << #expr << ": " << tmp.error().ToString(); \
  lhs = std::move(*tmp)

enum class Backend { kSqlite, kPostgres };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    if (GetParam() == Backend::kSqlite) {
      dir_ = fs::temp_directory_path() /
             fmt::format("mops-store-test-{}-{}", getpid(), next_dir_.fetch_add(1));
      fs::remove_all(dir_);
      fs::create_directories(dir_);
      url_ = (dir_ / "workspace.db").string();
    } else {
      auto server = test_support::PostgresServer::Shared();
      ASSERT_TRUE(server.has_value()) << server.error().ToString();
      ASSERT_OK_AND_ASSIGN(url_, (*server)->CreateDatabase(info->name()));
    }
    ASSERT_OK_AND_ASSIGN(db_, Open(url_));
  }

  void TearDown() override {
    db_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  Database& db() { return *db_; }

  // A plain table with one column of each storage type.
  void CreateValuesTable() {
    ASSERT_OK(db().ExecScript(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, s TEXT)"));
  }

  int64_t Count(std::string_view table) {
    auto v = db().QueryValue(fmt::format("SELECT COUNT(*) FROM {}", table));
    EXPECT_TRUE(v.has_value()) << v.error().ToString();
    return v ? AsInt(*v, -1) : -1;
  }

  static inline std::atomic<int> next_dir_{0};
  fs::path dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

TEST_P(StoreContractTest, DialectMatchesBackend) {
  EXPECT_EQ(db().dialect(), GetParam() == Backend::kSqlite ? Dialect::kSqlite : Dialect::kPostgres);
}

TEST_P(StoreContractTest, MigrateIsIdempotent) {
  ASSERT_OK_AND_ASSIGN(int before, SchemaVersion(db()));
  EXPECT_EQ(before, 0);
  ASSERT_OK(Migrate(db()));
  ASSERT_OK_AND_ASSIGN(int first, SchemaVersion(db()));
  EXPECT_EQ(first, LatestSchemaVersion());
  const int64_t applied = Count("schema_migrations");
  ASSERT_OK(Migrate(db()));
  ASSERT_OK_AND_ASSIGN(int second, SchemaVersion(db()));
  EXPECT_EQ(second, LatestSchemaVersion());
  // Version numbers may have gaps (branches reserve theirs); each applies once.
  EXPECT_EQ(Count("schema_migrations"), applied);
  // A fresh connection sees the same version.
  ASSERT_OK_AND_ASSIGN(auto other, Open(url_));
  ASSERT_OK_AND_ASSIGN(int seen, SchemaVersion(*other));
  EXPECT_EQ(seen, LatestSchemaVersion());
}

// database.h promises that concurrent Migrate calls serialize. On PostgreSQL
// they do not yet: BEGIN takes no lock, so racing callers both create the
// tables and all but one fail (duplicate pg_type entry / relation exists).
// Enable with the fix in schema.cc (e.g. pg_advisory_lock around Migrate).
TEST_P(StoreContractTest, ConcurrentMigrateSerializes) {
  constexpr int kCallers = 3;
  std::vector<std::string> errors(kCallers);
  std::vector<std::thread> threads;
  for (int t = 0; t < kCallers; ++t) {
    threads.emplace_back([&, t] {
      auto db = Open(url_);
      if (!db) {
        errors[t] = db.error().ToString();
        return;
      }
      if (auto s = Migrate(**db); !s) errors[t] = s.error().ToString();
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kCallers; ++t) EXPECT_EQ(errors[t], "") << "caller " << t;
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(db()));
  EXPECT_EQ(version, LatestSchemaVersion());
}

// Migration 36 on a version-35 workspace: score history rows that repeat a
// contact's current score (its last row, equal to its lead_scores row) go;
// the values a rescore replaced stay, and so does a last row that differs.
TEST_P(StoreContractTest, MigrationThirtySixKeepsOnlyReplacedScores) {
  ASSERT_OK(Migrate(db(), 35));
  ASSERT_OK(db().ExecScript(
      "INSERT INTO lead_scores (contact_id, fit, engagement, total, grade, as_of, scored_at) "
      "VALUES (1, 10, 5, 15, 'B3', 200, 200), (2, 20, 0, 20, 'B4', 100, 100), "
      "(3, 5, 5, 10, 'C3', 300, 300);"
      "INSERT INTO lead_score_history (contact_id, at, fit, engagement, total, grade) VALUES "
      "(1, 100, 10, 0, 10, 'B4'), (1, 200, 10, 5, 15, 'B3'), (2, 100, 20, 0, 20, 'B4'), "
      "(3, 300, 5, 5, 10, 'C3'), (3, 300, 9, 9, 18, 'B2');"));
  ASSERT_OK(Migrate(db()));
  ASSERT_OK_AND_ASSIGN(Rows left, db().Query("SELECT contact_id, at, total FROM "
                                             "lead_score_history ORDER BY contact_id, id"));
  ASSERT_EQ(left.size(), 3u);
  EXPECT_EQ(left.rows[0], (std::vector<Value>{int64_t{1}, int64_t{100}, int64_t{10}}));
  EXPECT_EQ(left.rows[1], (std::vector<Value>{int64_t{3}, int64_t{300}, int64_t{10}}));
  EXPECT_EQ(left.rows[2], (std::vector<Value>{int64_t{3}, int64_t{300}, int64_t{18}}));
}

// Migration 2 on a version-1 workspace: lifecycle_history is rebuilt with a
// nullable contact_id and the contact's reference, pending converted leads
// become lead identities with a contact reference, and both unique rules
// hold afterwards.
TEST_P(StoreContractTest, MigrationTwoKeepsLifecycleAndConvertsPendingLeads) {
  ASSERT_OK(Migrate(db(), 1));
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(db()));
  ASSERT_EQ(version, 1);
  ASSERT_OK(db().ExecScript(
      "INSERT INTO contacts (source_system, external_id) VALUES ('hubspot', '101');"
      "INSERT INTO contacts (source_system, external_id) VALUES ('salesforce', '003c1');"
      "INSERT INTO lifecycle_history (contact_id, stage, entered_at) VALUES (1, 'lead', 100);"
      "INSERT INTO lifecycle_history (contact_id, stage, entered_at) VALUES (1, 'mql', 200);"
      "INSERT INTO lifecycle_history (contact_id, stage, entered_at) VALUES (77, 'lead', 300);"));
  const std::vector<std::string> pending = {"salesforce\t00Qlead1\t003c1",
                                            "salesforce\t00Qlead2\t003c9", "malformed"};
  for (const std::string& value : pending) {
    ASSERT_OK(db().Execute(
        "INSERT INTO identities (kind, value, contact_id, created_at) VALUES (?, ?, NULL, 5)",
        std::vector<Value>{std::string("salesforce_lead_pending"), value}));
  }

  ASSERT_OK(Migrate(db()));
  ASSERT_OK_AND_ASSIGN(version, SchemaVersion(db()));
  EXPECT_EQ(version, LatestSchemaVersion());

  ASSERT_OK_AND_ASSIGN(Rows history,
                       db().Query("SELECT contact_id, source_system, contact_ref, stage, "
                                  "entered_at FROM lifecycle_history ORDER BY id"));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history.rows[0][0], Value(int64_t{1}));
  EXPECT_EQ(history.rows[0][1], Value(std::string("hubspot")));
  EXPECT_EQ(history.rows[0][2], Value(std::string("101")));
  EXPECT_EQ(history.rows[1][3], Value(std::string("mql")));
  EXPECT_EQ(history.rows[2][0], Value(int64_t{77}));  // no such contact: kept, no reference
  EXPECT_TRUE(IsNull(history.rows[2][2]));

  // A parked row: no contact yet, only its reference.
  ASSERT_OK(db().Execute(
      "INSERT INTO lifecycle_history (contact_id, source_system, contact_ref, stage, entered_at) "
      "VALUES (NULL, 'csv', 'c9', 'lead', 100)"));
  // New rows draw fresh ids after the copied ones.
  EXPECT_EQ(Count("lifecycle_history"), 4);
  // Unique per contact once resolved, and per reference.
  auto same_contact = db().Execute(
      "INSERT INTO lifecycle_history (contact_id, stage, entered_at) VALUES (1, 'lead', 100)");
  ASSERT_FALSE(same_contact.has_value());
  EXPECT_EQ(same_contact.error().code, ErrorCode::kConflict);
  auto same_ref = db().Execute(
      "INSERT INTO lifecycle_history (source_system, contact_ref, stage, entered_at) VALUES "
      "('csv', 'c9', 'lead', 100) ON CONFLICT DO NOTHING");
  ASSERT_TRUE(same_ref.has_value()) << same_ref.error().ToString();
  EXPECT_EQ(*same_ref, 0);
  ASSERT_OK(db().Execute(
      "INSERT INTO lifecycle_history (source_system, contact_ref, stage, entered_at) VALUES "
      "('csv', 'c9', 'mql', 100)"));
  EXPECT_EQ(Count("lifecycle_history"), 5);

  ASSERT_OK_AND_ASSIGN(Rows identities,
                       db().Query("SELECT kind, value, source_system, contact_ref, contact_id, "
                                  "created_at FROM identities ORDER BY value"));
  ASSERT_EQ(identities.size(), 2u);
  EXPECT_EQ(identities.rows[0][0], Value(std::string("salesforce_lead_id")));
  EXPECT_EQ(identities.rows[0][1], Value(std::string("00Qlead1")));
  EXPECT_EQ(identities.rows[0][2], Value(std::string("salesforce")));
  EXPECT_EQ(identities.rows[0][3], Value(std::string("003c1")));
  EXPECT_EQ(identities.rows[0][4], Value(int64_t{2}));  // its contact was there
  EXPECT_EQ(identities.rows[0][5], Value(int64_t{5}));
  EXPECT_EQ(identities.rows[1][1], Value(std::string("00Qlead2")));
  EXPECT_EQ(identities.rows[1][3], Value(std::string("003c9")));
  EXPECT_TRUE(IsNull(identities.rows[1][4]));
}

TEST_P(StoreContractTest, AuditLogColumnsNamedBeforeAndAfter) {
  ASSERT_OK(Migrate(db()));
  ASSERT_OK(
      db().Execute("INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   std::vector<Value>{int64_t{1700000000}, std::string("ops"), std::string("merge"),
                                      std::string("contact"), std::string("42"),
                                      std::string("{\"a\":1}"), std::string("{\"a\":2}")}));
  ASSERT_OK_AND_ASSIGN(Rows rows, db().Query("SELECT before, after FROM audit_log"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][0], Value(std::string("{\"a\":1}")));
  EXPECT_EQ(rows.rows[0][1], Value(std::string("{\"a\":2}")));
}

TEST_P(StoreContractTest, EveryValueTypeRoundTrips) {
  CreateValuesTable();
  const std::vector<Value> ints = {int64_t{0},
                                   int64_t{-1},
                                   int64_t{1700000000},
                                   std::numeric_limits<int64_t>::max(),
                                   std::numeric_limits<int64_t>::min(),
                                   Value{}};
  const std::vector<Value> reals = {0.1,
                                    1.0 / 3.0,
                                    -2.5,
                                    1e300,
                                    -1.5e-300,
                                    123456789.125,
                                    0.1 + 0.2,
                                    std::numeric_limits<double>::denorm_min(),
                                    std::numeric_limits<double>::max(),
                                    2.0,
                                    Value{}};
  const std::vector<Value> texts = {std::string(""),
                                    std::string("plain"),
                                    std::string("Zoë Ångström — 東京 🚀 naïve café"),
                                    std::string("quotes ' \" and ? and $1 and \\ backslash"),
                                    std::string("line\nbreak\ttab"),
                                    std::string(10000, 'x'),
                                    Value{}};
  ASSERT_OK_AND_ASSIGN(auto insert,
                       db().Prepare("INSERT INTO t (id, i, r, s) VALUES (?, ?, ?, ?)"));
  const size_t n = std::max({ints.size(), reals.size(), texts.size()});
  for (size_t k = 0; k < n; ++k) {
    ASSERT_OK_AND_ASSIGN(int64_t changed, insert->Execute(std::vector<Value>{
                                              int64_t(k), k < ints.size() ? ints[k] : Value{},
                                              k < reals.size() ? reals[k] : Value{},
                                              k < texts.size() ? texts[k] : Value{}}));
    EXPECT_EQ(changed, 1);
  }
  ASSERT_OK_AND_ASSIGN(Rows rows, db().Query("SELECT id, i, r, s FROM t ORDER BY id"));
  ASSERT_EQ(rows.size(), n);
  EXPECT_EQ(rows.columns, (std::vector<std::string>{"id", "i", "r", "s"}));
  for (size_t k = 0; k < n; ++k) {
    const auto& row = rows.rows[k];
    EXPECT_EQ(row[0], Value(int64_t(k)));
    EXPECT_EQ(row[1], k < ints.size() ? ints[k] : Value{}) << "row " << k;
    EXPECT_EQ(row[2], k < reals.size() ? reals[k] : Value{}) << "row " << k;
    EXPECT_EQ(row[3], k < texts.size() ? texts[k] : Value{}) << "row " << k;
  }
  // Empty text is not NULL.
  ASSERT_OK_AND_ASSIGN(Value empty, db().QueryValue("SELECT COUNT(*) FROM t WHERE s = ''"));
  EXPECT_EQ(empty, Value(int64_t{1}));
  ASSERT_OK_AND_ASSIGN(Value nulls, db().QueryValue("SELECT COUNT(*) FROM t WHERE s IS NULL"));
  EXPECT_EQ(nulls, Value(int64_t(n - texts.size() + 1)));
}

TEST_P(StoreContractTest, AggregatesHaveTheSameTypes) {
  CreateValuesTable();
  ASSERT_OK(db().ExecScript(
      "INSERT INTO t (id, i, r, s) VALUES (1, 10, 1.5, 'a'), (2, 20, 2.5, 'b'), (3, NULL, NULL, "
      "NULL)"));
  ASSERT_OK_AND_ASSIGN(
      Rows rows,
      db().Query("SELECT COUNT(*), COUNT(i), SUM(i), MAX(i), MIN(r), SUM(r), MAX(s) FROM t"));
  ASSERT_EQ(rows.size(), 1u);
  const std::vector<Value> expected = {int64_t{3}, int64_t{2}, int64_t{30},     int64_t{20},
                                       1.5,        4.0,        std::string("b")};
  EXPECT_EQ(rows.rows[0], expected);
  ASSERT_OK_AND_ASSIGN(Value none, db().QueryValue("SELECT SUM(i) FROM t WHERE id > 100"));
  EXPECT_TRUE(IsNull(none));
  ASSERT_OK_AND_ASSIGN(Value no_row, db().QueryValue("SELECT i FROM t WHERE id > 100"));
  EXPECT_TRUE(IsNull(no_row));
}

TEST_P(StoreContractTest, PreparedStatementIsReusable) {
  CreateValuesTable();
  ASSERT_OK_AND_ASSIGN(auto insert, db().Prepare("INSERT INTO t (id, i, s) VALUES (?, ?, ?)"));
  ASSERT_OK_AND_ASSIGN(auto select, db().Prepare("SELECT s FROM t WHERE i = ?"));
  for (int64_t k = 0; k < 200; ++k) {
    ASSERT_OK_AND_ASSIGN(int64_t changed,
                         insert->Execute(std::vector<Value>{k, k * 10, fmt::format("row {}", k)}));
    ASSERT_EQ(changed, 1);
  }
  for (int64_t k = 0; k < 200; k += 17) {
    ASSERT_OK_AND_ASSIGN(Rows rows, select->Query(std::vector<Value>{k * 10}));
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows.rows[0][0], Value(fmt::format("row {}", k)));
  }
  ASSERT_OK_AND_ASSIGN(auto update, db().Prepare("UPDATE t SET s = ? WHERE i < ?"));
  ASSERT_OK_AND_ASSIGN(int64_t updated,
                       update->Execute(std::vector<Value>{std::string("low"), int64_t{50}}));
  EXPECT_EQ(updated, 5);
  ASSERT_OK_AND_ASSIGN(int64_t none,
                       update->Execute(std::vector<Value>{std::string("x"), int64_t{-1}}));
  EXPECT_EQ(none, 0);
  ASSERT_OK_AND_ASSIGN(int64_t deleted, db().Execute("DELETE FROM t WHERE s = 'low'"));
  EXPECT_EQ(deleted, 5);
}

TEST_P(StoreContractTest, WrongParameterCountIsAnError) {
  CreateValuesTable();
  ASSERT_OK_AND_ASSIGN(auto insert, db().Prepare("INSERT INTO t (id, i) VALUES (?, ?)"));
  auto r = insert->Execute(std::vector<Value>{int64_t{1}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  // The statement still works afterwards.
  ASSERT_OK(insert->Execute(std::vector<Value>{int64_t{1}, int64_t{2}}));
}

TEST_P(StoreContractTest, UpsertOnIdentityUpdatesInPlace) {
  ASSERT_OK(Migrate(db()));
  ASSERT_OK_AND_ASSIGN(
      auto upsert,
      db().Prepare("INSERT INTO contacts (source_system, external_id, email, updated_at) "
                   "VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (source_system, external_id) DO UPDATE SET "
                   "email = excluded.email, updated_at = excluded.updated_at "
                   "RETURNING id"));
  auto run = [&](std::string external_id, std::string email, int64_t at) -> Result<int64_t> {
    MOPS_ASSIGN_OR_RETURN(
        Rows rows, upsert->Query(std::vector<Value>{std::string("hubspot"), std::move(external_id),
                                                    std::move(email), at}));
    if (rows.size() != 1) return core::Fail(ErrorCode::kInternal, "{} rows", rows.size());
    return AsInt(rows.rows[0][0], -1);
  };
  ASSERT_OK_AND_ASSIGN(int64_t first, run("c-1", "a@example.com", 1));
  ASSERT_OK_AND_ASSIGN(int64_t again, run("c-1", "b@example.com", 2));
  ASSERT_OK_AND_ASSIGN(int64_t other, run("c-2", "c@example.com", 3));
  EXPECT_GT(first, 0);
  EXPECT_EQ(again, first);
  EXPECT_NE(other, first);
  EXPECT_EQ(Count("contacts"), 2);
  ASSERT_OK_AND_ASSIGN(Rows rows, db().Query("SELECT email, updated_at FROM contacts WHERE id = ?",
                                             std::vector<Value>{first}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][0], Value(std::string("b@example.com")));
  EXPECT_EQ(rows.rows[0][1], Value(int64_t{2}));
  // Ids are unique but not dense: PostgreSQL draws an identity value even for
  // an insert that turns into an update.
  EXPECT_GT(other, again);
}

TEST_P(StoreContractTest, RollbackLeavesNothing) {
  CreateValuesTable();
  ASSERT_OK(db().Begin());
  ASSERT_OK(db().Execute("INSERT INTO t (id, s) VALUES (1, 'gone')"));
  EXPECT_EQ(Count("t"), 1);  // visible inside the transaction
  ASSERT_OK(db().Rollback());
  EXPECT_EQ(Count("t"), 0);

  ASSERT_OK(db().Begin());
  ASSERT_OK(db().Execute("INSERT INTO t (id, s) VALUES (2, 'kept')"));
  ASSERT_OK(db().Commit());
  EXPECT_EQ(Count("t"), 1);
  // Another connection sees the committed row only.
  ASSERT_OK_AND_ASSIGN(auto other, Open(url_));
  ASSERT_OK_AND_ASSIGN(Value seen, other->QueryValue("SELECT s FROM t"));
  EXPECT_EQ(seen, Value(std::string("kept")));
}

TEST_P(StoreContractTest, TransactionRollsBackOnDestruction) {
  CreateValuesTable();
  {
    ASSERT_OK_AND_ASSIGN(Transaction tx, Transaction::Start(db()));
    ASSERT_OK(db().Execute("INSERT INTO t (id) VALUES (1)"));
  }
  EXPECT_EQ(Count("t"), 0);
  {
    ASSERT_OK_AND_ASSIGN(Transaction tx, Transaction::Start(db()));
    ASSERT_OK(db().Execute("INSERT INTO t (id) VALUES (2)"));
    ASSERT_OK(tx.Commit());
  }
  EXPECT_EQ(Count("t"), 1);
  // The connection is usable for a new transaction afterwards.
  ASSERT_OK_AND_ASSIGN(Transaction tx, Transaction::Start(db()));
  ASSERT_OK(tx.Commit());
}

TEST_P(StoreContractTest, TransactionsDoNotNest) {
  ASSERT_FALSE(db().Commit().has_value());
  ASSERT_FALSE(db().Rollback().has_value());
  ASSERT_OK(db().Begin());
  EXPECT_FALSE(db().Begin().has_value());
  ASSERT_OK(db().Rollback());
}

TEST_P(StoreContractTest, UniqueViolationIsConflict) {
  ASSERT_OK(Migrate(db()));
  const std::string sql =
      "INSERT INTO accounts (source_system, external_id, name) VALUES (?, ?, ?)";
  const std::vector<Value> params = {std::string("salesforce"), std::string("001A"),
                                     std::string("Acme")};
  ASSERT_OK(db().Execute(sql, params));
  auto dup = db().Execute(sql, params);
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict) << dup.error().ToString();
  // Outside a transaction the connection carries on.
  EXPECT_EQ(Count("accounts"), 1);

  // Inside one, the failed transaction is rolled back whole.
  ASSERT_OK(db().Begin());
  ASSERT_OK(db().Execute(sql, std::vector<Value>{std::string("salesforce"), std::string("001B"),
                                                 std::string("Beta")}));
  auto again = db().Execute(sql, params);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  ASSERT_OK(db().Rollback());
  EXPECT_EQ(Count("accounts"), 1);
}

TEST_P(StoreContractTest, QueuedInsertsAreWrittenByFlush) {
  CreateValuesTable();
  ASSERT_OK(db().Begin());
  ASSERT_OK_AND_ASSIGN(auto insert, db().Prepare("INSERT INTO t (id, i, s) VALUES (?, ?, ?)"));
  // More rows than one pipeline segment, so that results are read mid-way.
  constexpr int64_t kRows = 5000;
  std::vector<Value> params(3);
  for (int64_t k = 0; k < kRows; ++k) {
    params[0] = k;
    params[1] = k * 2;
    params[2] = fmt::format("row {}", k);
    ASSERT_OK(insert->ExecuteQueued(params));
    // Parameters are copied when queued: changing them afterwards is safe.
    params[2] = std::string("changed");
  }
  ASSERT_OK(db().Flush());
  EXPECT_EQ(db().failed_queued_position(), 0);
  EXPECT_EQ(Count("t"), kRows);
  ASSERT_OK(db().Commit());
  EXPECT_EQ(Count("t"), kRows);
  ASSERT_OK_AND_ASSIGN(Value sum, db().QueryValue("SELECT SUM(i) FROM t"));
  EXPECT_EQ(sum, Value(kRows * (kRows - 1)));
  ASSERT_OK_AND_ASSIGN(Value text, db().QueryValue("SELECT s FROM t WHERE id = 4321"));
  EXPECT_EQ(text, Value(std::string("row 4321")));
  ASSERT_OK_AND_ASSIGN(Value changed,
                       db().QueryValue("SELECT COUNT(*) FROM t WHERE s = 'changed'"));
  EXPECT_EQ(changed, Value(int64_t{0}));
  // Flush with nothing queued is a no-op.
  ASSERT_OK(db().Flush());
}

TEST_P(StoreContractTest, QueuedFailureIsReportedAndRollsBack) {
  CreateValuesTable();
  ASSERT_OK(db().Begin());
  ASSERT_OK_AND_ASSIGN(auto insert, db().Prepare("INSERT INTO t (id, s) VALUES (?, ?)"));
  // Statement 2501 repeats id 5: a unique violation in the third segment.
  Status first;
  for (int64_t k = 0; k < 3500; ++k) {
    const int64_t id = k == 2500 ? 5 : k;
    auto queued = insert->ExecuteQueued(std::vector<Value>{id, std::string("x")});
    if (!queued && first) first = queued;
  }
  auto flushed = db().Flush();
  if (first) first = flushed;
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, ErrorCode::kConflict) << first.error().ToString();
  if (GetParam() == Backend::kPostgres) {
    EXPECT_EQ(db().failed_queued_position(), 2501);
    EXPECT_NE(first.error().message.find("queued statement 2501"), std::string::npos)
        << first.error().message;
    EXPECT_NE(first.error().message.find("INSERT INTO t"), std::string::npos);
  }
  // The error is reported once; the transaction rolls back whole.
  ASSERT_OK(db().Rollback());
  EXPECT_EQ(Count("t"), 0);

  // Commit reports a queued failure and leaves nothing either.
  ASSERT_OK(db().Begin());
  ASSERT_OK(insert->ExecuteQueued(std::vector<Value>{int64_t{1}, std::string("a")}));
  auto dup = insert->ExecuteQueued(std::vector<Value>{int64_t{1}, std::string("b")});
  if (dup) {
    auto committed = db().Commit();
    ASSERT_FALSE(committed.has_value());
    EXPECT_EQ(committed.error().code, ErrorCode::kConflict) << committed.error().ToString();
  } else {
    EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
    ASSERT_OK(db().Rollback());
  }
  EXPECT_EQ(Count("t"), 0);

  // The connection carries on.
  ASSERT_OK(db().Begin());
  ASSERT_OK(insert->ExecuteQueued(std::vector<Value>{int64_t{7}, std::string("kept")}));
  ASSERT_OK(db().Commit());
  EXPECT_EQ(Count("t"), 1);
}

TEST_P(StoreContractTest, CallsBetweenQueuedStatementsSeeTheirRows) {
  CreateValuesTable();
  ASSERT_OK(db().Begin());
  ASSERT_OK_AND_ASSIGN(auto insert, db().Prepare("INSERT INTO t (id, i) VALUES (?, ?)"));
  ASSERT_OK_AND_ASSIGN(auto count, db().Prepare("SELECT COUNT(*) FROM t WHERE i >= ?"));
  for (int64_t k = 0; k < 10; ++k) ASSERT_OK(insert->ExecuteQueued(std::vector<Value>{k, k}));
  ASSERT_OK_AND_ASSIGN(Rows rows, count->Query(std::vector<Value>{int64_t{0}}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][0], Value(int64_t{10}));
  for (int64_t k = 10; k < 20; ++k) ASSERT_OK(insert->ExecuteQueued(std::vector<Value>{k, k}));
  ASSERT_OK_AND_ASSIGN(int64_t updated, db().Execute("UPDATE t SET i = i + 100 WHERE id >= 15"));
  EXPECT_EQ(updated, 5);
  for (int64_t k = 20; k < 30; ++k) ASSERT_OK(insert->ExecuteQueued(std::vector<Value>{k, k}));
  const std::array<ColumnType, 1> types = {ColumnType::kInt};
  ASSERT_OK_AND_ASSIGN(auto cols, db().ScanColumns("SELECT i FROM t ORDER BY id", {}, types));
  ASSERT_EQ(cols[0].size(), 30u);
  EXPECT_EQ(cols[0].ints[19], 119);
  EXPECT_EQ(cols[0].ints[29], 29);
  for (int64_t k = 30; k < 40; ++k) ASSERT_OK(insert->ExecuteQueued(std::vector<Value>{k, k}));
  ASSERT_OK(db().Commit());
  EXPECT_EQ(Count("t"), 40);
}

TEST_P(StoreContractTest, NotNullViolationIsAnError) {
  ASSERT_OK(Migrate(db()));
  auto r = db().Execute("INSERT INTO accounts (source_system, external_id) VALUES (?, NULL)",
                        std::vector<Value>{std::string("x")});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("external_id"), std::string::npos) << r.error().message;
}

// Deterministic synthetic touchpoint k; the same generator feeds both backends.
struct SyntheticTouch {
  Value contact_id, account_id, occurred_at, type, channel, campaign_id, value, url;
};

SyntheticTouch MakeTouch(int64_t k) {
  static const std::array<std::string_view, 4> kTypes = {"page_view", "form_fill", "email_click",
                                                         "ad_click"};
  static const std::array<std::string_view, 6> kChannels = {
      "organic_search", "paid_search", "email", "direct", "paid_social", "référral"};
  SyntheticTouch t;
  t.contact_id = k % 7 == 0 ? Value{} : Value(int64_t{1000 + k % 997});
  t.account_id = k % 11 == 0 ? Value{} : Value(int64_t{50 + k % 89});
  t.occurred_at = int64_t{1700000000} + k * 37;
  t.type = std::string(kTypes[(k * 7) % kTypes.size()]);
  t.channel = k % 5 == 0 ? Value{} : Value(std::string(kChannels[(k / 3) % kChannels.size()]));
  t.campaign_id = k % 3 == 0 ? Value{} : Value(int64_t{k % 40});
  t.value = k % 4 == 0 ? Value{} : Value(static_cast<double>(k) / 8.0 + 0.1);
  t.url = k % 9 == 0 ? Value{} : Value(fmt::format("https://example.com/p/{}?q=é", k % 100));
  return t;
}

Status InsertTouches(Database& db, int64_t n) {
  MOPS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Start(db));
  MOPS_ASSIGN_OR_RETURN(
      auto insert,
      db.Prepare("INSERT INTO touchpoints (source_system, external_id, contact_id, account_id, "
                 "occurred_at, type, channel, campaign_id, value, url) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  for (int64_t k = 0; k < n; ++k) {
    SyntheticTouch t = MakeTouch(k);
    MOPS_TRY(insert->Execute(std::vector<Value>{std::string("test"), fmt::format("t{}", k),
                                                t.contact_id, t.account_id, t.occurred_at, t.type,
                                                t.channel, t.campaign_id, t.value, t.url}));
  }
  insert.reset();
  return tx.Commit();
}

TEST_P(StoreContractTest, ScanColumnsOfTenThousandTouchpoints) {
  ASSERT_OK(Migrate(db()));
  constexpr int64_t kRows = 10000;
  ASSERT_OK(InsertTouches(db(), kRows));
  const std::vector<ColumnType> types = {ColumnType::kInt, ColumnType::kInt,  ColumnType::kInt,
                                         ColumnType::kInt, ColumnType::kDict, ColumnType::kDict,
                                         ColumnType::kInt, ColumnType::kReal, ColumnType::kText};
  ASSERT_OK_AND_ASSIGN(
      std::vector<Column> cols,
      db().ScanColumns("SELECT id, contact_id, account_id, occurred_at, type, channel, "
                       "campaign_id, value, url FROM touchpoints ORDER BY id",
                       {}, types));
  ASSERT_EQ(cols.size(), types.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    ASSERT_EQ(cols[c].type, types[c]);
    ASSERT_EQ(cols[c].size(), static_cast<size_t>(kRows)) << "column " << c;
  }
  // Only the vectors of each column's type are filled.
  EXPECT_TRUE(cols[0].reals.empty() && cols[0].texts.empty() && cols[0].codes.empty());
  EXPECT_TRUE(cols[4].ints.empty() && cols[4].texts.empty());
  EXPECT_EQ(cols[7].reals.size(), static_cast<size_t>(kRows));
  EXPECT_EQ(cols[8].texts.size(), static_cast<size_t>(kRows));

  auto check_int = [](const Column& col, size_t k, const Value& v) {
    EXPECT_EQ(col.nulls[k], IsNull(v) ? 1 : 0) << "row " << k;
    EXPECT_EQ(col.ints[k], IsNull(v) ? 0 : std::get<int64_t>(v)) << "row " << k;
  };
  auto check_dict = [](const Column& col, size_t k, const Value& v) {
    EXPECT_EQ(col.nulls[k], IsNull(v) ? 1 : 0) << "row " << k;
    if (IsNull(v)) {
      EXPECT_EQ(col.codes[k], -1) << "row " << k;
    } else {
      ASSERT_GE(col.codes[k], 0);
      ASSERT_LT(static_cast<size_t>(col.codes[k]), col.dict.size());
      EXPECT_EQ(col.dict[col.codes[k]], std::get<std::string>(v)) << "row " << k;
    }
  };
  std::vector<std::string> type_order, channel_order;
  for (int64_t k = 0; k < kRows; ++k) {
    const SyntheticTouch t = MakeTouch(k);
    const auto i = static_cast<size_t>(k);
    EXPECT_EQ(cols[0].ints[i], k + 1);
    EXPECT_EQ(cols[0].nulls[i], 0);
    check_int(cols[1], i, t.contact_id);
    check_int(cols[2], i, t.account_id);
    check_int(cols[3], i, t.occurred_at);
    check_dict(cols[4], i, t.type);
    check_dict(cols[5], i, t.channel);
    check_int(cols[6], i, t.campaign_id);
    EXPECT_EQ(cols[7].nulls[i], IsNull(t.value) ? 1 : 0);
    EXPECT_EQ(cols[7].reals[i], IsNull(t.value) ? 0.0 : std::get<double>(t.value));
    EXPECT_EQ(cols[8].nulls[i], IsNull(t.url) ? 1 : 0);
    EXPECT_EQ(cols[8].texts[i], AsText(t.url));
    // Dictionary codes are assigned in order of first appearance.
    for (auto [v, order] :
         {std::pair{&t.type, &type_order}, std::pair{&t.channel, &channel_order}}) {
      if (const auto* s = std::get_if<std::string>(v);
          s != nullptr && std::find(order->begin(), order->end(), *s) == order->end()) {
        order->push_back(*s);
      }
    }
  }
  EXPECT_EQ(cols[4].dict, type_order);
  EXPECT_EQ(cols[5].dict, channel_order);
}

TEST_P(StoreContractTest, ParallelScanEqualsOneScan) {
  ASSERT_OK(Migrate(db()));
  constexpr int64_t kRows = 10000;
  ASSERT_OK(InsertTouches(db(), kRows));
  const std::vector<ColumnType> types = {ColumnType::kInt,  ColumnType::kInt,  ColumnType::kDict,
                                         ColumnType::kDict, ColumnType::kReal, ColumnType::kText};
  constexpr std::string_view kColumns = "SELECT id, contact_id, type, channel, value, url FROM ";
  ASSERT_OK_AND_ASSIGN(
      std::vector<Column> one,
      db().ScanColumns(std::string(kColumns) + "touchpoints ORDER BY id", {}, types));
  for (int parts : {1, 2, 3}) {
    ASSERT_OK_AND_ASSIGN(
        std::vector<Column> split,
        ScanColumnsParallel(
            db(), std::string(kColumns) + "touchpoints WHERE id >= ? AND id < ? ORDER BY id", 1,
            kRows + 1, types, parts));
    ASSERT_EQ(split.size(), one.size());
    for (size_t c = 0; c < one.size(); ++c) {
      ASSERT_EQ(split[c].size(), static_cast<size_t>(kRows)) << "parts " << parts;
      EXPECT_EQ(split[c].nulls, one[c].nulls);
      EXPECT_EQ(split[c].ints, one[c].ints);
      EXPECT_EQ(split[c].reals, one[c].reals);
      EXPECT_EQ(split[c].texts, one[c].texts);
      if (types[c] != ColumnType::kDict) continue;
      for (size_t k = 0; k < static_cast<size_t>(kRows); ++k) {
        const int32_t a = split[c].codes[k], b = one[c].codes[k];
        ASSERT_EQ(a < 0, b < 0) << "row " << k;
        if (a >= 0) {
          ASSERT_EQ(split[c].dict[a], one[c].dict[b]) << "row " << k;
        }
      }
    }
  }
  // An empty range and a failing query.
  ASSERT_OK_AND_ASSIGN(
      auto none,
      ScanColumnsParallel(db(), std::string(kColumns) + "touchpoints WHERE id >= ? AND id < ?", 0,
                          0, types, 2));
  EXPECT_EQ(none[0].size(), 0u);
  EXPECT_FALSE(ScanColumnsParallel(db(), "SELECT nope FROM touchpoints WHERE id >= ? AND id < ?", 1,
                                   kRows + 1, std::span(types).first(1), 2)
                   .has_value());
}

TEST_P(StoreContractTest, ScanColumnsWithParametersAndConversions) {
  ASSERT_OK(Migrate(db()));
  ASSERT_OK(InsertTouches(db(), 100));
  const std::vector<ColumnType> types = {ColumnType::kReal, ColumnType::kText, ColumnType::kInt,
                                         ColumnType::kDict};
  ASSERT_OK_AND_ASSIGN(
      std::vector<Column> cols,
      db().ScanColumns("SELECT occurred_at, contact_id, value, type FROM touchpoints "
                       "WHERE occurred_at >= ? AND type = ? ORDER BY id",
                       std::vector<Value>{int64_t{1700000000 + 50 * 37}, std::string("form_fill")},
                       types));
  std::vector<int64_t> expected;
  for (int64_t k = 50; k < 100; ++k) {
    if (std::get<std::string>(MakeTouch(k).type) == "form_fill") expected.push_back(k);
  }
  ASSERT_EQ(cols[0].size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const SyntheticTouch t = MakeTouch(expected[i]);
    EXPECT_EQ(cols[0].reals[i], static_cast<double>(std::get<int64_t>(t.occurred_at)));
    EXPECT_EQ(cols[1].texts[i], AsText(t.contact_id));  // integer read as text
    // A real read as an integer is truncated.
    EXPECT_EQ(cols[2].ints[i],
              IsNull(t.value) ? 0 : static_cast<int64_t>(std::get<double>(t.value)));
    EXPECT_EQ(cols[3].codes[i], 0);
  }
  EXPECT_EQ(cols[3].dict, std::vector<std::string>{"form_fill"});
}

TEST_P(StoreContractTest, ScanColumnsEmptyAndMismatched) {
  CreateValuesTable();
  const std::vector<ColumnType> types = {ColumnType::kInt, ColumnType::kDict};
  ASSERT_OK_AND_ASSIGN(std::vector<Column> cols,
                       db().ScanColumns("SELECT id, s FROM t", {}, types));
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols[0].size(), 0u);
  EXPECT_EQ(cols[1].type, ColumnType::kDict);
  auto wrong = db().ScanColumns("SELECT id FROM t", {}, types);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::kInternal);
}

// Crosses the PostgreSQL adapter's fetch batches (65536 rows) and their edge.
TEST_P(StoreContractTest, ScanColumnsOfGeneratedSeries) {
  for (int64_t n : {65535, 65536, 70001}) {
    const std::vector<ColumnType> types = {ColumnType::kInt, ColumnType::kReal};
    ASSERT_OK_AND_ASSIGN(
        std::vector<Column> cols,
        db().ScanColumns("WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE "
                         "x < ?) SELECT x, x * 0.5 FROM s",
                         std::vector<Value>{n}, types));
    ASSERT_EQ(cols[0].size(), static_cast<size_t>(n));
    int64_t sum = 0;
    for (int64_t v : cols[0].ints) sum += v;
    EXPECT_EQ(sum, n * (n + 1) / 2);
    EXPECT_EQ(cols[1].reals.back(), static_cast<double>(n) * 0.5);
  }
}

TEST_P(StoreContractTest, QuestionMarkInLiteralIsNotAPlaceholder) {
  CreateValuesTable();
  ASSERT_OK(
      db().Execute("INSERT INTO t (id, s) VALUES (?, 'what?')", std::vector<Value>{int64_t{1}}));
  ASSERT_OK(db().Execute("INSERT INTO t (id, s) VALUES (?, 'it''s ? or ?!')",
                         std::vector<Value>{int64_t{2}}));
  ASSERT_OK_AND_ASSIGN(Value v, db().QueryValue("SELECT id FROM t WHERE s = 'what?' AND id = ?",
                                                std::vector<Value>{int64_t{1}}));
  EXPECT_EQ(v, Value(int64_t{1}));
  ASSERT_OK_AND_ASSIGN(
      Value s, db().QueryValue("SELECT s FROM t WHERE id = ?", std::vector<Value>{int64_t{2}}));
  EXPECT_EQ(s, Value(std::string("it's ? or ?!")));
  ASSERT_OK_AND_ASSIGN(
      std::vector<Column> cols,
      db().ScanColumns("SELECT s FROM t WHERE s <> '?' AND id >= ? ORDER BY id",
                       std::vector<Value>{int64_t{1}}, std::vector<ColumnType>{ColumnType::kText}));
  EXPECT_EQ(cols[0].texts, (std::vector<std::string>{"what?", "it's ? or ?!"}));
}

TEST_P(StoreContractTest, PoolServesFourThreads) {
  ASSERT_OK(Migrate(db()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Pool> pool, Pool::Create(url_, 4));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::atomic<int> failures{0};
  std::string first_error;
  std::mutex error_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        Pool::Lease db = pool->Acquire();
        auto status = [&]() -> Status {
          MOPS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Start(*db));
          MOPS_TRY(
              db->Execute("INSERT INTO identities (kind, value, contact_id) VALUES (?, ?, ?)",
                          std::vector<Value>{std::string("email"),
                                             fmt::format("t{}-{}@example.com", t, k), int64_t{t}}));
          MOPS_ASSIGN_OR_RETURN(
              Value n, db->QueryValue("SELECT COUNT(*) FROM identities WHERE contact_id = ?",
                                      std::vector<Value>{int64_t{t}}));
          if (AsInt(n) != k + 1) return core::Fail(ErrorCode::kInternal, "saw {} rows", AsInt(n));
          return tx.Commit();
        }();
        if (!status) {
          std::lock_guard lock(error_mu);
          if (failures.fetch_add(1) == 0) first_error = status.error().ToString();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0) << first_error;
  EXPECT_EQ(Count("identities"), kThreads * kPerThread);
  ASSERT_OK_AND_ASSIGN(Rows ids, db().Query("SELECT id FROM identities"));
  std::set<int64_t> unique;
  for (const auto& row : ids.rows) unique.insert(AsInt(row[0]));
  EXPECT_EQ(unique.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST_P(StoreContractTest, ErrorsNameTheProblem) {
  auto syntax = db().Query("SELEC 1");
  ASSERT_FALSE(syntax.has_value());
  EXPECT_EQ(syntax.error().code, ErrorCode::kDatabase);
  EXPECT_NE(syntax.error().message.find("syntax error"), std::string::npos)
      << syntax.error().message;
  EXPECT_NE(syntax.error().message.find("SELEC"), std::string::npos) << syntax.error().message;

  auto missing = db().Query("SELECT * FROM no_such_table");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("no_such_table"), std::string::npos)
      << missing.error().message;

  auto script = db().ExecScript("CREATE TABLE ok_table (x INTEGER); CREATE TABLE (");
  ASSERT_FALSE(script.has_value());
  EXPECT_EQ(script.error().code, ErrorCode::kDatabase);

  auto scan = db().ScanColumns("SELECT nope FROM no_such_table", {},
                               std::vector<ColumnType>{ColumnType::kInt});
  ASSERT_FALSE(scan.has_value());
  EXPECT_NE(scan.error().message.find("no_such_table"), std::string::npos) << scan.error().message;
  // The connection is still usable after errors.
  ASSERT_OK_AND_ASSIGN(Value one, db().QueryValue("SELECT 1"));
  EXPECT_EQ(one, Value(int64_t{1}));
}

// PostgreSQL-specific promises that have no SQLite counterpart.
class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = test_support::PostgresServer::Shared();
    ASSERT_TRUE(server.has_value()) << server.error().ToString();
    server_ = *server;
  }
  test_support::PostgresServer* server_ = nullptr;
};

TEST_F(PostgresTest, DisplayNameAndErrorsHideThePassword) {
  ASSERT_OK_AND_ASSIGN(std::string url, server_->CreateDatabase("password"));
  // The test server trusts loopback, so any password is accepted.
  const std::string with_password =
      std::string(url).insert(url.find("postgres@") + 8, ":s3cr3t-pw");
  ASSERT_OK_AND_ASSIGN(auto db, OpenPostgres(with_password));
  EXPECT_EQ(db->display_name().find("s3cr3t-pw"), std::string::npos) << db->display_name();
  EXPECT_NE(db->display_name().find("127.0.0.1"), std::string::npos);

  auto refused = OpenPostgres("postgresql://mops:s3cr3t-pw@127.0.0.1:1/some_db?password=other-pw");
  ASSERT_FALSE(refused.has_value());
  const std::string message = refused.error().ToString();
  EXPECT_EQ(message.find("s3cr3t-pw"), std::string::npos) << message;
  EXPECT_EQ(message.find("other-pw"), std::string::npos) << message;
  EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
  EXPECT_NE(message.find("some_db"), std::string::npos) << message;
}

TEST_F(PostgresTest, SessionIsUtf8AndUtc) {
  ASSERT_OK_AND_ASSIGN(std::string url, server_->CreateDatabase("session"));
  ASSERT_OK_AND_ASSIGN(
      auto db, OpenPostgres(url + "?options=-c%20TimeZone%3DEurope/Paris&client_encoding=LATIN1"));
  ASSERT_OK_AND_ASSIGN(Value tz, db->QueryValue("SHOW TimeZone"));
  EXPECT_EQ(tz, Value(std::string("UTC")));
  ASSERT_OK_AND_ASSIGN(Value enc, db->QueryValue("SHOW client_encoding"));
  EXPECT_EQ(enc, Value(std::string("UTF8")));
}

TEST_F(PostgresTest, StatementsAreDeallocated) {
  ASSERT_OK_AND_ASSIGN(std::string url, server_->CreateDatabase("deallocate"));
  ASSERT_OK_AND_ASSIGN(auto db, OpenPostgres(url));
  for (int k = 0; k < 20; ++k) ASSERT_OK(db->QueryValue("SELECT 1"));
  // A statement destroyed inside a failed transaction goes after it ends.
  ASSERT_OK(db->Begin());
  {
    ASSERT_OK_AND_ASSIGN(auto stmt, db->Prepare("SELECT 1 / ?"));
    EXPECT_FALSE(stmt->Query(std::vector<Value>{int64_t{0}}).has_value());
  }
  auto commit = db->Commit();
  ASSERT_FALSE(commit.has_value());
  EXPECT_NE(commit.error().message.find("rolled back"), std::string::npos);
  // Only the statement counting is left.
  ASSERT_OK_AND_ASSIGN(Value n, db->QueryValue("SELECT COUNT(*) FROM pg_prepared_statements"));
  EXPECT_EQ(n, Value(int64_t{1}));
}

// Ends the server session of `db` from another connection.
Status TerminateSession(Database& db, const std::string& url) {
  MOPS_ASSIGN_OR_RETURN(Value pid, db.QueryValue("SELECT pg_backend_pid()"));
  MOPS_ASSIGN_OR_RETURN(auto admin, OpenPostgres(url));
  MOPS_TRY(admin->QueryValue("SELECT pg_terminate_backend(CAST(? AS INTEGER), 5000)",
                             std::vector<Value>{pid}));
  return {};
}

TEST_F(PostgresTest, ReconnectsBetweenTransactionsOnly) {
  ASSERT_OK_AND_ASSIGN(std::string url, server_->CreateDatabase("reconnect"));
  ASSERT_OK_AND_ASSIGN(auto db, OpenPostgres(url));
  ASSERT_OK(db->ExecScript("CREATE TABLE t (x BIGINT)"));

  // Lost while idle: the next transaction reconnects.
  ASSERT_OK(TerminateSession(*db, url));
  ASSERT_OK(db->Begin());
  ASSERT_OK(db->Execute("INSERT INTO t (x) VALUES (1)"));
  ASSERT_OK(db->Commit());
  ASSERT_OK_AND_ASSIGN(Value tz, db->QueryValue("SHOW TimeZone"));
  EXPECT_EQ(tz, Value(std::string("UTC")));

  // Lost inside a transaction: everything fails until Rollback, and nothing
  // of the transaction is written.
  ASSERT_OK(db->Begin());
  ASSERT_OK(db->Execute("INSERT INTO t (x) VALUES (2)"));
  ASSERT_OK(TerminateSession(*db, url));
  auto lost = db->Execute("INSERT INTO t (x) VALUES (3)");
  ASSERT_FALSE(lost.has_value());
  EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable) << lost.error().ToString();
  auto again = db->Execute("INSERT INTO t (x) VALUES (4)");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kUnavailable) << again.error().ToString();
  EXPECT_FALSE(db->Commit().has_value());
  ASSERT_OK_AND_ASSIGN(Rows rows, db->Query("SELECT x FROM t ORDER BY x"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][0], Value(int64_t{1}));
}

TEST_F(PostgresTest, NulInTextIsRefused) {
  ASSERT_OK_AND_ASSIGN(auto db, OpenPostgres(server_->url()));
  auto r = db->QueryValue("SELECT CAST(? AS TEXT)", std::vector<Value>{std::string("a\0b", 3)});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(PostgresTest, SchemaNamesAreNotReservedWords) {
  // audit_log.before/after, spend.date and the like must stay usable
  // unquoted: no table or column may be a reserved word of PostgreSQL.
  ASSERT_OK_AND_ASSIGN(std::string url, server_->CreateDatabase("keywords"));
  ASSERT_OK_AND_ASSIGN(auto db, OpenPostgres(url));
  ASSERT_OK(Migrate(*db));
  ASSERT_OK_AND_ASSIGN(
      Rows rows,
      db->Query("SELECT c.table_name, c.column_name, k.catdesc FROM information_schema.columns c "
                "JOIN pg_get_keywords() k ON k.word = c.column_name OR k.word = c.table_name "
                "WHERE c.table_schema = 'public' AND k.catcode IN ('R', 'T') "
                "ORDER BY 1, 2"));
  std::string reserved;
  for (const auto& row : rows.rows) {
    reserved += fmt::format("{}.{} ({}); ", AsText(row[0]), AsText(row[1]), AsText(row[2]));
  }
  EXPECT_TRUE(rows.empty()) << reserved;
}

}  // namespace
}  // namespace mops::store
