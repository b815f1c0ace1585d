#include "kafka/handle.h"

#include <charconv>

#include "util/status.h"

namespace timecast::kafka {

arrow::Status ErrorStatus(rd_kafka_resp_err_t error, std::string_view context) {
  return util::KafkaError("{}: {}", context, rd_kafka_err2str(error));
}

std::optional<int64_t> IntegerHeader(const rd_kafka_message_t& message, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  // librdkafka's accessor takes a non-const message: it parses headers lazily.
  if (rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(&message), &headers) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  const char* text = static_cast<const char*>(value);
  int64_t result = 0;
  const auto [end, error] = std::from_chars(text, text + size, result);
  if (error != std::errc() || end != text + size) return std::nullopt;
  return result;
}

}  // namespace timecast::kafka
