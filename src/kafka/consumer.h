// A high-level (group) consumer over librdkafka's C API.
#pragma once

#include <arrow/result.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kafka/config.h"
#include "kafka/handle.h"

namespace timecast::kafka {

class Consumer {
 public:
  // Called from Poll() when the group assigns or revokes partitions; it must
  // apply the change (IncrementalAssign/IncrementalUnassign for the
  // cooperative protocol). Without one, librdkafka applies it itself.
  using RebalanceHandler =
      std::function<void(rd_kafka_resp_err_t event, rd_kafka_topic_partition_list_t* partitions)>;

  // `config` must hold bootstrap.servers and group.id.
  static arrow::Result<std::unique_ptr<Consumer>> Create(const Config& config,
                                                         RebalanceHandler on_rebalance = {});
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

  // The current assignment, each with the position (next offset to consume;
  // negative when nothing was consumed yet).
  arrow::Result<PartitionListPtr> Positions();
  // Moves every assigned partition back to its committed offset (or the
  // beginning when none is committed): after an aborted transaction.
  arrow::Status RewindToCommitted(std::chrono::milliseconds timeout);
  // Commits `offsets` synchronously (at-least-once mode).
  arrow::Status Commit(const rd_kafka_topic_partition_list_t* offsets);
  // This member's id in its group; empty until it has joined.
  std::string MemberId() const;
  bool AssignmentLost() const { return rd_kafka_assignment_lost(handle_.get()) != 0; }
  arrow::Status IncrementalAssign(const rd_kafka_topic_partition_list_t* partitions);
  arrow::Status IncrementalUnassign(const rd_kafka_topic_partition_list_t* partitions);

  struct GroupMetadataDeleter {
    void operator()(rd_kafka_consumer_group_metadata_t* m) const {
      rd_kafka_consumer_group_metadata_destroy(m);
    }
  };
  std::unique_ptr<rd_kafka_consumer_group_metadata_t, GroupMetadataDeleter> GroupMetadata() const {
    return std::unique_ptr<rd_kafka_consumer_group_metadata_t, GroupMetadataDeleter>(
        rd_kafka_consumer_group_metadata(handle_.get()));
  }

  rd_kafka_t* handle() const { return handle_.get(); }

 private:
  Consumer() = default;
  static void OnRebalance(rd_kafka_t*, rd_kafka_resp_err_t event,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  RebalanceHandler on_rebalance_;
  HandlePtr handle_;
  bool closed_ = false;
};

}  // namespace timecast::kafka
