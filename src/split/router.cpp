#include "split/router.h"

#include <fmt/format.h>

#include <cstring>

#include "util/json_records.h"
#include "util/status.h"

namespace timecast::split {

arrow::Result<Route> ParseRoute(std::string_view text) {
  const auto eq = text.find('=');
  const auto colon = text.rfind(':');
  if (eq == std::string_view::npos || colon == std::string_view::npos || colon < eq || eq == 0 ||
      colon + 1 == text.size()) {
    return util::UsageError("--route must be FIELD=VALUE:TOPIC, e.g. Event=Start:accidents-start; got '{}'",
                            text);
  }
  return Route{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1, colon - eq - 1)),
               std::string(text.substr(colon + 1))};
}

arrow::Result<Router> Router::Make(std::vector<Route> routes) {
  if (routes.empty()) return util::UsageError("at least one --route is needed");
  Router router;
  router.field_ = routes[0].field;
  for (size_t i = 0; i < routes.size(); ++i) {
    if (routes[i].field != router.field_) {
      return util::UsageError("all routes must use one field; '{}' and '{}' differ", router.field_,
                              routes[i].field);
    }
    for (size_t j = 0; j < i; ++j) {
      if (routes[j].value == routes[i].value) {
        return util::UsageError("two routes for {}={}", routes[i].field, routes[i].value);
      }
    }
  }
  router.routes_ = std::move(routes);
  return router;
}

Decision Router::DecideObject(std::string_view object_text) {
  Decision decision;
  decision.value = object_text;
  simdjson::ondemand::document doc;
  if (auto error = element_parser_.iterate(util::PadForSimdjson(object_text, &element_buffer_)).get(doc)) {
    decision.reason = fmt::format("invalid JSON: {}", simdjson::error_message(error));
    return decision;
  }
  simdjson::ondemand::object object;
  if (doc.get_object().get(object)) {
    // On-demand parsing does not validate what it skips; anything but an
    // object is rare, so tell invalid JSON apart with a full parse.
    simdjson::dom::element ignored;
    const auto error = dom_parser_.parse(object_text.data(), object_text.size()).get(ignored);
    decision.reason = error ? fmt::format("invalid JSON: {}", simdjson::error_message(error))
                            : "not a JSON object";
    return decision;
  }
  simdjson::ondemand::value field;
  const auto error = object.find_field_unordered(field_).get(field);
  if (error == simdjson::NO_SUCH_FIELD) {
    decision.reason = fmt::format("no field '{}'", field_);
    return decision;
  }
  if (error) {
    decision.reason = fmt::format("invalid JSON: {}", simdjson::error_message(error));
    return decision;
  }
  std::string_view text;
  simdjson::ondemand::json_type type;
  if (field.type().get(type)) {
    decision.reason = "invalid JSON";
    return decision;
  }
  if (type == simdjson::ondemand::json_type::string) {
    if (field.get_string().get(text)) {
      decision.reason = fmt::format("invalid string in field '{}'", field_);
      return decision;
    }
  } else if (type == simdjson::ondemand::json_type::object ||
             type == simdjson::ondemand::json_type::array) {
    decision.reason = fmt::format("field '{}' is not a scalar", field_);
    return decision;
  } else {
    text = field.raw_json_token();
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\t' ||
                             text.back() == '\r' || text.back() == ',' || text.back() == '}')) {
      text.remove_suffix(1);
    }
  }
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].value == text) {
      decision.route = static_cast<int>(i);
      return decision;
    }
  }
  decision.reason = fmt::format("no route for {}={}", field_, text);
  return decision;
}

void Router::Decide(std::string_view message, std::vector<Decision>* out) {
  out->clear();
  if (!util::SplitJsonRecords(message, parser_, &buffer_, &records_)) {
    out->push_back({-1, message, "invalid JSON array"});
    return;
  }
  for (const std::string_view record : records_) {
    // Objects are routed; a scalar element of an array is dead-lettered.
    if (record.data() != message.data() && !record.empty() && record.front() != '{') {
      out->push_back({-1, record, "array element is not a JSON object"});
    } else {
      out->push_back(DecideObject(record));
    }
  }
}

}  // namespace timecast::split
