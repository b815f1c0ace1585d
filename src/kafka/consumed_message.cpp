#include "kafka/consumed_message.h"

#include <charconv>

namespace timecast::kafka {

ConsumedMessage::Kind ConsumedMessage::kind() const {
  switch (message_->err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR: return Kind::kRecord;
    case RD_KAFKA_RESP_ERR__PARTITION_EOF: return Kind::kEndOfPartition;
    default: return Kind::kError;
  }
}

bool ConsumedMessage::permanent_error() const {
  return message_->err == RD_KAFKA_RESP_ERR__FATAL ||
         message_->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
}

std::string ConsumedMessage::error_text() const {
  const char* text = rd_kafka_message_errstr(message_.get());
  return text ? text : "";
}

std::string_view ConsumedMessage::topic() const {
  return message_->rkt ? rd_kafka_topic_name(message_->rkt) : "";
}

std::optional<std::string_view> ConsumedMessage::key() const {
  if (message_->key == nullptr) return std::nullopt;
  return std::string_view(static_cast<const char*>(message_->key), message_->key_len);
}

std::string_view ConsumedMessage::value() const {
  return std::string_view(static_cast<const char*>(message_->payload), message_->len);
}

int64_t ConsumedMessage::timestamp_ms() const {
  return rd_kafka_message_timestamp(message_.get(), nullptr);
}

ConsumedMessage::TimestampType ConsumedMessage::timestamp_type() const {
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  (void)rd_kafka_message_timestamp(message_.get(), &type);
  switch (type) {
    case RD_KAFKA_TIMESTAMP_CREATE_TIME: return TimestampType::kCreateTime;
    case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME: return TimestampType::kLogAppendTime;
    default: return TimestampType::kNone;
  }
}

rd_kafka_headers_t* ConsumedMessage::Headers() const {
  rd_kafka_headers_t* headers = nullptr;
  // librdkafka's accessor takes a non-const message: it parses headers lazily.
  if (rd_kafka_message_headers(message_.get(), &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return nullptr;
  }
  return headers;
}

void ConsumedMessage::AppendHeaders(std::vector<Header>* out) const {
  rd_kafka_headers_t* headers = Headers();
  if (headers == nullptr) return;
  const char* name;
  const void* value;
  size_t size;
  for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == 0; ++i) {
    out->push_back({name, std::string_view(static_cast<const char*>(value), size)});
  }
}

std::optional<std::string_view> ConsumedMessage::LastHeader(std::string_view name) const {
  rd_kafka_headers_t* headers = Headers();
  if (headers == nullptr) return std::nullopt;
  std::optional<std::string_view> found;
  const char* header_name;
  const void* value;
  size_t size;
  for (size_t i = 0; rd_kafka_header_get_all(headers, i, &header_name, &value, &size) == 0; ++i) {
    if (header_name == name) found = std::string_view(static_cast<const char*>(value), size);
  }
  return found;
}

std::optional<int64_t> ConsumedMessage::IntegerHeader(std::string_view name) const {
  const std::optional<std::string_view> text = LastHeader(name);
  if (!text) return std::nullopt;
  int64_t result = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), result);
  if (error != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return result;
}

}  // namespace timecast::kafka
