// One error mechanism for all of timecast: arrow::Status / arrow::Result<T>.
//
// A failing Status may carry an ExitCode (as an arrow::StatusDetail); the CLI
// turns it into `timecast: error: <message>` and that exit code in one place
// (cli/main.cpp). Errors without one map by their arrow::StatusCode.
#pragma once

#include <arrow/result.h>
#include <arrow/status.h>
#include <fmt/format.h>

#include <string>

namespace timecast::util {

// The documented exit codes (README.md, "Exit codes"). Values never change.
enum class ExitCode : int {
  kOk = 0,
  kInternal = 1,       // a bug or an unexpected library failure
  kUsage = 2,          // bad flags or arguments
  kInput = 3,          // unreadable, missing or malformed input data
  kKafka = 4,          // broker unreachable, topic missing, fatal client error
  kUndelivered = 5,    // the run finished but some messages were not delivered
  kMismatch = 6,       // verify found missing, duplicated or differing records
  kCheckpoint = 7,     // a job's checkpoint forbids the run: none to resume, one not
                       // resumed, or the input or options changed since
  kInterrupted = 130,  // stopped by SIGINT/SIGTERM after a clean flush
};

// Returns a Status of arrow code `code` carrying `exit_code`.
arrow::Status MakeError(arrow::StatusCode code, ExitCode exit_code, std::string message);

// The exit code a failed Status should end the process with.
ExitCode ExitCodeOf(const arrow::Status& status);

template <typename... Args>
arrow::Status UsageError(fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(arrow::StatusCode::Invalid, ExitCode::kUsage,
                   fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
arrow::Status InputError(fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(arrow::StatusCode::Invalid, ExitCode::kInput,
                   fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
arrow::Status KafkaError(fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(arrow::StatusCode::IOError, ExitCode::kKafka,
                   fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
arrow::Status UndeliveredError(fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(arrow::StatusCode::IOError, ExitCode::kUndelivered,
                   fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
arrow::Status MismatchError(fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(arrow::StatusCode::Invalid, ExitCode::kMismatch,
                   fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
arrow::Status CheckpointError(fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(arrow::StatusCode::Invalid, ExitCode::kCheckpoint,
                   fmt::format(f, std::forward<Args>(args)...));
}

// A Status meaning "stopped by a signal"; callers return it after flushing.
arrow::Status Interrupted(std::string message);

// Adds context in front of a failed Status, keeping its code and exit code:
// "reading x.parquet: <original message>".
arrow::Status WithContext(const arrow::Status& status, std::string_view context);

}  // namespace timecast::util
