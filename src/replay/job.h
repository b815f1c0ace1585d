// An exactly-once replay job: its name fixes its transactional.id and the key
// of its checkpoint in the checkpoint topic. What a start decides about an
// existing checkpoint lives here, apart from Kafka, so it is tested alone.
#pragma once

#include <arrow/result.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kafka/config.h"
#include "replay/checkpoint.h"

namespace timecast::replay {

inline constexpr const char* kDefaultCheckpointTopic = "timecast-checkpoints";

// "timecast-replay-<job>": every run of the job uses it, so a new run fences
// the ones before it.
std::string TransactionalIdFor(const std::string& job);

// Fails with a usage error for an empty name or one Kafka would not take in a
// transactional.id (control characters).
arrow::Status CheckJobName(const std::string& job);

// The job's last committed checkpoint in `topic` (in `partition`, by default
// the one the job's name maps to), or nullopt.
arrow::Result<std::optional<Checkpoint>> ReadCheckpoint(const kafka::Config& config,
                                                        const std::string& topic,
                                                        std::optional<int32_t> partition,
                                                        const std::string& job,
                                                        std::chrono::milliseconds timeout);

enum class StartMode {
  kNew,        // the job must have no checkpoint
  kResume,     // the job must have one, for this input and these options
  kStartOver,  // any checkpoint is ignored: from the first row again
};

struct StartDecision {
  std::optional<ReplayState> resume;  // nullopt: from the first row
  bool already_finished = false;      // the checkpoint says the replay ended
};

// What a start of `job` does given the checkpoint found (if any); fails with
// a checkpoint error (exit 7) that says what to do instead. `where` names the
// checkpoint topic and cluster for messages.
arrow::Result<StartDecision> DecideStart(const std::string& job, StartMode mode,
                                         const std::optional<Checkpoint>& found,
                                         const std::vector<source::InputFile>& input,
                                         const std::vector<ShapeOption>& shape,
                                         const std::string& where);

// Two lines for people about a checkpoint: what was sent, where it goes on.
std::string DescribeCheckpoint(const Checkpoint& checkpoint);

}  // namespace timecast::replay
