// A stand-in for libFuzzer's main(), so that fuzz targets build with g++ and
// run as short, deterministic unit tests (under the sanitizers in the
// sanitizer build). Link it with one target that defines
// LLVMFuzzerTestOneInput.
//
//   target FILE...            replays each file (a crash reproducer, a corpus)
//   target [--iterations=N] [--seed=S] [--max-len=L]
//                             runs N inputs: the seeds, then random and mutated
//                             ones, from a fixed random seed (default 1)
//
// The built-in seeds are short texts of the kinds our parsers take (CSV,
// dates, numbers, JSON, YAML, URLs). A target may add its own by defining
// MopsFuzzSeeds (see below). There is no coverage feedback: for deep fuzzing
// build the target with clang and -fsanitize=fuzzer instead.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// Optional: a target defines this to add seeds. Returns the number of seeds
// and points *seeds at a static array of NUL-terminated strings.
extern "C" __attribute__((weak)) size_t MopsFuzzSeeds(const char* const** seeds);

namespace {

const char* const kBuiltinSeeds[] = {
    "email,first_name,last_name,company\njane@acme.com,Jane,Doe,\"Acme, Inc.\"\n",
    "\xEF\xBB\xBF"
    "id;name;amount\r\n1;\"Caf\xC3\xA9\";\"1,5\"\r\n2;\"say \"\"hi\"\"\";3\r\n",
    "a\tb\tc\n1\t\"multi\nline\"\t3\n\n4\t5\t6",
    "a|b\n\"unclosed|x\ny|z\n",
    "a,b\n\"x\"y,2\n\xFF\xFE,3\n 1 , \"2\" \n",
    "h\n\"\"\n\n\r\n\"a\"\"b\"\r",
    "2024-03-31T12:05:00.000+0000\n03/31/2024 2:05 PM\n31.03.2024\n1711843200123\n",
    "2024-03-31 12:05:00.000\n2024/03/31\n31/03/2024 14:05\n2024-03-31T12:05:00-05:30\n",
    "$1,234.56\n-5.5\n1234.0\n1e-3\n0.125\n-9223372036854775808\nyes\n",
    "{\"type\":\"track\",\"event\":\"Signed "
    "Up\",\"properties\":{\"plan\":\"pro\",\"n\":[1,2.5e3,null]}}",
    "channels:\n  paid_search:\n    - utm_medium: cpc\n    - source: [google, bing]\n",
    "https://example.com/p?utm_source=google&utm_medium=cpc&utm_campaign=q1%20launch&x=%ZZ",
};

struct Options {
  int64_t iterations = 2000;
  uint64_t seed = 1;
  size_t max_len = 4096;
  std::vector<std::string> files;
};

bool ParseFlag(std::string_view arg, std::string_view name, uint64_t* value) {
  if (!arg.starts_with(name)) return false;
  *value = std::strtoull(std::string(arg.substr(name.size())).c_str(), nullptr, 10);
  return true;
}

Options ParseArgs(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    uint64_t v = 0;
    if (ParseFlag(arg, "--iterations=", &v) || ParseFlag(arg, "-runs=", &v)) {
      options.iterations = static_cast<int64_t>(v);
    } else if (ParseFlag(arg, "--seed=", &v) || ParseFlag(arg, "-seed=", &v)) {
      options.seed = v;
    } else if (ParseFlag(arg, "--max-len=", &v) || ParseFlag(arg, "-max_len=", &v)) {
      options.max_len = static_cast<size_t>(v);
    } else if (arg.starts_with("-")) {
      std::fprintf(stderr, "ignoring unknown flag %s\n", argv[i]);
    } else {
      options.files.emplace_back(arg);
    }
  }
  return options;
}

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

// Bytes that matter to text parsers: structure, digits, UTF-8 lead bytes.
constexpr std::string_view kInteresting =
    "\",;\t|\n\r \\'{}[]:-+./$%&=@#eETZ0123456789\x80\xBF\xC2\xC3\xE2\xED\xF0\xF4\xFF";

class Mutator {
 public:
  Mutator(uint64_t seed, size_t max_len) : rng_(seed), max_len_(max_len) {}

  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }

  std::string Random() {
    std::string s(Below(64), '\0');
    const bool text_like = Below(2) == 0;
    for (char& c : s) {
      c = text_like ? kInteresting[Below(kInteresting.size())] : static_cast<char>(Below(256));
    }
    return s;
  }

  void Mutate(std::string& s, const std::vector<std::string>& pool) {
    const size_t rounds = 1 + Below(6);
    for (size_t r = 0; r < rounds; ++r) {
      switch (Below(8)) {
        case 0:  // flip a bit
          if (!s.empty()) s[Below(s.size())] ^= static_cast<char>(1 << Below(8));
          break;
        case 1:  // overwrite with an interesting byte
          if (!s.empty()) s[Below(s.size())] = kInteresting[Below(kInteresting.size())];
          break;
        case 2:  // insert an interesting byte
          s.insert(s.begin() + static_cast<std::ptrdiff_t>(Below(s.size() + 1)),
                   kInteresting[Below(kInteresting.size())]);
          break;
        case 3: {  // erase a range
          if (s.empty()) break;
          const size_t at = Below(s.size());
          s.erase(at, 1 + Below(std::min<size_t>(16, s.size() - at)));
          break;
        }
        case 4: {  // duplicate a range
          if (s.empty()) break;
          const size_t at = Below(s.size());
          const std::string piece = s.substr(at, 1 + Below(32));
          s.insert(Below(s.size() + 1), piece);
          break;
        }
        case 5: {  // splice in part of another input
          const std::string& other = pool[Below(pool.size())];
          if (other.empty()) break;
          const size_t at = Below(other.size());
          s.insert(Below(s.size() + 1), other.substr(at, 1 + Below(64)));
          break;
        }
        case 6:  // truncate
          s.resize(Below(s.size() + 1));
          break;
        default: {  // replace a digit run or byte with a boundary value
          static constexpr std::string_view kValues[] = {
              "0", "-1", "99", "9999999999999999999", "12", "13", "31", "29", "60", "24"};
          const std::string_view v = kValues[Below(std::size(kValues))];
          s.insert(Below(s.size() + 1), v);
          break;
        }
      }
    }
    if (s.size() > max_len_) s.resize(max_len_);
  }

 private:
  std::mt19937_64 rng_;
  size_t max_len_;
};

int ReplayFiles(const std::vector<std::string>& files) {
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot open %s\n", path.c_str());
      return 1;
    }
    const std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "running %s (%zu bytes)\n", path.c_str(), input.size());
    Run(input);
  }
  std::fprintf(stderr, "replayed %zu inputs\n", files.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseArgs(argc, argv);
  if (!options.files.empty()) return ReplayFiles(options.files);

  std::vector<std::string> seeds(std::begin(kBuiltinSeeds), std::end(kBuiltinSeeds));
  if (MopsFuzzSeeds != nullptr) {
    const char* const* extra = nullptr;
    const size_t n = MopsFuzzSeeds(&extra);
    for (size_t i = 0; i < n; ++i) seeds.emplace_back(extra[i]);
  }
  seeds.emplace_back();  // the empty input

  Mutator mutator(options.seed, options.max_len);
  std::vector<std::string> pool = seeds;  // grows with some mutants, bounded
  for (const std::string& s : seeds) Run(s);
  for (int64_t i = 0; i < options.iterations; ++i) {
    std::string input;
    if (mutator.Below(10) == 0) {
      input = mutator.Random();
    } else {
      input = pool[mutator.Below(pool.size())];
      mutator.Mutate(input, pool);
    }
    Run(input);
    if (pool.size() < 256 && mutator.Below(8) == 0) pool.push_back(std::move(input));
  }
  std::fprintf(stderr, "ran %zu seeds and %lld generated inputs (seed %llu)\n", seeds.size(),
               static_cast<long long>(options.iterations),
               static_cast<unsigned long long>(options.seed));
  return 0;
}
