#include "replay/job.h"

#include <fmt/format.h>

#include "kafka/last_value.h"
#include "util/duration.h"
#include "util/status.h"
#include "util/text.h"

namespace timecast::replay {

std::string TransactionalIdFor(const std::string& job) { return "timecast-replay-" + job; }

arrow::Status CheckJobName(const std::string& job) {
  if (job.empty()) return util::UsageError("--job must not be empty");
  for (const char c : job) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return util::UsageError("--job {} holds a control character", util::JsonQuote(job));
    }
  }
  return arrow::Status::OK();
}

arrow::Result<std::optional<Checkpoint>> ReadCheckpoint(const kafka::Config& config,
                                                        const std::string& topic,
                                                        std::optional<int32_t> partition,
                                                        const std::string& job,
                                                        std::chrono::milliseconds timeout) {
  ARROW_ASSIGN_OR_RAISE(auto record, kafka::ReadLastValue(config, topic, partition, job, timeout));
  if (!record) return std::nullopt;
  const std::string where =
      fmt::format("checkpoint of job '{}' in {} [{}] at offset {}", job, topic, record->partition,
                  record->offset);
  ARROW_ASSIGN_OR_RAISE(Checkpoint checkpoint, DecodeCheckpoint(record->value, where));
  return checkpoint;
}

std::string DescribeCheckpoint(const Checkpoint& c) {
  const auto written = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(c.written_at_ns)));
  std::string where = c.state.finished ? "finished"
                                       : fmt::format("next row: {}{}", c.next_row,
                                                     c.state.pass > 0 ? fmt::format(" (pass {})", c.state.pass + 1) : "");
  return fmt::format("{} row(s) in {} message(s) committed in {} transaction(s), up to {}; {}; "
                     "written {} by timecast {}",
                     util::FormatCount(c.state.rows), util::FormatCount(c.state.messages),
                     util::FormatCount(c.state.transactions),
                     c.last_time.empty() ? "-" : c.last_time, where, util::FormatUtcTime(written),
                     c.timecast_version);
}

arrow::Result<StartDecision> DecideStart(const std::string& job, StartMode mode,
                                         const std::optional<Checkpoint>& found,
                                         const std::vector<source::InputFile>& input,
                                         const std::vector<ShapeOption>& shape,
                                         const std::string& where) {
  StartDecision decision;
  switch (mode) {
    case StartMode::kStartOver:
      return decision;
    case StartMode::kNew:
      if (!found) return decision;
      return util::CheckpointError(
          "job '{}' already has a checkpoint in {} ({}). Continue it with --resume, or replay "
          "from the first row again with --start-over (which sends again what it sent before), "
          "or pick another --job name",
          job, where, DescribeCheckpoint(*found));
    case StartMode::kResume:
      break;
  }
  if (!found) {
    return util::CheckpointError(
        "job '{}' has no checkpoint in {}: nothing to resume. Start it without --resume (or "
        "check --job, --checkpoint-topic and --brokers)",
        job, where);
  }
  const std::vector<std::string> differences = CheckpointDifferences(*found, input, shape);
  if (!differences.empty()) {
    std::string list;
    for (const auto& difference : differences) list += "\n  - " + difference;
    return util::CheckpointError(
        "cannot resume job '{}': its checkpoint in {} was written for another input or other "
        "options:{}\nResume with the input and options it was started with, or replay from the "
        "first row with --start-over",
        job, where, list);
  }
  decision.resume = found->state;
  decision.already_finished = found->state.finished;
  return decision;
}

}  // namespace timecast::replay
