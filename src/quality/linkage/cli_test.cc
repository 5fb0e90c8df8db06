// The real mops binary on the linkage verbs: exit codes, messages on stderr,
// no output file and no workspace change on bad input, and the import hook.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("mops-linkage-cli-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  RunResult Mops(std::vector<std::string> args) {
    const char* env = std::getenv("MOPS_BIN");
    const std::string bin = env != nullptr && *env != '\0' ? env : MOPS_DEFAULT_BIN;
    args.insert(args.begin(), {bin, "--quiet", "--workspace", (dir_ / "ws.db").string()});
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const pid_t pid = fork();
    if (pid == 0) {
      const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      _exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out), Slurp(err)};
  }
  fs::path dir_;
};

constexpr const char* kContacts =
    "external_id,email,first_name,last_name,phone,company_name,city\n"
    "c1,bob.smith@acme.com,Robert,Smith,(415) 555-0100,\"Acme, Inc.\",Boston\n"
    "c2,BOB.SMITH@acme.com,Bob,Smith,+1 415 555 0100,Acme,Boston\n"
    "c3,alice@globex.com,Alice,Jones,212 555 0199,Globex,Denver\n";

TEST_F(Cli, DedupWritesClustersAndReports) {
  const std::string in = Write("contacts.csv", kContacts);
  const std::string out = (dir_ / "clusters.csv").string();
  const RunResult r = Mops({"quality", "dedup", in, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("candidate pairs"));
  EXPECT_EQ(Slurp(out), "id,cluster_id\nc1,c1\nc2,c1\nc3,c3\n");
}

TEST_F(Cli, BadInputIsAnErrorAndWritesNothing) {
  const std::string in = Write("contacts.csv", kContacts);
  const std::string out = (dir_ / "clusters.csv").string();
  const std::string config =
      Write("bad.yaml", "id: external_id\nfields:\n  - {name: email, type: emial}\n");
  RunResult r = Mops({"quality", "dedup", in, "--config", config, "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("bad.yaml:3"));
  EXPECT_THAT(r.err, HasSubstr("unknown comparison 'emial'"));
  EXPECT_FALSE(fs::exists(out));

  r = Mops({"quality", "dedup", (dir_ / "missing.csv").string(), "--out", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("missing.csv"));
  EXPECT_FALSE(fs::exists(out));

  r = Mops({"quality", "match", "--entity", "leads"});
  EXPECT_EQ(r.exit_code, 2);  // usage error

  r = Mops({"quality", "review", "accept", "12345"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no match pair with id 12345"));

  r = Mops({"quality", "match", "--on-import", "sometimes"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("unknown mode 'sometimes'"));
}

TEST_F(Cli, ImportMatchesNewContactsAndReviewDecides) {
  const std::string in = Write("contacts.csv", kContacts);
  RunResult r = Mops({"import", "contacts", in});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Mops({"--format", "csv", "quality", "review", "list", "--status", "match"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The import hook matched the new contacts: c1 and c2 are one person.
  ASSERT_THAT(r.out, HasSubstr(",match,"));
  const std::string first_id =
      r.out.substr(r.out.find('\n') + 1, r.out.find(',', r.out.find('\n')) - r.out.find('\n') - 1);
  r = Mops({"quality", "review", "reject", first_id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(" rejected "));
  r = Mops({"--format", "csv", "quality", "match"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Matching again keeps the decision.
  r = Mops({"--format", "csv", "quality", "review", "list", "--status", "rejected"});
  EXPECT_THAT(r.out, HasSubstr("\n" + first_id + ","));
}

}  // namespace
