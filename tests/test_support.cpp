#include "test_support.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <csignal>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace timecast::testing {

std::string Brokers() {
  const char* brokers = std::getenv("TIMECAST_BROKERS");
  if (brokers == nullptr || *brokers == '\0') {
    ADD_FAILURE() << "TIMECAST_BROKERS is not set: run integration tests through scripts/test, "
                     "or start a broker with scripts/kafka-start and export its address";
    return "127.0.0.1:1";
  }
  return brokers;
}

std::string UniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(now % 1000000007) + "-" +
         std::to_string(counter++);
}

std::string TempDir() {
  auto dir = std::filesystem::temp_directory_path() / UniqueName("timecast-test");
  std::filesystem::create_directories(dir);
  return dir.string();
}

namespace {
std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}
}  // namespace

namespace {
// Starts `program` with `args` (argv[0] is `program`), output into `dir`.
int SpawnProgram(const std::string& program, const std::vector<std::string>& args,
                 const std::string& dir) {
  std::vector<std::string> argv_storage = {program};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, (dir + "/out").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, (dir + "/err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int Spawn(const std::vector<std::string>& args, const std::string& dir) {
  return SpawnProgram(TIMECAST_BINARY, args, dir);
}

CommandResult Collect(int pid, const std::string& dir) {
  CommandResult result;
  if (pid > 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  result.out = ReadFile(dir + "/out");
  result.err = ReadFile(dir + "/err");
  std::filesystem::remove_all(dir);
  return result;
}
}  // namespace

CommandResult RunTimecast(const std::vector<std::string>& args) {
  const std::string dir = TempDir();
  return Collect(Spawn(args, dir), dir);
}

CommandResult RunShell(const std::string& command) {
  const std::string dir = TempDir();
  return Collect(SpawnProgram("/bin/sh", {"-c", command}, dir), dir);
}

TimecastProcess::TimecastProcess(const std::vector<std::string>& args) : dir_(TempDir()) {
  pid_ = Spawn(args, dir_);
}

TimecastProcess::~TimecastProcess() {
  if (!waited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    Collect(pid_, dir_);
  }
}

void TimecastProcess::Signal(int signal_number) {
  if (pid_ > 0) kill(pid_, signal_number);
}

CommandResult TimecastProcess::Wait() {
  waited_ = true;
  return Collect(pid_, dir_);
}

}  // namespace timecast::testing
