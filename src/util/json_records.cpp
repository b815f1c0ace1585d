#include "util/json_records.h"

#include <cstring>

namespace timecast::util {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

simdjson::padded_string_view PadForSimdjson(std::string_view text, std::string* buffer) {
  if (buffer->size() < text.size() + simdjson::SIMDJSON_PADDING) {
    buffer->resize(text.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(buffer->data(), text.data(), text.size());
  return simdjson::padded_string_view(buffer->data(), text.size(), buffer->size());
}

bool SplitJsonRecords(std::string_view message, simdjson::ondemand::parser& parser,
                      std::string* buffer, std::vector<std::string_view>* out) {
  out->clear();
  size_t first = 0;
  while (first < message.size() && IsSpace(message[first])) ++first;
  if (first == message.size() || message[first] != '[') {
    out->push_back(message);
    return true;
  }
  simdjson::ondemand::document doc;
  simdjson::ondemand::array array;
  if (parser.iterate(PadForSimdjson(message, buffer)).get(doc) || doc.get_array().get(array)) {
    return false;
  }
  const char* base = buffer->data();
  for (auto element : array) {
    simdjson::ondemand::value value;
    simdjson::ondemand::json_type type;
    if (element.get(value) || value.type().get(type)) {
      out->clear();
      return false;
    }
    std::string_view raw;
    bool valid = true;
    if (type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object object;
      valid = !value.get_object().get(object) && !object.raw_json().get(raw);
    } else if (type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array nested;
      valid = !value.get_array().get(nested) && !nested.raw_json().get(raw);
    } else {
      raw = value.raw_json_token();
    }
    if (!valid) {
      out->clear();
      return false;
    }
    while (!raw.empty() && (IsSpace(raw.back()) || raw.back() == ',' || raw.back() == ']')) {
      raw.remove_suffix(1);
    }
    // raw points into the padded copy: map it back into `message`.
    out->push_back(message.substr(static_cast<size_t>(raw.data() - base), raw.size()));
  }
  return true;
}

}  // namespace timecast::util
