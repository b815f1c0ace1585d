#include "kafka/config.h"

#include <algorithm>
#include <fstream>

#include "util/status.h"

namespace timecast::kafka {
namespace {

std::string_view Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

}  // namespace

void Config::Set(std::string key, std::string value) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const auto& entry) { return entry.first == key; });
  if (it != entries_.end()) entries_.erase(it);
  entries_.emplace_back(std::move(key), std::move(value));
}

arrow::Status Config::SetPair(std::string_view key_value) {
  const auto eq = key_value.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return util::UsageError("Kafka property '{}' is not of the form key=value", key_value);
  }
  Set(std::string(Trim(key_value.substr(0, eq))), std::string(Trim(key_value.substr(eq + 1))));
  return arrow::Status::OK();
}

arrow::Status Config::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return util::UsageError("cannot read Kafka properties file '{}'", path);
  std::string line;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    const std::string_view text = Trim(line);
    if (text.empty() || text[0] == '#' || text[0] == '!') continue;
    if (text.find('=') == std::string_view::npos) {
      return util::UsageError("{}:{}: expected key=value, got '{}'", path, line_number, text);
    }
    ARROW_RETURN_NOT_OK(SetPair(text));
  }
  return arrow::Status::OK();
}

std::optional<std::string> Config::Get(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

arrow::Result<ConfPtr> Config::Build() const {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [key, value] : entries_) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      return util::UsageError("Kafka property '{}': {}", key, errstr);
    }
  }
  return conf;
}

Config WithQuietLogs(Config config) {
  if (!config.Get("log_level")) config.Set("log_level", "3");
  return config;
}

}  // namespace timecast::kafka
