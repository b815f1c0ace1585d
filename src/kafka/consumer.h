// A high-level (group) consumer over librdkafka's C API.
#pragma once

#include <arrow/result.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafka/config.h"
#include "kafka/consumed_message.h"
#include "kafka/handle.h"

namespace timecast::kafka {

// What a rebalance does to this member's assignment.
enum class RebalanceEvent { kAssigned, kRevoked };

class Consumer {
 public:
  // Called from Poll() when the group assigns or revokes `partitions`; it
  // must apply the change (IncrementalAssign/IncrementalUnassign for the
  // cooperative protocol). Without one, librdkafka applies it itself.
  using RebalanceHandler = std::function<void(
      RebalanceEvent event, const std::vector<TopicPartitionOffset>& partitions)>;

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

  // The next message or event, or nullopt when none arrived within `timeout`.
  // It may be the end of a partition or an error (ConsumedMessage::kind());
  // the caller decides.
  std::optional<ConsumedMessage> Poll(std::chrono::milliseconds timeout);

  // Leaves the group cleanly (commits per config, revokes). Idempotent.
  arrow::Status Close();

  // The current assignment, each with the position (next offset to consume;
  // negative when nothing was consumed yet).
  arrow::Result<std::vector<TopicPartitionOffset>> Positions();
  // The partition's watermarks as last seen by this consumer (no request:
  // `high` moves with each fetch); an offset not seen yet is kNoOffset.
  // nullopt when librdkafka refuses to say.
  std::optional<Watermarks> CachedWatermarks(const std::string& topic, int32_t partition) const;
  // Moves every assigned partition back to its committed offset (or the
  // beginning when none is committed): after an aborted transaction.
  arrow::Status RewindToCommitted(std::chrono::milliseconds timeout);
  // Commits `offsets` (each the next offset to read) synchronously
  // (at-least-once mode). Pass at least one: librdkafka reads an empty list
  // as "the current positions".
  arrow::Status Commit(const std::vector<TopicPartitionOffset>& offsets);
  // This member's id in its group; empty until it has joined.
  std::string MemberId() const;
  bool AssignmentLost() const { return rd_kafka_assignment_lost(handle_.get()) != 0; }
  arrow::Status IncrementalAssign(const std::vector<TopicPartitionOffset>& partitions);
  arrow::Status IncrementalUnassign(const std::vector<TopicPartitionOffset>& partitions);

  struct GroupMetadataDeleter {
    void operator()(rd_kafka_consumer_group_metadata_t* m) const {
      rd_kafka_consumer_group_metadata_destroy(m);
    }
  };
  // This member's place in its group (id, generation), for
  // Producer::SendOffsetsToTransaction.
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
