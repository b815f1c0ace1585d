// `timecast checkpoint`: shows an exactly-once replay job's last committed
// checkpoint, as a resume would read it.
#include <fmt/core.h>

#include <chrono>

#include "cli/commands.h"
#include "replay/job.h"
#include "util/duration.h"
#include "util/status.h"

namespace timecast::cli {
namespace {

struct CheckpointOptions {
  std::string job;
  std::string brokers = "localhost:9092";
  std::string checkpoint_topic = replay::kDefaultCheckpointTopic;
  std::vector<std::string> properties;
  std::vector<std::string> property_files;
  std::string timeout = "10s";
  bool json = false;
};

arrow::Status RunCheckpoint(const CheckpointOptions& o) {
  kafka::Config config;
  config.Set("bootstrap.servers", o.brokers);
  for (const auto& file : o.property_files) ARROW_RETURN_NOT_OK(config.LoadFile(file));
  for (const auto& pair : o.properties) ARROW_RETURN_NOT_OK(config.SetPair(pair));
  ARROW_ASSIGN_OR_RAISE(util::Nanos timeout, util::ParseDuration(o.timeout));
  ARROW_ASSIGN_OR_RAISE(
      auto found, replay::ReadCheckpoint(config, o.checkpoint_topic, std::nullopt, o.job,
                                         std::chrono::duration_cast<std::chrono::milliseconds>(timeout)));
  if (!found) {
    return util::CheckpointError("job '{}' has no checkpoint in topic {} at {}", o.job,
                                 o.checkpoint_topic, o.brokers);
  }
  if (o.json) {
    fmt::print("{}\n", replay::EncodeCheckpoint(*found));
    return arrow::Status::OK();
  }
  fmt::print("job '{}': {}\n", o.job, replay::DescribeCheckpoint(*found));
  for (const auto& file : found->input) {
    fmt::print("  input {} ({} bytes, footer {})\n", file.path, file.bytes, file.fingerprint);
  }
  std::string options;
  for (const auto& [name, value] : found->shape) {
    if (!value.empty()) options += fmt::format(" {}={}", name, value);
  }
  fmt::print("  options{}\n", options);
  return arrow::Status::OK();
}

}  // namespace

CommandAction AddCheckpointCommand(CLI::App& app) {
  auto o = std::make_shared<CheckpointOptions>();
  app.add_option("--job", o->job, "The exactly-once replay job")->required();
  app.add_option("--brokers,-b", o->brokers, "Kafka bootstrap servers")->capture_default_str();
  app.add_option("--checkpoint-topic", o->checkpoint_topic, "Where the job's checkpoints are")
      ->capture_default_str();
  app.add_option("-X", o->properties, "librdkafka property key=value (repeatable)")
      ->allow_extra_args(false);
  app.add_option("-F", o->property_files, "File of librdkafka properties (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--timeout", o->timeout, "How long to wait for the brokers")->capture_default_str();
  app.add_flag("--json", o->json, "Print the checkpoint record itself (JSON)");
  return [o] { return RunCheckpoint(*o); };
}

}  // namespace timecast::cli
