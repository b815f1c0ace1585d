// A high-level (group) consumer over librdkafka's C API.
#pragma once

#include <arrow/result.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kafka/config.h"
#include "kafka/handle.h"

namespace timecast::kafka {

class Consumer {
 public:
  // `config` must hold bootstrap.servers and group.id.
  static arrow::Result<std::unique_ptr<Consumer>> Create(const Config& config);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  arrow::Status Subscribe(const std::vector<std::string>& topics);

  // Assigns every partition of `topics` from the beginning, without a group
  // rebalance: for tools that read whole topics (tests, verify).
  arrow::Status AssignAllFromBeginning(const std::vector<std::string>& topics,
                                       std::chrono::milliseconds timeout);

  // The next message or event, or nullptr when none arrived within `timeout`.
  // A returned message may carry an error (message->err); the caller decides.
  MessagePtr Poll(std::chrono::milliseconds timeout);

  // Leaves the group cleanly (commits per config, revokes). Idempotent.
  arrow::Status Close();

  rd_kafka_t* handle() const { return handle_.get(); }

 private:
  Consumer() = default;
  HandlePtr handle_;
  bool closed_ = false;
};

}  // namespace timecast::kafka
