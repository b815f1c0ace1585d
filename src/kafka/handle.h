// Owning handles for librdkafka objects, the plain types the wrappers trade
// in (headers, topic/partition/offset lists, watermarks), librdkafka's
// errors as arrow::Status, and its version.
#pragma once

#include <arrow/status.h>
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace timecast::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

struct TopicDeleter {
  void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
};
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct ErrorDeleter {
  void operator()(rd_kafka_error_t* error) const { rd_kafka_error_destroy(error); }
};
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;

// A message header: produced (kafka::Message) or read back (ConsumedMessage).
struct Header {
  std::string_view name;
  std::string_view value;
};

// No offset: librdkafka's RD_KAFKA_OFFSET_INVALID. Every offset below 0 is
// one of its logical offsets, not a position in the partition.
inline constexpr int64_t kNoOffset = RD_KAFKA_OFFSET_INVALID;

// One partition of a topic and an offset in it: a consumer's position, an
// offset to commit (the next one to read), or a partition being assigned.
struct TopicPartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = kNoOffset;

  bool operator==(const TopicPartitionOffset&) const = default;
};

// A partition's low (oldest) and high (next to be written) offsets.
struct Watermarks {
  int64_t low = 0;
  int64_t high = 0;
};

// Conversions to and from librdkafka's list, for the wrappers in src/kafka.
// Order is kept; fields other than topic, partition and offset are not.
PartitionListPtr ToPartitionList(const std::vector<TopicPartitionOffset>& partitions);
std::vector<TopicPartitionOffset> FromPartitionList(const rd_kafka_topic_partition_list_t* list);

// A Kafka-class error (exit code 4): "<context>: <librdkafka's text>".
arrow::Status ErrorStatus(rd_kafka_resp_err_t error, std::string_view context);

// The version of the librdkafka timecast runs with, e.g. "2.0.2".
std::string_view LibraryVersion();

}  // namespace timecast::kafka
