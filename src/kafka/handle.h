// Owning handles for librdkafka objects, and its errors as arrow::Status.
#pragma once

#include <arrow/status.h>
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

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

// The last header `name` of `message` read as a decimal integer (like the
// timecast.due / timecast.sent trace headers); nullopt when absent or not one.
std::optional<int64_t> IntegerHeader(const rd_kafka_message_t& message, const char* name);

// A Kafka-class error (exit code 4): "<context>: <librdkafka's text>".
arrow::Status ErrorStatus(rd_kafka_resp_err_t error, std::string_view context);

}  // namespace timecast::kafka
