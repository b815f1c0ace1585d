// Helpers shared by the test suites.
#pragma once

#include <string>
#include <vector>

namespace timecast::testing {

// The bootstrap servers of the real broker, from $TIMECAST_BROKERS. Fails the
// calling test (never skips it) when unset: integration tests must run.
std::string Brokers();

// A topic name no other test (or earlier run) uses.
std::string UniqueName(const std::string& prefix);

// A fresh empty directory under the system temp dir.
std::string TempDir();

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the built timecast binary with `args` (no shell), capturing output.
CommandResult RunTimecast(const std::vector<std::string>& args);

// Runs `command` with /bin/sh -c, as a user pastes a command timecast printed.
CommandResult RunShell(const std::string& command);

// A timecast process running in the background, for tests that signal it.
class TimecastProcess {
 public:
  explicit TimecastProcess(const std::vector<std::string>& args);
  ~TimecastProcess();
  void Signal(int signal_number);
  // Waits for the process to end and collects its output.
  CommandResult Wait();

 private:
  int pid_ = -1;
  std::string dir_;
  bool waited_ = false;
};

}  // namespace timecast::testing
