// Where each record of the source topic goes, decided from one top-level JSON
// field read with simdjson on-demand (the rest of the document is not parsed).
#pragma once

#include <arrow/result.h>
#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

namespace timecast::split {

struct Route {
  std::string field;  // top-level key, e.g. "Event"
  std::string value;  // e.g. "Start"; matched against strings, or numbers/booleans as written
  std::string topic;
};

// Parses "Event=Start:accidents-start". Fails with a usage error otherwise.
arrow::Result<Route> ParseRoute(std::string_view text);

struct Decision {
  int route = -1;          // index into the routes; -1: dead letter
  std::string_view value;  // the bytes to send (the whole message, or one array element)
  std::string reason;      // why it is dead-lettered
};

class Router {
 public:
  // All routes must name the same field; values must differ.
  static arrow::Result<Router> Make(std::vector<Route> routes);

  // Decides where `message` goes. A JSON object is one record, forwarded byte
  // for byte; a JSON array (replay's tick-array format) is one record per
  // element. Invalid JSON, a missing field or an unrouted value becomes a
  // dead-letter decision with its reason. The views point into `message`.
  void Decide(std::string_view message, std::vector<Decision>* out);

  const std::vector<Route>& routes() const { return routes_; }

 private:
  Router() = default;
  Decision DecideObject(std::string_view object_text);

  std::vector<Route> routes_;
  std::string field_;
  simdjson::ondemand::parser parser_;
  simdjson::ondemand::parser element_parser_;
  simdjson::dom::parser dom_parser_;
  std::string buffer_;
  std::string element_buffer_;
  std::vector<std::string_view> records_;
};

}  // namespace timecast::split
