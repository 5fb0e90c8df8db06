// File mode and configs, and the acceptance figures on the shared reference
// data (Febrl, Splink's fake_1000) and on the demo generator's contacts.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include "core/csv.h"
#include "demo/demo.h"
#include "quality/linkage/crm_contacts.h"
#include "quality/linkage/linkage.h"

namespace mops::quality::linkage {
namespace {

namespace fs = std::filesystem;

fs::path SourceDir() {
  const char* dir = std::getenv("MOPS_SOURCE_DIR");
  return dir ? fs::path(dir) : fs::path(".");
}
fs::path SharedData(const std::string& name) {
  return SourceDir() / ".." / "shared" / "data" / name;
}
fs::path Example(const std::string& name) { return SourceDir() / "examples" / "linkage" / name; }

fs::path TempDir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() /
                 ("linkage_test_" + std::to_string(static_cast<long>(::getpid())));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<std::vector<std::string>> ReadCsv(const fs::path& path) {
  auto text = core::ReadFile(path.string());
  EXPECT_TRUE(text.has_value());
  core::CsvOptions options;
  options.trim_fields = true;
  core::CsvReader reader(*text, options);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string_view> fields;
  while (true) {
    auto more = reader.Next(fields);
    EXPECT_TRUE(more.has_value());
    if (!more || !*more) break;
    rows.emplace_back(fields.begin(), fields.end());
  }
  return rows;
}

// "rec-12-dup-3" -> "12".
std::string FebrlEntity(const std::string& id) {
  const size_t a = id.find('-');
  const size_t b = id.find('-', a + 1);
  return id.substr(a + 1, b - a - 1);
}

void Report(const std::string& what, const Accuracy& acc) {
  std::printf(
      "[ figures  ] %s: precision %.4f recall %.4f F1 %.4f (%lld predicted, %lld true, %lld "
      "correct pairs)\n",
      what.c_str(), acc.precision(), acc.recall(), acc.f1(),
      static_cast<long long>(acc.predicted_pairs), static_cast<long long>(acc.true_pairs),
      static_cast<long long>(acc.correct_pairs));
}

// Pairwise accuracy of a clusters.csv written by DedupFile, against the
// truth label of each id.
Accuracy ScoreClusters(const fs::path& clusters,
                       const std::unordered_map<std::string, std::string>& truth) {
  const auto rows = ReadCsv(clusters);
  std::vector<std::string> labels;
  std::vector<uint32_t> cluster;
  std::unordered_map<std::string, uint32_t> cluster_ids;
  for (size_t i = 1; i < rows.size(); ++i) {
    labels.push_back(truth.at(rows[i][0]));
    cluster.push_back(cluster_ids.emplace(rows[i][1], cluster_ids.size()).first->second);
  }
  return PairwiseAccuracy(cluster, labels);
}

TEST(Acceptance, FebrlDataset3Dedup) {
  DedupFileOptions options;
  options.input = SharedData("febrl_dataset3.csv").string();
  options.config_path = Example("febrl.yaml").string();
  options.out = (TempDir() / "febrl3_clusters.csv").string();
  options.pairs_out = (TempDir() / "febrl3_pairs.csv").string();
  auto report = DedupFile(options);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->records, 5000);
  std::unordered_map<std::string, std::string> truth;
  const auto rows = ReadCsv(options.out);
  ASSERT_EQ(rows.size(), 5001u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"id", "cluster_id"}));
  for (size_t i = 1; i < rows.size(); ++i) truth[rows[i][0]] = FebrlEntity(rows[i][0]);
  const Accuracy acc = ScoreClusters(options.out, truth);
  Report("febrl_dataset3 dedup", acc);
  std::printf("[ figures  ] candidate pairs %lld, prior %.4f, EM iterations %d\n",
              static_cast<long long>(report->candidate_pairs), report->prior,
              report->em_iterations);
  EXPECT_EQ(acc.true_pairs, 6538);
  EXPECT_GE(acc.f1(), 0.993);

  // The pairs file explains each pair field by field.
  const auto pairs = ReadCsv(options.pairs_out);
  ASSERT_GT(pairs.size(), 1u);
  EXPECT_EQ(pairs[0], (std::vector<std::string>{"id_a", "id_b", "match_weight", "probability",
                                                "status", "explanation"}));
  EXPECT_NE(pairs[1][5].find("\"field\":\"given_name\""), std::string::npos);
}

TEST(Acceptance, FebrlDataset4Link) {
  // As committed, and with one_to_one (each record of 4a has one match in 4b).
  auto base = core::ReadFile(Example("febrl.yaml").string());
  ASSERT_TRUE(base.has_value());
  WriteFile(TempDir() / "febrl_one_to_one.yaml", *base + "one_to_one: true\n");
  for (const bool one_to_one : {false, true}) {
    LinkFileOptions options;
    options.left = SharedData("febrl_dataset4a.csv").string();
    options.right = SharedData("febrl_dataset4b.csv").string();
    options.config_path = one_to_one ? (TempDir() / "febrl_one_to_one.yaml").string()
                                     : Example("febrl.yaml").string();
    options.out = (TempDir() / "febrl4_links.csv").string();
    auto report = LinkFiles(options);
    ASSERT_TRUE(report.has_value()) << report.error().ToString();
    const auto rows = ReadCsv(options.out);
    ASSERT_GT(rows.size(), 1u);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"id_a", "id_b", "score"}));
    Accuracy acc;
    acc.true_pairs = 5000;
    std::set<std::string> seen_a, seen_b;
    bool unique = true;
    for (size_t i = 1; i < rows.size(); ++i) {
      ++acc.predicted_pairs;
      if (FebrlEntity(rows[i][0]) == FebrlEntity(rows[i][1])) ++acc.correct_pairs;
      unique = unique && seen_a.insert(rows[i][0]).second && seen_b.insert(rows[i][1]).second;
      const double score = std::stod(rows[i][2]);
      EXPECT_GE(score, 0.9);
      EXPECT_LE(score, 1.0);
    }
    Report(one_to_one ? "febrl_dataset4a/4b link (one_to_one)" : "febrl_dataset4a/4b link", acc);
    EXPECT_GE(acc.f1(), 0.99);
    if (one_to_one) {
      EXPECT_TRUE(unique);
    }
  }
}

TEST(Acceptance, SplinkFake1000) {
  const fs::path input = SharedData("splink_fake_1000.csv");
  auto file = ReadLinkageFile(input.string(), nullptr, nullptr, "cluster");
  ASSERT_TRUE(file.has_value()) << file.error().ToString();
  std::unordered_map<std::string, std::string> truth;
  for (size_t i = 0; i < file->ids.size(); ++i) truth[std::string(file->ids[i])] = file->extra[i];

  for (const bool with_config : {false, true}) {
    DedupFileOptions options;
    options.input = input.string();
    if (with_config) options.config_path = Example("splink.yaml").string();
    options.out = (TempDir() / "splink_clusters.csv").string();
    auto report = DedupFile(options);
    ASSERT_TRUE(report.has_value()) << report.error().ToString();
    const Accuracy acc = ScoreClusters(options.out, truth);
    Report(with_config ? "splink_fake_1000 (splink.yaml)" : "splink_fake_1000 (default config)",
           acc);
    EXPECT_EQ(acc.true_pairs, 2031);
    // A known hard set (many records per person with heavy corruption):
    // these floors guard against regressions of the figures in the README.
    EXPECT_GE(acc.precision(), 0.9);
    EXPECT_GE(acc.f1(), 0.6);
  }
}

TEST(Acceptance, DemoContactsDefaultMode) {
  demo::GeneratorOptions generator;
  generator.scale = 0.25;
  auto company = demo::GenerateCompany(generator);
  ASSERT_TRUE(company.has_value());
  const fs::path dir = TempDir() / "demo";
  ASSERT_TRUE(demo::WriteCompanyCsv(*company, dir.string()).has_value());
  std::unordered_map<std::string, std::string> truth;
  const auto truth_rows = ReadCsv(dir / "truth" / "contact_duplicates.csv");
  for (size_t i = 1; i < truth_rows.size(); ++i) truth[truth_rows[i][0]] = truth_rows[i][1];

  DedupFileOptions options;
  options.input = (dir / "contacts.csv").string();
  options.out = (TempDir() / "demo_clusters.csv").string();
  options.pairs_out = (TempDir() / "demo_pairs.csv").string();
  auto report = DedupFile(options);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  const Accuracy acc = ScoreClusters(options.out, truth);
  Report("demo contacts (scale 0.25, default config)", acc);
  std::printf("[ figures  ] candidate pairs %lld, prior %.4f, EM iterations %d\n",
              static_cast<long long>(report->candidate_pairs), report->prior,
              report->em_iterations);
  for (const auto& [field, weights] : report->weights) {
    std::printf("[ figures  ]   %s: %s\n", field.c_str(), weights.c_str());
  }
  EXPECT_GT(acc.true_pairs, 100);
  // Reported in the README; the floor guards against regressions. The demo
  // draws names from a small vocabulary, so same-name strangers and
  // coworkers sharing a surname are common: precision is the hard part.
  EXPECT_GE(acc.recall(), 0.9);
  EXPECT_GE(acc.f1(), 0.9);
}

// Colleagues at one company share its switchboard, office address, e-mail
// domain and sometimes a surname; the true duplicates have typos, nicknames,
// changed e-mails and spreadsheet-damaged phones. With no configuration, the
// matcher must not merge colleagues (precision) and still find the people.
TEST(Acceptance, CrmColleaguesDefaultMode) {
  const testing::CrmContacts data = testing::GenerateCrmContacts(400);
  std::unordered_map<std::string, std::string> truth;
  for (size_t i = 0; i < data.ids.size(); ++i) truth[data.ids[i]] = data.truth[i];
  WriteFile(TempDir() / "crm_contacts.csv", data.csv);
  DedupFileOptions options;
  options.input = (TempDir() / "crm_contacts.csv").string();
  options.out = (TempDir() / "crm_clusters.csv").string();
  options.pairs_out = (TempDir() / "crm_pairs.csv").string();
  auto report = DedupFile(options);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  const Accuracy acc = ScoreClusters(options.out, truth);
  Report("crm colleagues (default config)", acc);
  std::printf("[ figures  ] %zu records, candidate pairs %lld, prior %.4f\n", data.ids.size(),
              static_cast<long long>(report->candidate_pairs), report->prior);
  for (const auto& [field, weights] : report->weights) {
    std::printf("[ figures  ]   %s: %s\n", field.c_str(), weights.c_str());
  }
  EXPECT_GT(acc.true_pairs, 500);
  EXPECT_GE(acc.precision(), 0.97);
  EXPECT_GE(acc.f1(), 0.97);
}

// Two different people whose phones a spreadsheet turned into the same
// "1.11015E+11" (one at another company, one a colleague): the damaged value
// is missing, not an agreement, so neither pair is merged. The records around
// them give the model something to learn from.
TEST(Acceptance, SpreadsheetDamagedPhonesNeverMerge) {
  testing::CrmContacts data = testing::GenerateCrmContacts(60, 3);
  data.csv +=
      "x1,Ada,Quill,ada.quill@acme-robotics.com,1.11015E+11,Acme Robotics,1 Dock Road,Boston,"
      "02110\n"
      "x2,Bo,Reed,bo.reed@globex-labs.com,1.11015E+11,Globex Labs,9 Hill Street,Denver,80202\n"
      "x3,Cy,Quill,cy.quill@acme-robotics.com,1.11015E+11,Acme Robotics,1 Dock Road,Boston,"
      "02110\n";
  WriteFile(TempDir() / "damaged.csv", data.csv);
  DedupFileOptions options;
  options.input = (TempDir() / "damaged.csv").string();
  options.out = (TempDir() / "damaged_clusters.csv").string();
  auto report = DedupFile(options);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  std::map<std::string, std::string> cluster_of;
  for (const auto& row : ReadCsv(options.out)) cluster_of[row[0]] = row[1];
  EXPECT_EQ(cluster_of.at("x1"), "x1");
  EXPECT_EQ(cluster_of.at("x2"), "x2");
  EXPECT_EQ(cluster_of.at("x3"), "x3");
}

// ------------------------------------------------------------- configs

core::Error ConfigFailure(const std::string& yaml) {
  auto c = ParseConfig(yaml, "bad.yaml");
  EXPECT_FALSE(c.has_value()) << yaml;
  return c ? core::Error{} : c.error();
}

TEST(Config, ErrorsNameTheKeyAndLine) {
  core::Error e = ConfigFailure("id: x\nfields:\n  - {name: a, type: fuzzy}\n");
  EXPECT_EQ(e.file, "bad.yaml");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("unknown comparison 'fuzzy'"), std::string::npos) << e.message;

  e = ConfigFailure("fields:\n  - {name: a, type: name}\nthreshhold: 0.9\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("unknown key 'threshhold'"), std::string::npos);

  e = ConfigFailure("fields:\n  - {name: a, type: name}\nthreshold: 1.5\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("(0, 1)"), std::string::npos);

  e = ConfigFailure("fields:\n  - {name: a, type: name}\nblocking:\n  - soundex(b)\n");
  EXPECT_EQ(e.line, 4);
  EXPECT_NE(e.message.find("'b' is not one of the fields"), std::string::npos) << e.message;

  e = ConfigFailure("fields:\n  - {name: a}\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("needs a 'type'"), std::string::npos);

  e = ConfigFailure("id: x\n");
  EXPECT_NE(e.message.find("missing 'fields'"), std::string::npos);

  e = ConfigFailure("fields: [\n");
  EXPECT_EQ(e.code, core::ErrorCode::kParse);
  EXPECT_GT(e.line, 0);

  e = ConfigFailure("fields:\n  - {name: a, type: name}\n  - {name: a, type: text}\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("defined twice"), std::string::npos);
}

TEST(Config, DefaultRecognizesUsualHeaders) {
  const std::vector<std::string> header = {"Record ID",    "First Name",   "Last Name", "Email",
                                           "Phone Number", "Company Name", "City",      "Notes"};
  auto c = DefaultConfig(header, "x.csv");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->id_column, "Record ID");
  std::vector<std::string> names;
  for (const FieldSpec& f : c->fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"email", "first_name", "last_name", "phone", "company",
                                             "city"}));
  EXPECT_FALSE(c->blocking.empty());
  ASSERT_TRUE(PipelineFor(*c).has_value());

  auto accounts = DefaultConfig(std::vector<std::string>{"id", "name", "website"}, "a.csv");
  ASSERT_TRUE(accounts.has_value());
  EXPECT_EQ(accounts->fields[0].name, "domain");
  EXPECT_EQ(accounts->fields[1].name, "company");

  auto none = DefaultConfig(std::vector<std::string>{"foo", "bar"}, "y.csv");
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().file, "y.csv");
}

TEST(FileMode, DedupWritesEveryRowAndTrimsFebrlStyleSpacing) {
  const fs::path input = TempDir() / "people.csv";
  WriteFile(input,
            "id, first_name, last_name, email, phone\n"
            "1, Robert, Smith, bob.smith@acme.com, (415) 555-0100\n"
            "2, Bob, Smith, BOB.SMITH@acme.com , +1 415 555 0100\n"
            "3, Alice, Jones, alice@globex.com, \n"
            "4, Robert, Smyth, r.smyth@initech.com, 212 555 0199\n");
  DedupFileOptions options;
  options.input = input.string();
  options.out = (TempDir() / "people_clusters.csv").string();
  auto report = DedupFile(options);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  const auto rows = ReadCsv(options.out);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "1"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "1"}));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"3", "3"}));
  EXPECT_EQ(rows[4], (std::vector<std::string>{"4", "4"}));
}

TEST(FileMode, BadInputNamesFileLineOrConfigLine) {
  const fs::path input = TempDir() / "dups.csv";
  WriteFile(input, "id,email\n1,a@x.com\n1,b@x.com\n");
  DedupFileOptions options;
  options.input = input.string();
  options.out = (TempDir() / "never.csv").string();
  auto r = DedupFile(options);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("id '1' appears more than once"), std::string::npos);
  EXPECT_FALSE(fs::exists(options.out));

  WriteFile(input, "id,email\n1,a@x.com\n,b@x.com\n");
  r = DedupFile(options);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().line, 3);
  EXPECT_EQ(r.error().file, input.string());

  const fs::path config = TempDir() / "cfg.yaml";
  WriteFile(config,
            "id: id\nfields:\n  - {name: email, type: email}\n  - {name: phone, type: phone}\n");
  options.config_path = config.string();
  WriteFile(input, "id,email\n1,a@x.com\n");
  r = DedupFile(options);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().file, config.string());
  EXPECT_EQ(r.error().line, 4);
  EXPECT_EQ(r.error().field, "phone");

  options.input = (TempDir() / "missing.csv").string();
  r = DedupFile(options);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, core::ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(TempDir() / "never.csv"));
}

}  // namespace
}  // namespace mops::quality::linkage
