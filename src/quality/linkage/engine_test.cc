#include "quality/linkage/engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace mops::quality::linkage {
namespace {

Records MakeRecords(const std::vector<FieldSpec>& fields,
                    const std::vector<std::vector<std::string>>& rows) {
  Records r;
  r.fields.resize(fields.size());
  for (const auto& row : rows) {
    for (size_t f = 0; f < fields.size(); ++f) {
      r.fields[f].Add(NormalizeValue(fields[f].comparison, row[f]));
    }
  }
  return r;
}

TEST(Normalize, FieldsBecomeComparable) {
  EXPECT_EQ(NormalizeText("  Hello   World "), "hello world");
  EXPECT_EQ(NormalizeName("O'Brien"), "obrien");
  EXPECT_EQ(NormalizeName(" Anne-Marie "), "annemarie");
  EXPECT_EQ(PhoneDigits("(415) 555-0100 x123"), "4155550100");
  EXPECT_EQ(PhoneDigits("+1 415.555.0100 ext. 9"), "14155550100");
  EXPECT_EQ(NormalizeEmail("  Bob.Smith@Acme.COM "), "bob.smith@acme.com");
  EXPECT_EQ(NormalizeEmail("not an email"), "");
  EXPECT_EQ(NormalizeEmail("@acme.com"), "");
  auto [local, domain] = SplitEmail("bob.smith@acme.com");
  EXPECT_EQ(local, "bob.smith");
  EXPECT_EQ(domain, "acme.com");
  EXPECT_EQ(CompanyKey("Acme, Inc."), "acme");
  EXPECT_EQ(CompanyKey("The Acme Corporation"), "acme");
  EXPECT_EQ(CompanyKey("ACME GmbH & Co. KG"), "acme gmbh and");
  EXPECT_EQ(CompanyKey("Inc"), "inc");  // a name that is only a suffix stays
  EXPECT_EQ(NormalizeDomain("https://www.Acme.io/pricing?x=1"), "acme.io");
  EXPECT_EQ(NormalizeDomain("bob@acme.io"), "acme.io");
  EXPECT_EQ(NormalizeDomain("localhost"), "");
  EXPECT_EQ(NormalizeDate("1956-04-09"), "19560409");
  EXPECT_EQ(NormalizeDate("19560409"), "19560409");
  EXPECT_EQ(NormalizeDate("2025-03-04T10:15:00Z"), "20250304");
  EXPECT_EQ(NormalizeDate("09/04/1956"), "19560409");  // day first
  EXPECT_EQ(NormalizeDate("04/29/1956"), "19560429");  // 29 cannot be a month
  EXPECT_EQ(NormalizeDate("1956-13-40"), "");
  EXPECT_EQ(NormalizeDate("soon"), "");
}

TEST(Soundex, KnownCodes) {
  EXPECT_EQ(Soundex("Robert"), "R163");
  EXPECT_EQ(Soundex("Rupert"), "R163");
  EXPECT_EQ(Soundex("Ashcraft"), "A261");  // h does not separate s and c
  EXPECT_EQ(Soundex("Tymczak"), "T522");
  EXPECT_EQ(Soundex("Pfister"), "P236");
  EXPECT_EQ(Soundex("Lee"), "L000");
  EXPECT_EQ(Soundex("123"), "");
}

TEST(Comparators, JaroWinklerAndDamerauLevenshtein) {
  EXPECT_NEAR(JaroWinkler("martha", "marhta"), 0.9611, 1e-4);
  EXPECT_NEAR(JaroWinkler("dwayne", "duane"), 0.84, 1e-4);
  EXPECT_NEAR(JaroWinkler("dixon", "dicksonx"), 0.8133, 1e-4);
  EXPECT_EQ(JaroWinkler("abc", "xyz"), 0);
  EXPECT_EQ(JaroWinkler("", ""), 1);
  EXPECT_EQ(DamerauLevenshtein("smith", "smtih"), 1);  // transposition
  EXPECT_EQ(DamerauLevenshtein("kitten", "sitting"), 3);
  EXPECT_EQ(DamerauLevenshtein("kitten", "sitting", 1), 2);  // stops past the limit
  EXPECT_EQ(DamerauLevenshtein("", "abc"), 3);
  const std::string long_a(300, 'a');
  std::string long_b = long_a;
  long_b[150] = 'b';
  EXPECT_GT(JaroWinkler(long_a, long_b), 0.99);
}

TEST(Comparators, Nicknames) {
  EXPECT_TRUE(AreNicknames("bob", "robert"));
  EXPECT_TRUE(AreNicknames("robert", "bob"));
  EXPECT_TRUE(AreNicknames("bob", "rob"));
  EXPECT_TRUE(AreNicknames("pat", "patricia"));
  EXPECT_FALSE(AreNicknames("patrick", "patricia"));
  EXPECT_FALSE(AreNicknames("robert", "robert"));
  EXPECT_FALSE(AreNicknames("robert", "william"));
}

// A phone or id a spreadsheet wrote in scientific notation lost its digits:
// it is missing for comparison and blocking, never an agreement.
TEST(Normalizers, SpreadsheetNumbersTakeNoPart) {
  using C = Comparison;
  for (const char* damaged : {"1.11015E+11", "1,11015E+11", " 4.4E+09 ", "1e10", "2.5e-3"}) {
    EXPECT_TRUE(IsSpreadsheetNumber(damaged)) << damaged;
    EXPECT_EQ(NormalizeValue(C::kPhone, damaged), "") << damaged;
    EXPECT_EQ(NormalizeValue(C::kExact, damaged), "") << damaged;
  }
  for (const char* fine : {"+1 415 555 0100", "(415) 555-0100 ext. 12", "E11", "1.5", "x1e5"}) {
    EXPECT_FALSE(IsSpreadsheetNumber(fine)) << fine;
  }
  EXPECT_EQ(NormalizeValue(C::kPhone, "+1 415 555 0100"), "14155550100");
  EXPECT_EQ(CompareValues(C::kPhone, NormalizeValue(C::kPhone, "1.11015E+11"),
                          NormalizeValue(C::kPhone, "1.11015E+11")),
            0);
}

TEST(Comparators, Levels) {
  using C = Comparison;
  EXPECT_EQ(CompareValues(C::kName, "", "bob"), 0);
  EXPECT_EQ(CompareValues(C::kName, "robert", "robert"), 1);
  EXPECT_EQ(CompareValues(C::kName, "robert", "bob"), 2);
  EXPECT_EQ(CompareValues(C::kName, "j", "john"), 3);  // an initial
  EXPECT_EQ(CompareValues(C::kName, "john", "j"), 3);
  EXPECT_EQ(CompareValues(C::kName, "j", "mary"), 6);
  EXPECT_EQ(CompareValues(C::kName, "johnson", "jonhson"), 4);
  EXPECT_EQ(CompareValues(C::kName, "smith", "zhou"), 6);
  EXPECT_EQ(CompareValues(C::kEmail, "bob@acme.com", "bob@gmail.com"), 2);
  EXPECT_EQ(CompareValues(C::kEmail, "bob.smith@acme.com", "bob.smyth@gmail.com"), 4);
  EXPECT_EQ(CompareValues(C::kEmail, "bob.smith@acme.com", "bob.smith@globex.com"), 4);
  // Two mailboxes at one company: a colleague, its own level.
  EXPECT_EQ(CompareValues(C::kEmail, "bob@acme.com", "alice@acme.com"), 3);
  EXPECT_EQ(CompareValues(C::kEmail, "bob@gmail.com", "alice@gmail.com"), 4);
  EXPECT_EQ(CompareValues(C::kEmail, "sharton@acme.com", "pharton@acme.com"), 3);
  // A typo'd local part is not another mailbox.
  EXPECT_EQ(CompareValues(C::kEmail, "robert255@acme.com", "roberta25@acme.com"), 4);
  EXPECT_EQ(CompareValues(C::kPhone, "14155550100", "4155550100"), 2);
  EXPECT_EQ(CompareValues(C::kPhone, "4155550100", "4155550101"), 3);
  EXPECT_EQ(CompareValues(C::kDate, "19560409", "19560904"), 2);  // swapped
  EXPECT_EQ(CompareValues(C::kDate, "19560409", "19560408"), 3);
  EXPECT_EQ(CompareValues(C::kDate, "19560409", "19710101"), 4);
  EXPECT_EQ(CompareValues(C::kNumber, "100", "100.5"), 2);
  EXPECT_EQ(CompareValues(C::kNumber, "100", "105"), 3);
  EXPECT_EQ(CompareValues(C::kNumber, "100", "abc"), 4);
  EXPECT_EQ(CompareValues(C::kCompany, "acme", "acme cloud"), 2);
  EXPECT_EQ(CompareValues(C::kCompany, "acme", "globex"), 4);
  EXPECT_EQ(CompareValues(C::kExact, "nsw", "vic"), 2);
  EXPECT_EQ(LevelCount(C::kName), 7);
  EXPECT_EQ(LevelLabel(C::kName, 2), "nickname");
  EXPECT_EQ(LevelLabel(C::kName, 3), "initial");
  EXPECT_EQ(LevelCount(C::kEmail), 5);
  EXPECT_EQ(LevelLabel(C::kEmail, 3), "same work domain, another mailbox");
  EXPECT_FALSE(ParseComparison("fuzzy").has_value());
  EXPECT_EQ(*ParseComparison(" Email "), C::kEmail);
}

TEST(Blocking, KeysAndPairs) {
  const std::vector<FieldSpec> fields = {{"email", "email", Comparison::kEmail, false},
                                         {"last_name", "last", Comparison::kName, false}};
  const Records r = MakeRecords(fields, {{"a@x.com", "Smith"},
                                         {"A@X.com", "Smyth"},
                                         {"b@y.com", "Smith"},
                                         {"", "Jones"},
                                         {"c@x.com", ""}});
  auto by_email = ParseBlockingKey("email", fields);
  ASSERT_TRUE(by_email.has_value());
  auto by_sound = ParseBlockingKey("soundex(last_name) + domain(email)", fields);
  ASSERT_TRUE(by_sound.has_value()) << by_sound.error().message;
  EXPECT_EQ(by_sound->parts.size(), 2u);
  std::vector<BlockingKey> keys = {*by_email, *by_sound};
  BlockingStats stats;
  const auto pairs = BlockPairs(r, keys, {}, &stats);
  // 0-1 by email and by soundex+domain (counted once); 2 has another domain.
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0], (Pair{0, 1}));
  EXPECT_EQ(stats.candidate_pairs, 1);
  EXPECT_EQ(stats.keys[0].pairs, 1);
  EXPECT_EQ(stats.keys[1].pairs, 1);

  BlockingOptions tiny;
  tiny.max_block_size = 1;
  BlockingStats skipped;
  EXPECT_TRUE(BlockPairs(r, keys, tiny, &skipped).empty());
  EXPECT_EQ(skipped.keys[0].skipped_blocks, 1);

  const std::vector<uint32_t> focus = {2};
  auto soundex_only = ParseBlockingKey("soundex(last_name)", fields);
  std::vector<BlockingKey> k2 = {*soundex_only};
  const auto touching = BlockPairsTouching(r, k2, focus, {});
  for (const Pair& p : touching) EXPECT_TRUE(p.a == 2 || p.b == 2);
  EXPECT_EQ(touching.size(), 2u);  // 0-2 and 1-2 (S530)

  EXPECT_FALSE(ParseBlockingKey("soundex(nope)", fields).has_value());
  EXPECT_FALSE(ParseBlockingKey("metaphone(email)", fields).has_value());
  EXPECT_FALSE(ParseBlockingKey("soundex(email", fields).has_value());
  EXPECT_FALSE(ParseBlockingKey("email + ", fields).has_value());
}

TEST(Blocking, LinkMakesOnlyCrossPairs) {
  const std::vector<FieldSpec> fields = {{"email", "email", Comparison::kEmail, false}};
  const Records left = MakeRecords(fields, {{"a@x.com"}, {"a@x.com"}, {"b@x.com"}});
  const Records right = MakeRecords(fields, {{"b@x.com"}, {"a@x.com"}});
  std::vector<BlockingKey> keys = {*ParseBlockingKey("email", fields)};
  const auto pairs = BlockPairs(left, right, keys, {});
  EXPECT_EQ(pairs, (std::vector<Pair>{{0, 1}, {1, 1}, {2, 0}}));
}

// People with planted duplicates: EM must find that agreement on e-mail,
// phone and names is evidence, without labels.
struct Synthetic {
  std::vector<FieldSpec> fields = {{"first_name", "f", Comparison::kName, true},
                                   {"last_name", "l", Comparison::kName, true},
                                   {"email", "e", Comparison::kEmail, false},
                                   {"phone", "p", Comparison::kPhone, false},
                                   {"city", "c", Comparison::kText, false}};
  Records records;
  std::vector<std::string> truth;
};

Synthetic MakeSynthetic(int people) {
  static const char* kFirst[] = {"robert", "william", "mary", "linda", "james", "susan",
                                 "david",  "karen",   "john", "lisa",  "mark",  "nancy"};
  static const char* kLast[] = {"smith",  "jones", "garcia", "miller", "davis",  "lopez",
                                "wilson", "moore", "taylor", "clark",  "lewis",  "young",
                                "walker", "hall",  "allen",  "king",   "wright", "scott"};
  static const char* kCity[] = {"boston", "denver", "austin", "miami", "seattle", "portland"};
  static const char* kDomain[] = {"acme.com", "globex.com", "initech.com", "umbrella.io"};
  Synthetic s;
  std::vector<std::vector<std::string>> rows;
  uint64_t x = 12345;
  const auto next = [&](uint64_t n) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x % n;
  };
  for (int p = 0; p < people; ++p) {
    const std::string first = kFirst[next(12)], last = kLast[next(18)];
    const std::string email =
        first.substr(0, 1) + last + std::to_string(p) + "@" + kDomain[next(4)];
    const std::string phone = "617555" + std::to_string(1000 + p);
    const std::string city = kCity[next(6)];
    rows.push_back({first, last, email, phone, city});
    s.truth.push_back(std::to_string(p));
    if (p % 3 == 0) {
      std::string f2 = first == "robert" ? "bob" : first;
      std::string l2 = last;
      if (p % 2 == 0) std::swap(l2[1], l2[2]);
      rows.push_back({f2, l2, p % 4 == 0 ? email : "", next(5) ? "+1 " + phone : "", city});
      s.truth.push_back(std::to_string(p));
    }
  }
  s.records = MakeRecords(s.fields, rows);
  return s;
}

TEST(Model, EmLearnsWithoutLabelsAndClustersDuplicates) {
  Synthetic s = MakeSynthetic(600);
  PipelineOptions options;
  for (const char* k : {"email", "last7(phone)", "soundex(last_name)+initial(first_name)"}) {
    auto key = ParseBlockingKey(k, s.fields);
    ASSERT_TRUE(key.has_value());
    options.blocking.push_back(*key);
  }
  const DedupOutcome out = Deduplicate(s.records, s.fields, options);
  ASSERT_GT(out.pairs.size(), 200u);
  // Agreement weighs for a match, disagreement against (phone numbers of a
  // person differ by their country code, so exact phone agreement never
  // occurs among the blocked pairs and stays neutral).
  EXPECT_EQ(out.model.LevelWeight(3, 1), 0);
  for (size_t f = 0; f < 3; ++f) {
    const int last = LevelCount(out.model.fields[f].comparison) - 1;
    EXPECT_GT(out.model.LevelWeight(f, 1), 0) << out.model.fields[f].name;
    EXPECT_LT(out.model.LevelWeight(f, last), 0) << out.model.fields[f].name;
  }
  EXPECT_GT(out.model.LevelWeight(2, 1), 10);  // an e-mail is nearly unique
  EXPECT_GT(out.model.LevelWeight(3, 2), 5);   // the same line, with a country code
  const Accuracy acc = PairwiseAccuracy(out.clustering.cluster, s.truth);
  EXPECT_EQ(acc.true_pairs, 200);
  EXPECT_EQ(acc.precision(), 1.0);
  EXPECT_GT(acc.f1(), 0.93) << acc.precision() << " " << acc.recall();
}

TEST(Model, TermFrequencyMakesRareValuesWeighMore) {
  const std::vector<FieldSpec> fields = {{"last_name", "l", Comparison::kName, true}};
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < 98; ++i) rows.push_back({"smith"});
  rows.push_back({"zabrowski"});
  rows.push_back({"zabrowski"});
  const Records r = MakeRecords(fields, rows);
  const TermFrequencies tf = ComputeTermFrequencies(r, nullptr, fields);
  EXPECT_NEAR(tf.left[0][0], 0.98, 1e-6);
  EXPECT_NEAR(tf.left[0][99], 0.02, 1e-6);
  Model model;
  model.fields.push_back({"last_name",
                          Comparison::kName,
                          true,
                          {1, 0.9, 0.02, 0.02, 0.03, 0.03},
                          {1, 0.1, 0.01, 0.02, 0.07, 0.8}});
  const double common = FieldWeight(model, 0, 1, tf.left[0][0]);
  const double rare = FieldWeight(model, 0, 1, tf.left[0][99]);
  EXPECT_LT(common, model.LevelWeight(0, 1));
  EXPECT_GT(rare, model.LevelWeight(0, 1));
  EXPECT_NEAR(rare, std::log2(0.9 / 0.02), 1e-6);
  // Other levels are not adjusted.
  EXPECT_EQ(FieldWeight(model, 0, 3, 0.5f), model.LevelWeight(0, 3));

  std::vector<std::string_view> a = {"zabrowski"}, b = {"zabrowski"};
  std::vector<uint8_t> levels = {1};
  std::vector<float> share = {tf.left[0][99]};
  const auto why = Explain(model, levels, share, a, b);
  ASSERT_EQ(why.size(), 1u);
  EXPECT_EQ(why[0].field, "last_name");
  EXPECT_EQ(why[0].level, "exact");
  EXPECT_NEAR(why[0].weight, rare, 1e-9);
}

TEST(Cluster, GuardStopsChaining) {
  // 0~1 and 1~2 are strong, but 0 and 2 are clearly different people.
  const std::vector<ScoredPair> pairs = {{0, 1, 20}, {1, 2, 15}, {3, 4, 12}};
  ClusterOptions options;
  options.threshold_weight = 5;
  options.floor_weight = 0;
  const auto weight = [](uint32_t x, uint32_t y) {
    if ((x == 0 && y == 2) || (x == 2 && y == 0)) return -10.0;
    return 10.0;
  };
  const Clustering c = ClusterPairs(5, pairs, options, weight);
  EXPECT_EQ(c.cluster[0], c.cluster[1]);
  EXPECT_NE(c.cluster[2], c.cluster[1]);
  EXPECT_EQ(c.cluster[3], c.cluster[4]);
  EXPECT_EQ(c.cluster[3], 3u);
  EXPECT_EQ(c.refused_floor, 1);

  // Without the disagreement, all three join.
  const Clustering open = ClusterPairs(5, pairs, options, [](uint32_t, uint32_t) { return 10.0; });
  EXPECT_EQ(open.cluster[2], 0u);

  options.max_cluster_size = 2;
  const Clustering capped =
      ClusterPairs(5, pairs, options, [](uint32_t, uint32_t) { return 10.0; });
  EXPECT_NE(capped.cluster[2], capped.cluster[0]);
  EXPECT_EQ(capped.refused_size, 1);
}

TEST(Cluster, OneToOneKeepsTheBestLink) {
  const std::vector<ScoredPair> pairs = {{0, 0, 5}, {0, 1, 9}, {1, 1, 8}, {2, 2, -3}};
  const auto links = OneToOne(pairs, 0);
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].a, 0u);
  EXPECT_EQ(links[0].b, 1u);
}

TEST(Accuracy, PairwiseCounts) {
  const std::vector<uint32_t> cluster = {0, 0, 0, 3, 4};
  const std::vector<std::string> truth = {"a", "a", "b", "b", "c"};
  const Accuracy acc = PairwiseAccuracy(cluster, truth);
  EXPECT_EQ(acc.predicted_pairs, 3);
  EXPECT_EQ(acc.true_pairs, 2);
  EXPECT_EQ(acc.correct_pairs, 1);
  EXPECT_NEAR(acc.f1(), 2 * (1.0 / 3) * 0.5 / (1.0 / 3 + 0.5), 1e-12);
}

}  // namespace
}  // namespace mops::quality::linkage
