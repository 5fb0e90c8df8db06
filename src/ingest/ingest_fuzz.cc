// Fuzz target for the import path: a mapping file (the same parser as
// `mops import --map`) and a CSV export, imported with ImportCsvText into a
// fresh in-memory SQLite workspace.
//
// Input layout (every part optional):
//
//   #KIND [PRESET] [strict] [DATE_FORMAT] [source=NAME] [empty]\n
//   MAPPING YAML
//   \0 (or a line "%%")
//   CSV
//
// The first line, when it starts with '#', picks the kind and the options;
// without it the kind follows from the first byte. With a separator, the text
// before it is the mapping file (preset mapping) and the text after it the
// CSV; without one the whole input is the CSV. Unless `empty` is given, the
// workspace starts with a few records of every source (users, accounts,
// contacts, a merged contact, lead identities, campaigns, lifecycle rows
// waiting for their contact), so that references resolve both ways.
//
// Besides "no crash, no sanitizer report, no exception", it checks:
//   - on success: rows == imported + updated + rejected + duplicates +
//     converted leads (the identities written instead of rows); the kind's
//     table grew by `imported`; one audit row more; the rejects in the
//     summary name data lines and file columns; progress never goes back
//     and ends at the total;
//   - on error: no table changed;
//   - importing the same input again succeeds, imports nothing and changes
//     no count but the audit log's.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.h"
#include "core/time.h"
#include "ingest/ingest.h"
#include "store/database.h"

namespace {

using mops::ingest::ImportOptions;
using mops::ingest::ImportSummary;
using mops::ingest::Kind;
using mops::ingest::Preset;

// Reports a broken invariant with the input, escaped as a C string (so that
// it can become a unit test), and aborts.
[[noreturn]] void Die(const char* what, std::string_view detail, std::string_view input) {
  std::string escaped;
  for (unsigned char c : input) {
    if (c == '\\' || c == '"') {
      escaped += '\\';
      escaped += static_cast<char>(c);
    } else if (c == '\n') {
      escaped += "\\n";
    } else if (c >= 0x20 && c < 0x7f) {
      escaped += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X\"\"", c);
      escaped += hex;
    }
  }
  std::fprintf(stderr, "invariant violated: %s\n%.*s\ninput (%zu bytes): \"%s\"\n", what,
               static_cast<int>(detail.size()), detail.data(), input.size(), escaped.c_str());
  std::abort();
}

#define FUZZ_CHECK(cond, detail, input)     \
  do {                                      \
    if (!(cond)) Die(#cond, detail, input); \
  } while (false)

struct Plan {
  Kind kind = Kind::kContacts;
  ImportOptions options;
  bool preload = true;
  std::string_view csv;
};

// Splits the input into its parts (see the layout above).
Plan ParseInput(std::string_view input) {
  Plan plan;
  const std::vector<Kind>& kinds = mops::ingest::AllKinds();
  plan.kind =
      input.empty() ? Kind::kContacts : kinds[static_cast<unsigned char>(input[0]) % kinds.size()];
  std::string_view rest = input;
  if (rest.starts_with('#')) {
    const size_t end = rest.find('\n');
    const std::string_view line =
        rest.substr(1, end == std::string_view::npos ? rest.npos : end - 1);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    bool first = true;
    for (std::string_view word : mops::core::Split(line, ' ')) {
      word = mops::core::Trim(word);
      if (word.empty()) continue;
      if (first) {
        first = false;
        if (auto kind = mops::ingest::ParseKind(word)) {
          plan.kind = *kind;
          continue;
        }
      }
      if (word == "strict") {
        plan.options.strict = true;
      } else if (word == "empty") {
        plan.preload = false;
      } else if (word.starts_with("source=")) {
        plan.options.source_system = std::string(word.substr(7));
      } else if (auto preset = mops::ingest::ParsePreset(word)) {
        plan.options.preset = *preset;
      } else if (auto format = mops::core::ParseDateFormatName(word)) {
        plan.options.date_format = *format;
        plan.options.date_format_set = true;
      }
    }
  }
  size_t split = rest.find('\0');
  size_t csv_start = split == std::string_view::npos ? split : split + 1;
  if (split == std::string_view::npos) {
    if (rest.starts_with("%%\n")) {
      split = 0;
      csv_start = 3;
    } else if (const size_t marker = rest.find("\n%%\n"); marker != std::string_view::npos) {
      split = marker + 1;
      csv_start = marker + 4;
    }
  }
  if (split == std::string_view::npos) {
    plan.csv = rest;
    return plan;
  }
  plan.options.preset = Preset::kMapping;
  plan.options.mapping_text = std::string(rest.substr(0, split));
  plan.csv = rest.substr(csv_start);
  return plan;
}

// A workspace with something of every source to resolve against.
constexpr std::string_view kPreload =
    "INSERT INTO users (source_system, external_id, name, email) VALUES "
    "('csv', 'u1', 'Jane Doe', 'jane@example.com'), "
    "('salesforce', '005A0000001xyzQ', 'Sam Sales', 'sam@example.com');"
    "INSERT INTO accounts (source_system, external_id, name, domain) VALUES "
    "('csv', 'a1', 'Acme', 'acme.com'), ('hubspot', '9001', 'Acme', 'acme.com'), "
    "('salesforce', '001A000001initAAA', 'Initech', 'initech.com');"
    "INSERT INTO contacts (source_system, external_id, email, account_ref) VALUES "
    "('csv', 'c1', 'ana@acme.com', 'a1'), ('csv', 'c2', 'ana.silva@acme.com', 'a1'), "
    "('hubspot', '101', 'ana@acme.com', '9001'), "
    "('salesforce', '003A000000cont1AA', 'peter@initech.com', '001A000001initAAA');"
    "UPDATE contacts SET merged_into = (SELECT id FROM contacts WHERE external_id = 'c1') "
    "WHERE external_id = 'c2';"
    "INSERT INTO identities (kind, value, source_system, contact_ref) VALUES "
    "('salesforce_lead_id', '00QA000000lead1AA', 'salesforce', '003A000000cont1AA'), "
    "('salesforce_lead_id', '00QA000000lead3AA', 'salesforce', '003A000000cont9AA');"
    "INSERT INTO campaigns (source_system, external_id, name, utm_campaign) VALUES "
    "('csv', 'cmp1', 'Spring', 'spring'), "
    "('salesforce', '701A000000camp1AA', 'Webinar', 'webinar');"
    "INSERT INTO opportunities (source_system, external_id, name, account_ref) VALUES "
    "('hubspot', '5001', 'Big deal', '9001');"
    "INSERT INTO tools (source_system, external_id, name) VALUES ('csv', 't1', 'HubSpot');"
    "INSERT INTO lifecycle_history (source_system, contact_ref, stage, entered_at) VALUES "
    "('csv', 'c1', 'lead', 1704067200), ('csv', 'c9', 'lead', 1704067200), "
    "('salesforce', '00QA000000lead3AA', 'lead', 1704067200), "
    "('salesforce', '003A000000cont9AA', 'lead', 1704067200);";

// The tables an import may write.
const std::vector<std::string>& Tables() {
  static const std::vector<std::string> kTables = [] {
    std::vector<std::string> tables = {"identities", "audit_log"};
    for (Kind k : mops::ingest::AllKinds()) tables.emplace_back(mops::ingest::TableName(k));
    return tables;
  }();
  return kTables;
}

// One in-memory workspace for all inputs (opening and migrating one costs
// more than an import), emptied before each input or reset to the preloaded
// records, kept in an attached database. Ids are rowids drawn as max + 1, so
// a reset workspace is the same as a new one: a crash replays from its input
// alone.
mops::store::Database& FreshWorkspace(bool preload) {
  static std::unique_ptr<mops::store::Database> db;
  static std::string reset_empty;
  static std::string reset_preloaded;
  if (!db) {
    auto opened = mops::store::Open(":memory:");
    if (!opened) Die("cannot open an in-memory workspace", opened.error().ToString(), {});
    db = std::move(*opened);
    if (auto s = mops::store::Migrate(*db); !s) Die("cannot migrate", s.error().ToString(), {});
    if (auto s = db->ExecScript(std::string(kPreload)); !s) {
      Die("cannot preload", s.error().ToString(), {});
    }
    if (auto r = mops::ingest::ResolveReferences(*db); !r) {
      Die("cannot resolve the preload", r.error().ToString(), {});
    }
    std::string snapshot = "ATTACH DATABASE ':memory:' AS preload;";
    for (const std::string& t : Tables()) {
      snapshot += "CREATE TABLE preload." + t + " AS SELECT * FROM main." + t + ";";
      reset_empty += "DELETE FROM main." + t + ";";
      reset_preloaded +=
          "DELETE FROM main." + t + "; INSERT INTO main." + t + " SELECT * FROM preload." + t + ";";
    }
    if (auto s = db->ExecScript(snapshot); !s) Die("cannot snapshot", s.error().ToString(), {});
  }
  if (auto s = db->ExecScript(preload ? reset_preloaded : reset_empty); !s) {
    Die("cannot reset the workspace", s.error().ToString(), {});
  }
  return *db;
}

using Counts = std::map<std::string, int64_t>;

Counts CountRows(mops::store::Database& db, std::string_view input) {
  Counts counts;
  for (const std::string& table : Tables()) {
    auto v = db.QueryValue("SELECT COUNT(*) FROM " + table);
    if (!v) Die("cannot count rows", v.error().ToString(), input);
    counts[table] = mops::store::AsInt(*v);
  }
  return counts;
}

int64_t ConvertedLeads(const ImportSummary& s) {
  int64_t n = 0;
  for (const auto& r : s.related) {
    if (r.table == "identities") n += r.imported + r.updated;
  }
  return n;
}

void CheckSummary(const ImportSummary& s, const Plan& plan, const Counts& before,
                  const Counts& after, std::string_view input) {
  const std::string detail = s.ToText();
  FUZZ_CHECK(s.rows >= 0 && s.imported >= 0 && s.updated >= 0 && s.unchanged >= 0 &&
                 s.rejected >= 0 && s.duplicates >= 0,
             detail, input);
  FUZZ_CHECK(s.rows == s.imported + s.updated + s.unchanged + s.rejected + s.duplicates +
                           ConvertedLeads(s),
             detail, input);
  FUZZ_CHECK(!plan.options.strict || s.rejected == 0, detail, input);
  const std::string table(mops::ingest::TableName(plan.kind));
  FUZZ_CHECK(after.at(table) - before.at(table) == s.imported, detail, input);
  FUZZ_CHECK(after.at("audit_log") == before.at("audit_log") + 1, detail, input);
  // One entry per bad cell, in line order; a line is one rejected row.
  int64_t reject_lines = 0;
  int64_t last_line = 0;
  for (const auto& r : s.rejects) {
    FUZZ_CHECK(r.line >= 2 && r.line >= last_line && r.column >= 0 && !r.reason.empty(), detail,
               input);
    if (r.line != last_line) ++reject_lines;
    last_line = r.line;
  }
  FUZZ_CHECK(reject_lines <= s.rejected, detail, input);
  for (const auto& u : s.unresolved) FUZZ_CHECK(u.count > 0, detail, input);
  FUZZ_CHECK(!s.ToJson().dump().empty(), detail, input);
}

struct Progress {
  int64_t last = 0;
  int64_t total = -1;
  bool ended = false;
};

void CheckImport(std::string_view input) {
  const Plan plan = ParseInput(input);
  mops::store::Database& db = FreshWorkspace(plan.preload);
  const Counts before = CountRows(db, input);

  Progress progress;
  auto on_progress = [&](int64_t done, int64_t total) {
    FUZZ_CHECK(done >= progress.last && done <= total, "progress", input);
    FUZZ_CHECK(progress.total < 0 || progress.total == total, "progress total", input);
    progress.last = done;
    progress.total = total;
    progress.ended = done == total;
  };
  auto summary =
      mops::ingest::ImportCsvText(db, plan.kind, "fuzz.csv", plan.csv, plan.options, on_progress);
  const Counts after = CountRows(db, input);
  if (!summary) {
    const std::string detail = summary.error().ToString();
    FUZZ_CHECK(!summary.error().message.empty(), detail, input);
    FUZZ_CHECK(after == before, detail, input);
    return;
  }
  CheckSummary(*summary, plan, before, after, input);
  FUZZ_CHECK(progress.ended, "progress ends at the total", input);

  // The same export again: an update of every row, nothing new.
  auto again = mops::ingest::ImportCsvText(db, plan.kind, "fuzz.csv", plan.csv, plan.options);
  if (!again) Die("a second import of the same input failed", again.error().ToString(), input);
  const Counts third = CountRows(db, input);
  CheckSummary(*again, plan, after, third, input);
  FUZZ_CHECK(again->imported == 0, again->ToText(), input);
  FUZZ_CHECK(again->rejected == summary->rejected, again->ToText(), input);
  Counts expected = after;
  ++expected["audit_log"];
  FUZZ_CHECK(third == expected, again->ToText(), input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    CheckImport(input);
  } catch (const std::exception& e) {
    Die("an exception escaped", e.what(), input);
  }
  return 0;
}

// Seeds: the fixtures of src/ingest/testdata and tests/cli/fixtures, and a
// file of each kind, in the layout above.
extern "C" size_t MopsFuzzSeeds(const char* const** seeds) {
  static const char* const kSeeds[] = {
      // HubSpot exports.
      "#contacts\n"
      "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title,Contact "
      "owner,Lifecycle Stage,Lead Status,Create Date,Original Source,Country/Region,State/"
      "Region,City,Became a Lead Date,Became a Marketing Qualified Lead Date,Became a Sales "
      "Qualified Lead Date,Became a Customer Date,Associated Company IDs,Marketing emails opened\n"
      "101,Ana,Silva,ana@acme.com,+1 555 0100,Acme,\"VP, Marketing\",Jane Doe,Marketing Qualified "
      "Lead,Open,2024-01-05 10:00,ORGANIC_SEARCH,United States,CA,San "
      "Francisco,2024-01-05,2024-02-01,,,9001,12\n"
      "102,Bob,Lee,bob@globex.com,,Globex,CTO,Jane "
      "Doe,salesqualifiedlead,,2024-01-06,PAID_SEARCH,Canada,ON,Toronto,2024-01-06,2024-01-20,"
      "2024-02-10,,9003;9001,3\n"
      "103,Carla,\"G\xC3\xB3mez\",carla@acme.eu,+49 30 1234567,Acme Europe,\"Head of\n"
      "Demand Gen\",,customer,,2023-11-20,REFERRALS,Germany,,Berlin,2023-11-20,,,2024-03-31,9002,"
      "0\n"
      "104,Dan,Wu,dan@example.org,,,Student,,subscriber,,2024-02-02,DIRECT_TRAFFIC,,,,,,,,,0\n",
      "#companies\n"
      "Record ID,Company name,Company Domain Name,Website URL,Industry,Number of "
      "Employees,Annual Revenue,Country/Region,City,Company owner,Parent Company,Create Date\n"
      "9001,Acme,acme.com,https://www.acme.com,Software,1200,25000000.00,United "
      "States,SF,jane@example.com,,2023-01-01\n"
      "9002,Acme Europe,,http://acme.eu/de,Software,80,\"1,200,000\",Germany,Berlin,Raj "
      "Patel,9001,2023-02-01\n"
      "9003,Globex,,,,,,Canada,Toronto,Unknown Owner,,2023-03-01\n",
      "#deals hubspot\n"
      "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Pipeline,Deal "
      "owner,Associated Company IDs,Associated Contact IDs\n"
      "5001,Acme platform,Closed Won,12500.00,2024-03-15,2024-01-10,default,Jane "
      "Doe,9001,101;102\n"
      "5002,Globex pilot,closedlost,\"$3,000.50\",2024-02-20,2024-01-12,default,,9003,102\n"
      "5003,Acme Europe,appointmentscheduled,,,2024-03-01,default,u2,9002,\n",
      // Salesforce exports.
      "#leads salesforce\n"
      "Id,FirstName,LastName,Email,Company,Title,Phone,LeadSource,Status,OwnerId,CreatedDate,"
      "IsConverted,ConvertedContactId,Country,State,City\n"
      "00QA000000lead1AA,Peter,Gibbons,peter@initech.com,Initech,Engineer,555-0101,Web,"
      "Converted,005A0000001xyzQ,2024-01-10T09:00:00.000+0000,true,003A000000cont1AA,United "
      "States,TX,Austin\n"
      "00QA000000lead2AA,Milton,Waddams,milton@initech.com,Initech,Collator,,Trade Show,Open - "
      "Not Contacted,005A0000001xyzQ,2024-01-11T09:00:00.000+0000,false,,United "
      "States,TX,Austin\n"
      "00QA000000lead3AA,Gavin,Belson,gavin@hooli.xyz,Hooli,CEO,,Partner,Converted,"
      "005A0000001xyzQ,2024-01-12T09:00:00.000+0000,true,003A000000cont9AA,United States,CA,Palo "
      "Alto\n",
      "#contacts salesforce\n"
      "Id,FirstName,LastName,Email,AccountId,Title,Phone,LeadSource,OwnerId,CreatedDate,"
      "MailingCountry,MailingState,MailingCity\n"
      "003A000000cont1AA,Peter,Gibbons,peter@initech.com,001A000001initAAA,Engineer,555-0101,"
      "Web,005A0000001xyzQ,2024-01-15T09:00:00.000+0000,United States,TX,Austin\n"
      "003A000000cont9AA,Gavin,Belson,gavin@hooli.xyz,001A000001hooliAA,CEO,,Partner,"
      "005A0000001xyzQ,2023-10-01T09:00:00.000+0000,United States,CA,Palo Alto\n",
      "#campaign-members salesforce\n"
      "Id,CampaignId,LeadId,ContactId,Status,HasResponded,FirstRespondedDate\n"
      "00vA000000mem1AAA,701A000000camp1AA,00QA000000lead1AA,,Attended,true,2024-01-16\n"
      "00vA000000mem2AAA,701A000000camp2AA,00QA000000lead2AA,,Visited Booth,true,2024-01-11\n"
      "00vA000000mem3AAA,701A000000camp1AA,,003A000000cont2AA,Registered,false,\n",
      "#opportunity-history salesforce\n"
      "Id,OpportunityId,StageName,Amount,CreatedDate\n"
      "008A000000hist1AA,006A000000opp1AAA,Prospecting,1000.00,2024-01-02T10:00:00.000+0000\n"
      "008A000000hist2AA,006A000000opp1AAA,Closed Won,1250.00,2024-03-15T10:00:00.000+0000\n",
      "#opportunity-contacts salesforce\n"
      "Id,OpportunityId,ContactId,Role,IsPrimary\n"
      "00KA000000role1AA,006A000000opp1AAA,003A000000cont1AA,Decision Maker,true\n"
      "00KA000000role2AA,006A000000opp1AAA,003A000000cont2AA,,false\n",
      // A mapping file (Marketo).
      "#contacts\n"
      "# Marketo lead export.\n"
      "kind: contacts\n"
      "source_system: marketo\n"
      "date_format: dmy\n"
      "columns:\n"
      "  \"Lead ID\": external_id\n"
      "  \"Email Address\": email\n"
      "  \"First\": first_name\n"
      "  \"Last\": last_name\n"
      "  \"Company Name\": company_name\n"
      "  \"Created At\": created_at\n"
      "  \"Score\": ~\n"
      "%%\n"
      "Lead ID;Email Address;First;Last;Company Name;Created At;Score\n"
      "M-1;ann@foo.com;Ann;Ode;Foo Inc;31/01/2024;55\n"
      "M-2;ben@bar.com;Ben;Ark;Bar Ltd;01/02/2024 13:45;10\n",
      "#touchpoints\n"
      "columns:\n"
      "  Visitor: anonymous_id\n"
      "  When: occurred_at\n"
      "  What: type\n"
      "  Mail: email\n"
      "  Page: url\n"
      "%%\n"
      "Visitor,When,What,Mail,Page,utm_source,utm_medium,utm_campaign\n"
      "v1,1704103200,page_view,,https://acme.com/?gclid=x,google,cpc,spring\n"
      "v2,1704189600,form_submit,ANA@Acme.com,https://acme.com/demo,,,\n",
      "#contacts\n"
      "kind: contacts\n"
      "columns:\n"
      "  \"Email Address\": email\n"
      "  \"Favourite Colour\": colour\n"
      "%%\n"
      "Email Address,Favourite Colour\na@x.com,blue\n",
      // Canonical files of every kind.
      "#contacts strict\n"
      "external_id,email,first_name,last_name,title,account_id,lifecycle_stage,created_at,"
      "owner_id\n"
      "c1,ana@acme.com,Ana,Silva,VP Marketing,a1,mql,2024-01-05T10:00:00Z,u1\n"
      "c2,bob@globex.com,Bob,Lee,CTO,a2,sql,2024-01-06T00:00:00Z,Jane Doe\n",
      "#contacts dmy source=marketo\n"
      "\xEF\xBB\xBF"
      "external_id;email;created_at\r\n"
      "c1;a@x.com;31/01/2024\r\n"
      "c2;b@x.com;01.02.2024 13:45\r\n"
      "c1;a2@x.com;2024-13-45\r\n",
      "#accounts\n"
      "external_id,name,domain,annual_revenue,created_at,parent_id,source_system\n"
      "a1,Acme,acme.com,25000000.00,2023-06-01T09:30:00Z,,csv\n"
      "a2,\"=HYPERLINK(\"\"http://evil.example\"\")\",globex.com,,2023-07-01,a1,\n"
      "9001,Acme,,,,,hubspot\n",
      "#lifecycle-history\n"
      "contact_id,stage,entered_at\n"
      "c1,lead,2024-01-01\n"
      "c1,Marketing Qualified Lead,2024-01-05\n"
      "c9,lead,2024-01-01\n"
      "c2,sql,2024-01-07\n"
      "c1,,2024-01-07\n"
      "c9,lead,2024-01-01\n",
      "#lifecycle-history\n"
      "contact_id,stage,entered_at,source_system\n"
      "00QA000000lead1AA,customer,2024-03-31,salesforce\n"
      "003A000000cont1AA,customer,2024-03-31,salesforce\n"
      "101,mql,2024-02-01,hubspot\n",
      "#touchpoints\n"
      "external_id,contact_id,email,occurred_at,type,utm_source,utm_medium,utm_campaign,"
      "referrer,value\n"
      "t1,c1,,2024-01-01T10:00:00Z,page_view,google,cpc,spring,,\n"
      "t2,,ANA@Acme.com,2024-01-02T10:00:00Z,form_submit,,,,https://www.bing.com/,12.5\n"
      "t3,,,2024-01-03T10:00:00Z,webinar_attended,,,,,\n",
      "#campaigns\n"
      "external_id,name,type,parent_id,start_date,budget,owner_id,utm_campaign\n"
      "cmp1,Spring,Webinar,,2024-03-01,5000.00,u1,spring\n"
      "cmp2,Spring ads,Paid Search,cmp1,2024-03-02,,,spring-ads\n",
      "#campaign-members\n"
      "campaign_id,contact_id,status,responded,first_responded_at\n"
      "cmp1,c1,Attended,yes,2024-03-05\n"
      "cmp1,c9,Registered,0,\n"
      "cmp1,,Registered,0,\n",
      "#opportunities\n"
      "external_id,account_id,name,stage,amount,close_date,is_closed,is_won,primary_campaign_id,"
      "contact_ids\n"
      "o1,a1,Acme,Closed Won,100,2024-01-01,,,cmp1,c1;c2\n"
      "o2,a9,Bad amount,Negotiation,1O0,2024-01-01,false,false,,\n"
      "o3,a1,Lost,closedlost,5,yesterday,perhaps,,,\n"
      ",a1,No key,Open,5,2024-01-01,true,,,\n",
      "#opportunity-contacts\n"
      "opportunity_id,contact_id,role,is_primary\n"
      "o1,c1,Champion,true\n"
      "o1,c9,,\n",
      "#opportunity-history\n"
      "opportunity_id,stage,amount,entered_at\n"
      "o1,Prospecting,100,2024-01-01\n"
      "o1,Closed Won,100,2024-02-01\n",
      "#spend epoch\n"
      "date,channel,source,campaign_id,amount,currency,impressions,clicks\n"
      "1704067200,paid_search,google,cmp1,120.50,USD,1000,50\n"
      "1704153600,paid_social,linkedin,,80,USD,,\n",
      "#users\n"
      "external_id,name,email,team,territory,capacity,active\n"
      "u1,Jane Doe,jane.doe@example.com,AE,West,50,true\n"
      "u2,Raj Patel,raj@example.com,SDR,East,80,yes\n"
      "005A0000001xyzQ,Sam Sales,sam@example.com,AE,EMEA,40,1\n",
      "#tools\n"
      "external_id,name,vendor,annual_cost,seats,active_seats,renewal_date,notice_days,auto_renew\n"
      "t1,HubSpot,HubSpot,24000.00,10,7,2025-01-31,30,true\n"
      "t2,Segment,Twilio,,,,,,\n",
      "#integrations\n"
      "external_id,from_tool_id,to_tool_id,objects,direction,status,last_sync_at\n"
      "i1,t1,t2,contacts;companies,two_way,active,2024-03-01T00:00:00Z\n"
      "i2,t2,t9,events,one_way,error,\n",
      // Files that cannot be imported.
      "#contacts\nexternal_id,email,first_name,title\nc3,cy@x.com,Cy,\"Head of\nc4,dee@x.com,"
      "Dee,Engineer\n",
      "#contacts\nexternal_id,email,first_name\nc3,cy@x.com,Cy\nc4,dee@x.com,Dee,Engineer\n",
      "#contacts\nemail,first_name,last_name\ncy@x.com,Cy,Young\n",
      "#contacts\nexternal_id,email,first_name,last_name\r\nc3,carla@acme.eu,Carla,G\xFFmez\r\n",
      "#contacts empty\n\xEF\xBB\xBF\r\n  \n",
  };
  *seeds = kSeeds;
  return std::size(kSeeds);
}
