// Running the real `mops` binary from tests: a workspace in a fresh
// directory, the exit code, stdout and stderr of each run, and a snapshot of
// everything the workspace holds.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mops::cli_test {

namespace fs = std::filesystem;

inline std::string MopsBin() {
  const char* env = std::getenv("MOPS_BIN");
  return env != nullptr && *env != '\0' ? env : MOPS_DEFAULT_BIN;
}

inline std::string Fixture(const std::string& name) {
  return std::string(MOPS_CLI_FIXTURES) + "/" + name;
}

inline std::string Slurp(const fs::path& path) {
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

// A workspace in a fresh directory; runs mops against it.
class CliWorkspace {
 public:
  CliWorkspace() {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("mops-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~CliWorkspace() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  fs::path dir() const { return dir_; }
  std::string workspace() const { return (dir_ / "ws.db").string(); }

  // Writes `text` to a file in the directory and returns its path.
  std::string Write(const std::string& name, const std::string& text) const {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  // Copies a fixture into the workspace directory (so its rejects file lands there).
  std::string Copy(const std::string& fixture) const {
    const fs::path to = dir_ / fixture;
    fs::copy_file(Fixture(fixture), to, fs::copy_options::overwrite_existing);
    return to.string();
  }

  // Runs mops on this workspace (with --quiet).
  RunResult Mops(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--workspace", workspace()});
    return Run(std::move(args));
  }

  // Runs mops with exactly these arguments (after --quiet).
  RunResult Run(std::vector<std::string> args) const {
    args.insert(args.begin(), {MopsBin(), "--quiet"});
    const fs::path out = dir_ / "stdout.txt";
    const fs::path err = dir_ / "stderr.txt";
    const pid_t pid = fork();
    if (pid == 0) {
      const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    RunResult run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = Slurp(out);
    run.err = Slurp(err);
    return run;
  }

  // Everything the workspace holds, as canonical CSV of every kind.
  std::string Snapshot() const {
    std::string all;
    for (const char* kind :
         {"users", "accounts", "contacts", "campaigns", "campaign-members", "opportunities",
          "opportunity-contacts", "opportunity-history", "touchpoints", "spend", "tools",
          "integrations", "lifecycle-history"}) {
      RunResult run = Mops({"export", kind, "--format", "csv", "--out", "-"});
      EXPECT_EQ(run.exit_code, 0) << kind << ": " << run.err;
      all += std::string("## ") + kind + "\n" + run.out;
    }
    return all;
  }

  // A workspace with two accounts and two contacts.
  void Seed() const {
    ASSERT_EQ(Mops({"import", "accounts", Fixture("accounts.csv")}).exit_code, 0);
    ASSERT_EQ(Mops({"import", "contacts", Fixture("contacts.csv")}).exit_code, 0);
  }

 private:
  fs::path dir_;
};

}  // namespace mops::cli_test
