// The record-linkage engine: normalizers, comparators, blocking, a
// Fellegi-Sunter model trained without labels (u from random pairs, m and the
// prior by EM over the blocked pairs), term-frequency adjustment, scoring with
// explanations, and clustering with a guard against chaining.
//
// Everything here is pure: plain structs in, plain structs out, no I/O and
// no globals except the built-in nickname table (immutable, built once).
// Functions are reentrant; a Records or Model value may be read from several
// threads at once. Strings are UTF-8; case folding is ASCII only (bytes >=
// 0x80 are compared as they are).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/edit_distance.h"
#include "core/error.h"

namespace mops::quality::linkage {

// ---------------------------------------------------------------- normalizers

// Trimmed, ASCII lower case, inner runs of blanks as one space.
std::string NormalizeText(std::string_view s);
// A person's name: lower case, letters (and bytes >= 0x80) only, so that
// "O'Brien" and "obrien", "Anne-Marie" and "annemarie" agree.
std::string NormalizeName(std::string_view s);
// The digits of a phone number, without an extension ("x123", "ext. 12").
std::string PhoneDigits(std::string_view s);
// Trimmed, lower case; empty when there is no '@' with text on both sides.
std::string NormalizeEmail(std::string_view s);
// Local part and domain of a normalized e-mail (views into `email`).
std::pair<std::string_view, std::string_view> SplitEmail(std::string_view email);
// A company's name without case, punctuation or legal suffixes:
// "Acme, Inc." -> "acme"; "The Acme Corporation" -> "acme".
std::string CompanyKey(std::string_view s);
// The host of a domain, URL or e-mail, without "www.": "https://www.Acme.io/x"
// -> "acme.io".
std::string NormalizeDomain(std::string_view s);
// A date as "YYYYMMDD" from YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD, an ISO time
// stamp, or DD/MM/YYYY (MM/DD/YYYY when the first number is over 12); ""
// when it is not a plausible date.
std::string NormalizeDate(std::string_view s);
// American Soundex ("Robert" -> "R163"); "" for a name without letters.
std::string Soundex(std::string_view name);

// ---------------------------------------------------------------- comparators

// Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, up to 4 characters).
double JaroWinkler(std::string_view a, std::string_view b);
// Damerau-Levenshtein distance (optimal string alignment: adjacent
// transpositions count 1). Stops early and returns `limit + 1` once the
// distance must exceed `limit`.
inline int DamerauLevenshtein(std::string_view a, std::string_view b, int limit = 1 << 20) {
  return core::EditDistance(a, b, limit);
}
// True when one name is a known nickname of the other or both are nicknames
// of the same name ("bob"/"robert", "bob"/"rob"); names as NormalizeName
// returns them. The table is data (nicknames.csv, built into the binary).
bool AreNicknames(std::string_view a, std::string_view b);
// Share of the shorter name's tokens that the other contains, with
// Jaro-Winkler >= 0.92 counting as equal ("acme cloud" vs "acme" = 1).
double TokenSimilarity(std::string_view a, std::string_view b);

// How a field is compared. Each has its own comparison levels.
enum class Comparison { kExact, kName, kText, kEmail, kPhone, kDate, kNumber, kCompany, kDomain };
core::Result<Comparison> ParseComparison(std::string_view name);
std::string_view ComparisonName(Comparison c);

// Level 0 is "a value is missing" (weight 0); level 1 the strongest
// agreement; the last level "different".
int LevelCount(Comparison c);
std::string_view LevelLabel(Comparison c, int level);
// True for a number in scientific notation ("1.11015E+11", "4,4E+09"): what
// a spreadsheet makes of a long phone number or id, with its digits lost.
bool IsSpreadsheetNumber(std::string_view raw);
// The stored form of a raw value, what CompareValues and blocking read. A
// phone or exact value in scientific notation is empty (missing): it takes
// part in neither comparison nor blocking.
std::string NormalizeValue(Comparison c, std::string_view raw);
// Comparison level of two normalized values.
uint8_t CompareValues(Comparison c, std::string_view a, std::string_view b);

// ---------------------------------------------------------------- records

// One field of a linkage: where its value comes from and how it compares.
struct FieldSpec {
  std::string name;    // as named in explanations and blocking keys
  std::string column;  // the input column (file header or table column)
  Comparison comparison = Comparison::kText;
  bool term_frequency = false;  // adjust exact agreement by how common the value is
};

// Strings of one field for every record, in one buffer.
class TextColumn {
 public:
  void Reserve(size_t rows, size_t bytes) {
    offsets_.reserve(rows + 1);
    data_.reserve(bytes);
  }
  void Add(std::string_view value) {
    data_.append(value);
    offsets_.push_back(static_cast<uint32_t>(data_.size()));
  }
  size_t size() const { return offsets_.size() - 1; }
  std::string_view operator[](size_t i) const {
    return std::string_view(data_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  size_t bytes() const { return data_.size() + offsets_.size() * sizeof(uint32_t); }

 private:
  std::string data_;
  std::vector<uint32_t> offsets_ = {0};
};

// Normalized values: fields[f][row], one TextColumn per FieldSpec.
struct Records {
  std::vector<TextColumn> fields;
  size_t size() const { return fields.empty() ? 0 : fields[0].size(); }
};

// ---------------------------------------------------------------- blocking

enum class KeyTransform { kValue, kSoundex, kInitial, kPrefix3, kEmailLocal, kEmailDomain, kLast7 };

struct KeyPart {
  int field = 0;
  KeyTransform transform = KeyTransform::kValue;
};

// Records whose parts all agree land in the same block. A record with an
// empty part is in no block of that key.
struct BlockingKey {
  std::vector<KeyPart> parts;
  std::string text;  // as written: "soundex(last_name) + domain(email)"
};

// The key's value for one record (appended to `out`); false when a part is
// empty (the record is in no block of this key).
bool BlockingKeyValue(const Records& records, const BlockingKey& key, uint32_t row,
                      std::string& out);

// Parses "field", "soundex(field)", "initial(field)", "prefix3(field)",
// "local(field)", "domain(field)", "last7(field)", joined by '+'.
core::Result<BlockingKey> ParseBlockingKey(std::string_view text,
                                           std::span<const FieldSpec> fields);

struct Pair {
  uint32_t a = 0;
  uint32_t b = 0;
  bool operator==(const Pair&) const = default;
};

struct BlockingOptions {
  // Blocks with more records are skipped (counted in the stats): a key value
  // shared by that many records carries no evidence and would cost
  // size^2/2 comparisons.
  size_t max_block_size = 500;
};

struct BlockingStats {
  struct PerKey {
    std::string key;
    int64_t pairs = 0;  // before removing pairs already found by another key
    int64_t skipped_blocks = 0;
    int64_t skipped_records = 0;
  };
  std::vector<PerKey> keys;
  int64_t candidate_pairs = 0;  // distinct
};

// Deduplication: distinct pairs (a < b) of records sharing a block of any key,
// sorted.
std::vector<Pair> BlockPairs(const Records& records, std::span<const BlockingKey> keys,
                             const BlockingOptions& options, BlockingStats* stats = nullptr);
// Linkage of two lists: pairs (a in `left`, b in `right`), sorted. Only
// cross pairs are made; records of one list are never paired together.
std::vector<Pair> BlockPairs(const Records& left, const Records& right,
                             std::span<const BlockingKey> keys, const BlockingOptions& options,
                             BlockingStats* stats = nullptr);
// Like the first BlockPairs, restricted to pairs with at least one record in
// `focus` (sorted record indexes): incremental matching of new records.
std::vector<Pair> BlockPairsTouching(const Records& records, std::span<const BlockingKey> keys,
                                     std::span<const uint32_t> focus,
                                     const BlockingOptions& options);

// ---------------------------------------------------------------- comparison

// Comparison levels of many pairs: levels[pair * fields + f].
struct LevelMatrix {
  size_t fields = 0;
  std::vector<uint8_t> levels;
  size_t pairs() const { return fields == 0 ? 0 : levels.size() / fields; }
  std::span<const uint8_t> Row(size_t pair) const {
    return std::span<const uint8_t>(levels).subspan(pair * fields, fields);
  }
};

// Compares every pair (a from `left`, b from `right`; pass the same Records
// twice for deduplication) on `threads` threads (>= 1).
LevelMatrix CompareAll(const Records& left, const Records& right, std::span<const FieldSpec> fields,
                       std::span<const Pair> pairs, int threads = 1);
void CompareOne(const Records& left, const Records& right, std::span<const FieldSpec> fields,
                uint32_t a, uint32_t b, uint8_t* out);

// ---------------------------------------------------------------- model

struct FieldModel {
  std::string name;
  Comparison comparison = Comparison::kText;
  bool term_frequency = false;
  std::vector<double> m;  // per level; level 0 unused (1)
  std::vector<double> u;
};

// A trained Fellegi-Sunter model. `prior` is the share of matches among the
// blocked pairs, which is what the probability of a pair is relative to.
struct Model {
  double prior = 0.1;
  std::vector<FieldModel> fields;
  int iterations = 0;
  bool converged = false;
  int64_t u_pairs = 0;   // random pairs u was estimated from
  int64_t em_pairs = 0;  // blocked pairs m was estimated from

  // log2(m / u) of a level (0 for level 0).
  double LevelWeight(size_t field, int level) const;
  double PriorWeight() const;
};

struct TrainOptions {
  int max_iterations = 100;
  double tolerance = 1e-7;  // largest change of any m or the prior
  int64_t u_sample = 500'000;
  uint64_t seed = 1;
  int threads = 1;
  // Share of matches among the blocked pairs that EM starts from.
  double initial_prior = 0.05;
};

// u: comparison levels of random pairs (all pairs when there are fewer than
// u_sample); for linkage, one record from each list. A level never seen among
// them gets u = 1 / (2 * sample), so that a perfect agreement does not weigh
// infinitely.
void EstimateU(const Records& left, const Records& right, bool dedup,
               std::span<const FieldSpec> fields, const TrainOptions& options, Model& model);
// m and the prior by expectation-maximisation over the blocked pairs' levels,
// u held fixed. Works on the distinct level patterns with their counts, so it
// costs O(patterns x iterations) after one pass over the pairs. With
// `key_masks` (per pair, bit k: the pair shares blocking key k), m is
// estimated per key from that key's pairs, leaving out the fields the key
// constrains, and averaged; the prior then from all pairs.
void EstimateM(const LevelMatrix& levels, std::span<const uint32_t> key_masks,
               std::span<const BlockingKey> keys, const TrainOptions& options, Model& model);
// Which of the (first 32) keys each pair shares.
std::vector<uint32_t> KeyMasks(const Records& left, const Records& right,
                               std::span<const BlockingKey> keys, std::span<const Pair> pairs);
// u, then m and the prior per key.
Model TrainModel(const Records& left, const Records& right, bool dedup,
                 std::span<const FieldSpec> fields, std::span<const BlockingKey> keys,
                 std::span<const Pair> pairs, const LevelMatrix& blocked_levels,
                 const TrainOptions& options);

// How common each record's value is, for the fields with term_frequency:
// share[f][record] = records with that value / records with a value (0 for
// fields without adjustment or an empty value). For linkage pass both lists;
// shares count over both.
//
// Where the records have a company (the first `company` field, else the
// first `domain` field), shares are also counted within each company:
// colleagues share its switchboard, office and city, so among two records of
// one company such a value says little about the pair. workplace[f][record]
// is read for a pair of the record's company that agrees on its value: the
// share of the company's other records, the pair aside, that hold the value
// too (with its overall share as a prior): high for the switchboard, near
// nothing for a direct line only the person (and a duplicate) has.
struct TermFrequencies {
  std::vector<std::vector<float>> left;
  std::vector<std::vector<float>> right;
  int workplace_field = -1;  // the field that names the company; -1: none
  int workplace_levels = 0;  // its LevelCount: the last level is "different"
  std::vector<std::vector<float>> workplace_left;
  std::vector<std::vector<float>> workplace_right;
};
TermFrequencies ComputeTermFrequencies(const Records& left, const Records* right,
                                       std::span<const FieldSpec> fields);

// The share that weighs agreement on field `f` for a pair (record `a` of the
// left list, comparison levels `levels`): the record's share, or, when the
// pair is at the same company (the workplace field agrees at any level but
// "different"), its share within that company if higher. 0: no adjustment.
// Phones are counted by their line (last nine digits), and their "same last
// 9 digits" level is adjusted like exact agreement.
float PairShare(const TermFrequencies& tf, std::span<const uint8_t> levels, size_t f, uint32_t a);

// The prior again, by EM over the scored pairs with their term-frequency
// adjusted weights (levels alone take colleagues sharing a company's phone
// and office for duplicates). Deterministic: one thread, pairs in order.
void RefinePrior(const LevelMatrix& levels, std::span<const Pair> pairs, const TermFrequencies& tf,
                 const TrainOptions& options, Model& model);

// Weight of one field's level for a pair: log2(m/u), and at exact agreement
// (level 1) on a term-frequency field, log2(m / share) instead: a shared rare
// surname says more than a shared "smith". Shares are floored at 1e-6 and the
// adjustment kept within +-8 bits of the plain weight. `share` is what
// PairShare gives.
double FieldWeight(const Model& model, size_t field, int level, float share);

// Match weight (log2 odds: prior + fields) and probability of each pair.
struct Scores {
  std::vector<double> weight;
  std::vector<double> probability;
};
Scores ScorePairs(const Model& model, const LevelMatrix& levels, std::span<const Pair> pairs,
                  const TermFrequencies& tf);
double Probability(double weight);
double WeightOfProbability(double probability);

// What each field added to a pair's weight.
struct FieldContribution {
  std::string field;
  std::string comparison;
  std::string level;
  double weight = 0;
  std::string value_a;
  std::string value_b;
};
std::vector<FieldContribution> Explain(const Model& model, std::span<const uint8_t> levels,
                                       std::span<const float> share_a,
                                       std::span<const std::string_view> values_a,
                                       std::span<const std::string_view> values_b);

// ---------------------------------------------------------------- clustering

struct ClusterOptions {
  // Pairs at or above this weight join clusters...
  double threshold_weight = 0;
  // ...but only when every pair of the two clusters scores at least this
  // (computed on demand), so that A~B and B~C never put A with an unrelated C.
  double floor_weight = 0;
  // Clusters never grow past this many records.
  size_t max_cluster_size = 100;
};

struct ScoredPair {
  uint32_t a = 0;
  uint32_t b = 0;
  double weight = 0;
};

struct Clustering {
  std::vector<uint32_t> cluster;  // per record: its cluster (the smallest member index)
  int64_t joins = 0;
  int64_t refused_floor = 0;  // joins refused because some pair scored under the floor
  int64_t refused_size = 0;   // joins refused by max_cluster_size
};

// Greedy agglomeration in descending weight order (pairs below the threshold
// are ignored). `weight_of(x, y)` scores any two records; it is called only
// for pairs of records in two clusters about to join.
Clustering ClusterPairs(size_t records, std::span<const ScoredPair> pairs,
                        const ClusterOptions& options,
                        const std::function<double(uint32_t, uint32_t)>& weight_of);

// One-to-one links for two lists: in descending weight order, a pair at or
// above the threshold is kept when neither record has a link yet.
std::vector<ScoredPair> OneToOne(std::span<const ScoredPair> pairs, double threshold_weight);

// ---------------------------------------------------------------- pipelines

// Blocking, comparison, training, scoring and clustering in one call: what
// file mode, the workspace matcher and the benchmark run.
struct PipelineOptions {
  std::vector<BlockingKey> blocking;
  BlockingOptions block;
  TrainOptions train;
  double threshold = 0.999;    // probability at which a pair is a match
  double cluster_floor = 0.5;  // probability every pair of a cluster must reach
  size_t max_cluster_size = 100;
  bool one_to_one = false;  // linkage: each record links at most once
  int threads = 1;
  // Called on the calling thread as each stage starts ("block", "compare",
  // "train", "score", "cluster" or "link"), with the records or pairs it has.
  std::function<void(std::string_view stage, int64_t items)> on_stage;
};

// Seconds per stage.
struct StageTimes {
  double block = 0;
  double compare = 0;
  double train = 0;  // u from random pairs, m and prior by EM
  double score = 0;
  double cluster = 0;
};

struct DedupOutcome {
  std::vector<Pair> pairs;  // candidate pairs, sorted
  LevelMatrix levels;       // per candidate pair
  Model model;
  TermFrequencies tf;
  Scores scores;  // per candidate pair
  Clustering clustering;
  BlockingStats blocking;
  StageTimes times;
};
DedupOutcome Deduplicate(const Records& records, std::span<const FieldSpec> fields,
                         const PipelineOptions& options);

struct LinkOutcome {
  std::vector<Pair> pairs;
  LevelMatrix levels;
  Model model;
  TermFrequencies tf;
  Scores scores;
  std::vector<ScoredPair> links;  // at or above the threshold (one-to-one when asked)
  BlockingStats blocking;
  StageTimes times;
};
LinkOutcome Link(const Records& left, const Records& right, std::span<const FieldSpec> fields,
                 const PipelineOptions& options);

// Pairwise accuracy of a clustering against the truth (records with the same
// truth label are the same entity): pairs inside predicted clusters against
// pairs inside true ones.
struct Accuracy {
  int64_t predicted_pairs = 0;
  int64_t true_pairs = 0;
  int64_t correct_pairs = 0;
  double precision() const;
  double recall() const;
  double f1() const;
};
Accuracy PairwiseAccuracy(std::span<const uint32_t> cluster, std::span<const std::string> truth);

}  // namespace mops::quality::linkage
