// Test helpers of src/quality: a workspace on each backend (a temporary
// SQLite file, or a fresh database on the shared throwaway PostgreSQL
// server), a small dirty CRM to work on, and a dump of every table for
// before/after comparisons.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "quality/quality.h"
#include "store/database.h"
#include "tests/support/postgres_server.h"

namespace mops::quality::testing {

#define QUALITY_ASSERT_OK(expr)                                                      \
  do {                                                                               \
    auto status_ = (expr);                                                           \
    ASSERT_TRUE(status_.has_value()) << #expr << ": " << status_.error().ToString(); \
  } while (false)

enum class Backend { kSqlite, kPostgres };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

using store::Value;

class WorkspaceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string url;
    if (GetParam() == Backend::kSqlite) {
      dir_ = std::filesystem::temp_directory_path() /
             fmt::format("mops-quality-test-{}-{}", getpid(), next_.fetch_add(1));
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      url = (dir_ / "workspace.db").string();
    } else {
      auto server = test_support::PostgresServer::Shared();
      ASSERT_TRUE(server.has_value()) << server.error().ToString();
      auto created = (*server)->CreateDatabase(std::string("quality_") + info->name());
      ASSERT_TRUE(created.has_value()) << created.error().ToString();
      url = *created;
    }
    auto db = store::Open(url);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    QUALITY_ASSERT_OK(store::Migrate(*db_));
  }

  void TearDown() override {
    db_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  store::Database& db() { return *db_; }

  void Exec(const std::string& sql, std::vector<Value> params = {}) {
    auto done = db_->Execute(sql, params);
    ASSERT_TRUE(done.has_value()) << sql << ": " << done.error().ToString();
  }

  int64_t Count(const std::string& table, const std::string& where = "1 = 1") {
    auto v = db_->QueryValue("SELECT COUNT(*) FROM " + table + " WHERE " + where);
    EXPECT_TRUE(v.has_value()) << v.error().ToString();
    return v ? store::AsInt(*v, -1) : -1;
  }

  Value One(const std::string& sql, std::vector<Value> params = {}) {
    auto v = db_->QueryValue(sql, params);
    EXPECT_TRUE(v.has_value()) << sql << ": " << v.error().ToString();
    return v ? *v : Value{};
  }

  // Every row of every table except the bookkeeping of merges, checks and
  // the audit log, in id order.
  std::map<std::string, store::Rows> Dump() {
    const char* list =
        db_->dialect() == store::Dialect::kSqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
              "ORDER BY name"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = "
              "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name";
    std::map<std::string, store::Rows> out;
    auto tables = db_->Query(list);
    EXPECT_TRUE(tables.has_value());
    if (!tables) return out;
    for (const auto& row : tables->rows) {
      const std::string name = store::AsText(row[0]);
      if (name == "audit_log" || name == "merges" || name == "schema_migrations" ||
          name == "quality_runs" || name == "quality_scores") {
        continue;
      }
      auto rows = db_->Query("SELECT * FROM " + name + " ORDER BY 1");
      EXPECT_TRUE(rows.has_value()) << name;
      if (rows) out[name] = std::move(*rows);
    }
    return out;
  }

  static void ExpectSameWorkspace(const std::map<std::string, store::Rows>& a,
                                  const std::map<std::string, store::Rows>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [table, rows] : a) {
      const store::Rows& other = b.at(table);
      EXPECT_EQ(rows.columns, other.columns) << table;
      ASSERT_EQ(rows.rows.size(), other.rows.size()) << table;
      for (size_t r = 0; r < rows.rows.size(); ++r) {
        for (size_t c = 0; c < rows.columns.size(); ++c) {
          EXPECT_EQ(rows.rows[r][c], other.rows[r][c])
              << table << " row " << r << " column " << rows.columns[c] << ": '"
              << store::AsText(rows.rows[r][c]) << "' vs '" << store::AsText(other.rows[r][c])
              << "'";
        }
      }
    }
  }

  // A small CRM: duplicate accounts (1 and 2, with 3 a child of 2), duplicate
  // contacts (1, 2 and 5; 4 merged into 2 long ago) and every kind of child.
  void Seed() {
    Exec(
        "INSERT INTO accounts (id, source_system, external_id, name, domain, website, industry, "
        "employees, country, created_at, updated_at) VALUES "
        "(1, 'salesforce', 'A1', 'Acme Inc', 'acme.com', NULL, 'Software', 120, 'USA', 100, 500), "
        "(2, 'hubspot', 'A2', 'ACME', 'acme.com', 'https://www.acme.com', NULL, NULL, 'US', 50, "
        "900), "
        "(3, 'hubspot', 'A3', 'Acme Labs', 'labs.acme.com', NULL, 'Research', 10, 'US', 60, 60), "
        "(4, 'salesforce', 'A4', 'Globex GmbH', 'globex.de', NULL, 'Manufacturing', 900, "
        "'Deutschland', 70, 70)");
    Exec("UPDATE accounts SET parent_id = 2 WHERE id = 3");
    Exec(
        "INSERT INTO contacts (id, source_system, external_id, email, first_name, last_name, "
        "title, phone, company_name, account_id, country, state, lifecycle_stage, created_at, "
        "updated_at, merged_into) VALUES "
        "(1, 'salesforce', 'C1', 'Jane@Acme.com', 'jane', 'DOE', NULL, NULL, 'Acme Inc', 1, "
        "'U.S.A.', 'california', 'lead', 100, 100, NULL), "
        "(2, 'hubspot', 'C2', 'jane@acme.com', 'Jane', 'Doe', 'VP Marketing', '(650) 253-0000', "
        "'Acme', 2, 'US', 'CA', 'mql', 200, 800, NULL), "
        "(3, 'hubspot', 'C3', 'bob@globex.de', 'bob', 'o''brien', 'Mktg Ops Mgr', '030 1234567', "
        "'Globex', NULL, 'Deutschland', 'Berlin', 'customer', 300, 300, NULL), "
        "(4, 'hubspot', 'C4', 'j.doe@acme.com', 'J', 'Doe', NULL, NULL, NULL, 2, 'US', NULL, "
        "'lead', 10, 10, 2), "
        "(5, 'csv', 'C5', 'jane.doe@gmial.com', 'Jane', 'Doe', NULL, NULL, 'Acme, Inc.', NULL, "
        "NULL, NULL, 'subscriber', 400, 950, NULL), "
        "(6, 'csv', 'C6', 'info@initech.com', 'Ina', 'Tech', NULL, '12', 'Initech', NULL, 'UK', "
        "NULL, 'lead', 400, 400, NULL)");
    Exec(
        "INSERT INTO touchpoints (id, source_system, external_id, contact_id, account_id, "
        "occurred_at, type, channel, value) VALUES "
        "(1, 'web', 'T1', 1, 1, 1000, 'page_view', 'direct', NULL), "
        "(2, 'web', 'T2', 2, 2, 2000, 'form_submit', 'paid_search', 12.5), "
        "(3, 'web', 'T3', 2, 2, 3000, 'email_click', 'email', 0.1), "
        "(4, 'web', 'T4', 5, NULL, 4000, 'page_view', 'organic_search', NULL), "
        "(5, 'web', 'T5', NULL, 3, 5000, 'ad_click', 'display', 3.25)");
    Exec(
        "INSERT INTO identities (id, kind, value, contact_id, created_at) VALUES "
        "(1, 'email', 'jane@acme.com', 2, 10), (2, 'anonymous_id', 'anon-1', 5, 11)");
    Exec(
        "INSERT INTO campaigns (id, source_system, external_id, name) VALUES (1, 'hubspot', 'K1', "
        "'Webinar')");
    Exec(
        "INSERT INTO campaign_members (id, source_system, external_id, campaign_id, contact_id, "
        "status, responded) VALUES (1, 'hubspot', 'M1', 1, 2, 'Attended', 1), "
        "(2, 'hubspot', 'M2', 1, 5, 'Registered', 0)");
    Exec(
        "INSERT INTO opportunities (id, source_system, external_id, account_id, name, stage, "
        "amount, currency, is_closed, is_won) VALUES "
        "(1, 'salesforce', 'O1', 2, 'Acme expansion', 'Proposal', 1250000, 'USD', 0, 0)");
    Exec(
        "INSERT INTO opportunity_contacts (id, source_system, external_id, opportunity_id, "
        "contact_id, role, is_primary) VALUES (1, 'salesforce', 'R1', 1, 2, 'Decision Maker', 1)");
    Exec(
        "INSERT INTO lifecycle_history (id, contact_id, source_system, contact_ref, stage, "
        "entered_at) VALUES (1, 1, 'salesforce', 'C1', 'lead', 100), "
        "(2, 2, 'hubspot', 'C2', 'lead', 100), (3, 2, 'hubspot', 'C2', 'mql', 200), "
        "(4, 5, 'csv', 'C5', 'subscriber', 400)");
    if (db_->dialect() == store::Dialect::kPostgres) {
      // Explicit ids leave the identity sequences behind; move them on as an
      // import would have.
      for (const char* table :
           {"accounts", "contacts", "touchpoints", "identities", "campaigns", "campaign_members",
            "opportunities", "opportunity_contacts", "lifecycle_history"}) {
        Exec(
            fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT MAX(id) "
                        "FROM {0}))",
                        table));
      }
    }
  }

  static inline std::atomic<int> next_{0};
  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
};

}  // namespace mops::quality::testing
