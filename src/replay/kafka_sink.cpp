#include "replay/kafka_sink.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "clock/clock.h"
#include "kafka/admin.h"
#include "util/duration.h"
#include "util/status.h"

namespace timecast::replay {

arrow::Result<std::unique_ptr<KafkaSink>> KafkaSink::Open(const KafkaSinkOptions& options) {
  if (options.topic.empty()) return util::UsageError("--topic is required with the Kafka sink");
  std::unique_ptr<KafkaSink> sink(new KafkaSink());
  sink->topic_name_ = options.topic;
  ARROW_ASSIGN_OR_RAISE(
      sink->producer_,
      kafka::Producer::Create(options.config, [self = sink.get()](const rd_kafka_message_t& report) {
        self->unreported_bytes_ -= static_cast<int64_t>(report.len);
        auto* flight = static_cast<Flight*>(report._private);
        --flight->pending;
        if (report.err != RD_KAFKA_RESP_ERR_NO_ERROR) ++flight->failed;
      }));
  rd_kafka_t* handle = sink->producer_->handle();
  const std::string& brokers = sink->producer_->brokers();
  ARROW_RETURN_NOT_OK(kafka::CheckReachable(handle, brokers, options.connect_timeout));
  ARROW_ASSIGN_OR_RAISE(std::optional<int> partitions,
                        kafka::FindTopic(handle, options.topic, options.connect_timeout));
  if (!partitions) {
    if (!options.create_topic) {
      return util::KafkaError(
          "topic '{}' does not exist at {}. Create it, e.g. kafka-topics.sh --bootstrap-server {} "
          "--create --topic {} --partitions 1 --config retention.ms=-1, or pass --create-topic "
          "(with --partitions and --replication-factor)",
          options.topic, brokers, brokers, options.topic);
    }
    // Replayed data is often years old: keep it regardless of record timestamps.
    ARROW_RETURN_NOT_OK(kafka::CreateTopic(
        handle,
        {options.topic, options.partitions, options.replication_factor, {{"retention.ms", "-1"}}},
        options.connect_timeout));
    partitions = options.partitions;
  }
  sink->partitions_ = *partitions;
  if (options.earliest_timestamp_ms) {
    auto configs = kafka::DescribeTopicConfigs(handle, options.topic, options.connect_timeout);
    if (configs.ok() && configs->count("retention.ms")) {
      const int64_t retention_ms = std::stoll(configs->at("retention.ms"));
      const int64_t now_ms = clock::RealtimeNow().count() / 1'000'000;
      if (retention_ms >= 0 && *options.earliest_timestamp_ms < now_ms - retention_ms) {
        fmt::print(stderr,
                   "timecast: warning: records carry event timestamps from {} ago, but topic '{}' "
                   "has retention.ms={} ({}): the broker will delete them as soon as their "
                   "segment rolls. Set retention.ms=-1 on the topic, or use --timestamp due.\n",
                   util::FormatDuration(std::chrono::milliseconds(
                       now_ms - *options.earliest_timestamp_ms)),
                   options.topic, retention_ms,
                   util::FormatDuration(std::chrono::milliseconds(retention_ms)));
      }
    }
  }
  ARROW_ASSIGN_OR_RAISE(sink->topic_, sink->producer_->Topic(options.topic));
  sink->window_bytes_ = InFlightWindowBytes(options.config, sink->partitions_);
  return sink;
}

// librdkafka 2.0.2's idempotent producer keeps one produce request in flight
// per partition (it holds the messages in flight, not the requests, against
// its limit of 5), and while that request is out with a full batch queued
// behind it, its broker thread polls its socket with a zero timeout: a busy
// loop that takes a core from the broker on a shared machine. Keeping less
// than two batches per partition handed over and unreported means the batch
// behind the one in flight is never full, so the thread sleeps; the records
// that top it up when the reports come in fill it and wake the thread at once.
// Without idempotence requests are pipelined and nothing is held back.
int64_t InFlightWindowBytes(const kafka::Config& config, int partitions) {
  const bool transactional = config.Get("transactional.id").has_value();
  if (config.Get("enable.idempotence").value_or("false") != "true" && !transactional) return 0;
  int64_t batch_bytes = 1'000'000;  // librdkafka's batch.size default
  if (auto configured = config.Get("batch.size")) {
    batch_bytes = std::strtoll(configured->c_str(), nullptr, 10);
  }
  if (batch_bytes <= 0) return 0;
  return batch_bytes * 19 / 10 * std::max(partitions, 1);
}

bool KafkaSink::WaitForRoom(std::chrono::milliseconds timeout) {
  if (window_bytes_ == 0 || unreported_bytes_ < window_bytes_) return true;
  producer_->Poll(timeout);
  return unreported_bytes_ < window_bytes_;
}

arrow::Status KafkaSink::Send(const OutRecord& record, Flight* flight) {
  kafka::Message message;
  message.topic = topic_;
  message.key = record.key;
  message.value = record.value;
  message.headers = record.headers;
  message.timestamp_ms = record.timestamp_ms;
  message.opaque = flight;
  message.copy_value = !record.value_is_stable;
  ARROW_RETURN_NOT_OK(producer_->Produce(message));
  unreported_bytes_ += static_cast<int64_t>(record.value.size());
  return arrow::Status::OK();
}

arrow::Status KafkaSink::Flush(std::chrono::milliseconds timeout) {
  return producer_->Flush(timeout);
}

SinkCounts KafkaSink::counts() const {
  const auto& counts = producer_->counts();
  return {counts.delivered, counts.failed, counts.first_error};
}

std::string KafkaSink::Describe() const {
  return fmt::format("topic {} at {}", topic_name_, producer_->brokers());
}

}  // namespace timecast::replay
