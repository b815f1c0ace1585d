// Records to a Kafka topic through one idempotent producer.
#pragma once

#include <arrow/result.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "kafka/config.h"
#include "kafka/producer.h"
#include "replay/sink.h"

namespace timecast::replay {

struct KafkaSinkOptions {
  std::string topic;
  kafka::Config config;  // bootstrap.servers, defaults, then -F and -X, in precedence order
  std::chrono::milliseconds connect_timeout{10000};
  bool create_topic = false;
  int partitions = 1;
  int replication_factor = -1;
  // When records carry event times this old (ms since epoch), warn if the
  // topic's retention would delete them at once.
  std::optional<int64_t> earliest_timestamp_ms;
};

// How many value bytes the sink lets librdkafka hold unreported before it
// waits (KafkaSink::WaitForRoom says why): just under two batches
// (batch.size) per partition for an idempotent or transactional producer, 0
// (no limit) otherwise.
int64_t InFlightWindowBytes(const kafka::Config& config, int partitions);

class KafkaSink final : public RecordSink {
 public:
  // Connects (bounded by connect_timeout, naming the brokers on failure),
  // checks the topic exists (or creates it) and warns about retention traps.
  static arrow::Result<std::unique_ptr<KafkaSink>> Open(const KafkaSinkOptions& options);

  arrow::Status Send(const OutRecord& record, Flight* flight) override;
  void Poll() override { producer_->Poll(); }
  bool WaitForRoom(std::chrono::milliseconds timeout) override;
  arrow::Status Flush(std::chrono::milliseconds timeout) override;
  SinkCounts counts() const override;
  std::string Describe() const override;

  int partitions() const { return partitions_; }

 private:
  KafkaSink() = default;
  std::unique_ptr<kafka::Producer> producer_;
  rd_kafka_topic_t* topic_ = nullptr;
  std::string topic_name_;
  int partitions_ = 0;
  // Value bytes handed to librdkafka and not yet reported; see WaitForRoom.
  int64_t unreported_bytes_ = 0;
  int64_t window_bytes_ = 0;  // 0: no limit
};

}  // namespace timecast::replay
