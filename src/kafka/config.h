// librdkafka properties, passed through untouched (like kcat's -X).
//
// Precedence, lowest first: timecast's defaults for the command, then each
// -F FILE in order, then each -X key=value in order. The last Set() wins.
#pragma once

#include <arrow/result.h>
#include <librdkafka/rdkafka.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace timecast::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

class Config {
 public:
  void Set(std::string key, std::string value);

  // Parses "key=value" (from -X). Fails with a usage error when '=' is missing.
  arrow::Status SetPair(std::string_view key_value);

  // Reads a properties file: key=value lines, '#' or '!' comments, blank lines.
  // Fails naming the file and line of anything else.
  arrow::Status LoadFile(const std::string& path);

  std::optional<std::string> Get(std::string_view key) const;

  // Builds the librdkafka conf. A rejected property fails with a usage error
  // naming it and librdkafka's reason. Values are never echoed: they may be secrets.
  arrow::Result<ConfPtr> Build() const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// `config` with librdkafka's log_level at errors (3) unless it sets one: its
// warnings (a coordinator still loading, a retried request) are routine, and
// anything that matters reaches the user as an error of ours.
Config WithQuietLogs(Config config);

}  // namespace timecast::kafka
