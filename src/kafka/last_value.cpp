#include "kafka/last_value.h"

#include <algorithm>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "util/status.h"

namespace timecast::kafka {

int32_t PartitionForKey(std::string_view key, int partitions) {
  uint32_t hash = 2166136261u;
  for (const char c : key) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  return static_cast<int32_t>(hash % static_cast<uint32_t>(std::max(partitions, 1)));
}

arrow::Result<std::optional<KeyedValue>> ReadLastValue(const Config& config,
                                                       const std::string& topic,
                                                       std::optional<int32_t> partition_wanted,
                                                       std::string_view key,
                                                       std::chrono::milliseconds timeout) {
  Config reader = config;
  reader.Set("group.id", "timecast-last-value-reader");  // assign() only: never joins
  reader.Set("enable.auto.commit", "false");
  reader.Set("isolation.level", "read_committed");
  reader.Set("enable.partition.eof", "true");
  // The end is known from an empty fetch: the broker must not hold it back
  // for fetch.wait.max.ms (500 ms by default) hoping for more.
  reader.Set("fetch.wait.max.ms", "10");
  ARROW_ASSIGN_OR_RAISE(auto consumer, Consumer::Create(reader));
  int32_t partition = 0;
  if (partition_wanted) {
    partition = *partition_wanted;
  } else {
    ARROW_ASSIGN_OR_RAISE(const int partitions, PartitionCount(consumer->handle(), topic, timeout));
    partition = PartitionForKey(key, partitions);
  }
  const std::string where = topic + " [" + std::to_string(partition) + "]";
  // With read_committed, `high` is the last stable offset: an open
  // transaction's records (a zombie's) are past it.
  ARROW_ASSIGN_OR_RAISE(const Watermarks marks,
                        QueryWatermarks(consumer->handle(), topic, partition, timeout));
  const int64_t low = marks.low;
  int64_t window = 1024;
  int64_t end = marks.high;  // read [begin, end) in each round
  while (end > low) {
    const int64_t begin = std::max(low, end - window);
    PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = begin;
    if (auto err = rd_kafka_assign(consumer->handle(), list.get())) {
      return ErrorStatus(err, "assigning " + where);
    }
    std::optional<KeyedValue> found;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (std::chrono::steady_clock::now() > deadline) {
        return util::KafkaError("reading {} from offset {}: no end of partition within {} ms",
                                where, begin, timeout.count());
      }
      std::optional<ConsumedMessage> message = consumer->Poll(std::chrono::milliseconds(100));
      if (!message) continue;
      if (message->kind() == ConsumedMessage::Kind::kEndOfPartition) break;
      if (message->kind() == ConsumedMessage::Kind::kError) {
        return util::KafkaError("reading {}: {}", where, message->error_text());
      }
      if (message->offset() >= end) break;
      if (message->key() == key) {
        found = KeyedValue{std::string(message->value()), partition, message->offset()};
      }
    }
    if (found) return found;
    end = begin;
    window *= 4;
  }
  return std::nullopt;
}

}  // namespace timecast::kafka
