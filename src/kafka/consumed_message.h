// What Consumer::Poll hands back, read-only: a record, the end of a
// partition, or an error. Owns librdkafka's message; every view it returns
// (topic, key, value, headers) lives as long as it does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/handle.h"

namespace timecast::kafka {

class ConsumedMessage {
 public:
  enum class Kind {
    kRecord,          // a record: key, value, headers and timestamp are set
    kEndOfPartition,  // read to the partition's end for now (enable.partition.eof)
    kError,           // a consumer error; error_text() says what
  };
  enum class TimestampType { kNone, kCreateTime, kLogAppendTime };

  // Takes ownership of a message from rd_kafka_consumer_poll (not null).
  explicit ConsumedMessage(MessagePtr message) : message_(std::move(message)) {}

  Kind kind() const;
  // For kError: consuming cannot go on (librdkafka's fatal error, or the
  // topic or partition does not exist). Other errors are transient, and
  // librdkafka retries by itself.
  bool permanent_error() const;
  // librdkafka's text for the error; empty for a record.
  std::string error_text() const;

  // The topic, or empty when an error names none.
  std::string_view topic() const;
  int32_t partition() const { return message_->partition; }
  int64_t offset() const { return message_->offset; }
  // nullopt: the record has no key (null), as opposed to an empty one.
  std::optional<std::string_view> key() const;
  std::string_view value() const;
  // Milliseconds since the epoch, or -1 when the record carries none.
  int64_t timestamp_ms() const;
  TimestampType timestamp_type() const;

  // Appends every header, in order, to `out` (so a caller can reuse it
  // from message to message). The views point into this message.
  void AppendHeaders(std::vector<Header>* out) const;
  // The value of the last header named `name`, or nullopt.
  std::optional<std::string_view> LastHeader(std::string_view name) const;
  // The last header `name` read as a decimal integer (like the timecast.due
  // and timecast.sent trace headers); nullopt when absent or not one.
  std::optional<int64_t> IntegerHeader(std::string_view name) const;

 private:
  // The message's headers, or nullptr when it has none.
  rd_kafka_headers_t* Headers() const;

  MessagePtr message_;
};

}  // namespace timecast::kafka
