#include "replay/checkpoint.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <map>

#include "util/status.h"
#include "util/text.h"

namespace timecast::replay {
namespace {

using util::JsonQuote;

std::string OptionalInt(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : "null";
}

// Reads fields of one JSON object, remembering the first problem by name.
class Fields {
 public:
  Fields(simdjson::dom::object object, std::string path, std::string* problem)
      : object_(object), path_(std::move(path)), problem_(problem) {}

  simdjson::dom::element Get(std::string_view name) {
    simdjson::dom::element value;
    if (object_.at_key(name).get(value) != simdjson::SUCCESS) {
      Fail(name, "is missing");
      return {};
    }
    return value;
  }
  int64_t Int(std::string_view name) {
    int64_t value = 0;
    simdjson::dom::element element = Get(name);
    if (problem_->empty() && element.get(value) != simdjson::SUCCESS) Fail(name, "is not an integer");
    return value;
  }
  uint64_t Count(std::string_view name) {
    const int64_t value = Int(name);
    if (value < 0) Fail(name, "is negative");
    return static_cast<uint64_t>(value);
  }
  std::optional<int64_t> OptionalInt(std::string_view name) {
    simdjson::dom::element element = Get(name);
    if (!problem_->empty() || element.is_null()) return std::nullopt;
    return Int(name);
  }
  std::string String(std::string_view name) {
    std::string_view value;
    simdjson::dom::element element = Get(name);
    if (problem_->empty() && element.get(value) != simdjson::SUCCESS) Fail(name, "is not a string");
    return std::string(value);
  }
  bool Bool(std::string_view name) {
    bool value = false;
    simdjson::dom::element element = Get(name);
    if (problem_->empty() && element.get(value) != simdjson::SUCCESS) Fail(name, "is not a boolean");
    return value;
  }
  Fields Object(std::string_view name) {
    simdjson::dom::object value;
    simdjson::dom::element element = Get(name);
    if (problem_->empty() && element.get(value) != simdjson::SUCCESS) Fail(name, "is not an object");
    return Fields(value, Path(name), problem_);
  }
  simdjson::dom::array Array(std::string_view name) {
    simdjson::dom::array value;
    simdjson::dom::element element = Get(name);
    if (problem_->empty() && element.get(value) != simdjson::SUCCESS) Fail(name, "is not an array");
    return value;
  }
  void Fail(std::string_view name, std::string_view what) {
    if (problem_->empty()) *problem_ = fmt::format("field '{}' {}", Path(name), what);
  }
  bool ok() const { return problem_->empty(); }

 private:
  std::string Path(std::string_view name) const {
    return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
  }
  simdjson::dom::object object_;
  std::string path_;
  std::string* problem_;
};

}  // namespace

std::string EncodeCheckpoint(const Checkpoint& c) {
  const ReplayState& s = c.state;
  std::string input;
  for (const auto& file : c.input) {
    input += fmt::format("{}{{\"path\":{},\"bytes\":{},\"fingerprint\":{}}}", input.empty() ? "" : ",",
                         JsonQuote(file.path), file.bytes, JsonQuote(file.fingerprint));
  }
  std::string shape;
  for (const auto& [name, value] : c.shape) {
    shape += fmt::format("{}{}:{}", shape.empty() ? "" : ",", JsonQuote(name), JsonQuote(value));
  }
  return fmt::format(
      "{{\"format\":{},\"job\":{},\"timecast\":{},\"written_at_ns\":{},"
      "\"next_row\":{},\"last_time\":{},"
      "\"position\":{{\"pass\":{},\"file\":{},\"row_group\":{},\"row\":{},\"last_time_ns\":{}}},"
      "\"schedule\":{{\"anchor_epoch_ns\":{},\"origin_ns\":{},\"pass_start_ns\":{},"
      "\"previous_raw_ns\":{},\"gap_savings_ns\":{},\"rows_in_pass\":{},\"shift_ns\":{},"
      "\"last_due_ns\":{}}},"
      "\"counts\":{{\"rows\":{},\"messages\":{},\"bytes\":{},\"transactions\":{}}},"
      "\"finished\":{},\"input\":[{}],\"shape\":{{{}}}}}",
      Checkpoint::kFormat, JsonQuote(c.job), JsonQuote(c.timecast_version), c.written_at_ns,
      JsonQuote(c.next_row), JsonQuote(c.last_time), s.pass, s.next.file, s.next.row_group,
      s.next.row, OptionalInt(s.last_time), s.anchor_epoch_ns, OptionalInt(s.schedule.origin),
      s.schedule.pass_start.count(), s.schedule.previous_raw.count(),
      s.schedule.gap_savings.count(), s.schedule.rows_in_pass, s.schedule.shift.count(),
      s.schedule.last_due.count(), s.rows, s.messages, s.bytes, s.transactions,
      s.finished ? "true" : "false", input, shape);
}

arrow::Result<Checkpoint> DecodeCheckpoint(std::string_view json, std::string_view where) {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  const simdjson::padded_string padded(json);
  if (auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
    return util::InputError("{}: the checkpoint is not a JSON object: {}", where,
                            simdjson::error_message(error));
  }
  std::string problem;
  Fields top(root, "", &problem);
  const int64_t format = top.Int("format");
  if (top.ok() && format != Checkpoint::kFormat) {
    return util::InputError(
        "{}: the checkpoint has format {}, this timecast reads format {}: resume it with the "
        "timecast version that wrote it ({})",
        where, format, Checkpoint::kFormat, top.String("timecast"));
  }
  Checkpoint c;
  c.job = top.String("job");
  c.timecast_version = top.String("timecast");
  c.written_at_ns = top.Int("written_at_ns");
  c.next_row = top.String("next_row");
  c.last_time = top.String("last_time");
  ReplayState& s = c.state;
  Fields position = top.Object("position");
  if (top.ok()) {
    s.pass = static_cast<int>(position.Int("pass"));
    s.next.file = static_cast<int>(position.Int("file"));
    s.next.row_group = static_cast<int>(position.Int("row_group"));
    s.next.row = position.Int("row");
    s.last_time = position.OptionalInt("last_time_ns");
  }
  Fields schedule = top.Object("schedule");
  if (top.ok()) {
    s.anchor_epoch_ns = schedule.Int("anchor_epoch_ns");
    s.schedule.origin = schedule.OptionalInt("origin_ns");
    s.schedule.pass_start = util::Nanos(schedule.Int("pass_start_ns"));
    s.schedule.previous_raw = util::Nanos(schedule.Int("previous_raw_ns"));
    s.schedule.gap_savings = util::Nanos(schedule.Int("gap_savings_ns"));
    s.schedule.rows_in_pass = schedule.Int("rows_in_pass");
    s.schedule.shift = util::Nanos(schedule.Int("shift_ns"));
    s.schedule.last_due = util::Nanos(schedule.Int("last_due_ns"));
  }
  Fields counts = top.Object("counts");
  if (top.ok()) {
    s.rows = counts.Count("rows");
    s.messages = counts.Count("messages");
    s.bytes = counts.Count("bytes");
    s.transactions = counts.Count("transactions");
  }
  s.finished = top.Bool("finished");
  simdjson::dom::array input = top.Array("input");
  if (top.ok()) {
    for (simdjson::dom::element element : input) {
      simdjson::dom::object object;
      if (element.get(object) != simdjson::SUCCESS) {
        top.Fail("input", "holds a non-object");
        break;
      }
      Fields file(object, "input[]", &problem);
      source::InputFile one;
      one.path = file.String("path");
      one.bytes = file.Int("bytes");
      one.fingerprint = file.String("fingerprint");
      c.input.push_back(std::move(one));
    }
  }
  simdjson::dom::object shape;
  if (top.ok() && top.Get("shape").get(shape) != simdjson::SUCCESS) top.Fail("shape", "is not an object");
  if (top.ok()) {
    for (auto field : shape) {
      std::string_view value;
      if (field.value.get(value) != simdjson::SUCCESS) {
        top.Fail("shape", "holds a non-string value");
        break;
      }
      c.shape.emplace_back(std::string(field.key), std::string(value));
    }
  }
  if (!problem.empty()) return util::InputError("{}: malformed checkpoint: {}", where, problem);
  return c;
}

std::vector<std::string> CheckpointDifferences(const Checkpoint& saved,
                                               const std::vector<source::InputFile>& input,
                                               const std::vector<ShapeOption>& shape) {
  std::vector<std::string> differences;
  std::map<std::string, std::string> was(saved.shape.begin(), saved.shape.end());
  std::map<std::string, std::string> is(shape.begin(), shape.end());
  const auto show = [](const std::map<std::string, std::string>& options, const std::string& name) {
    auto it = options.find(name);
    return it == options.end() || it->second.empty() ? std::string("not given")
                                                     : JsonQuote(it->second);
  };
  std::map<std::string, std::string> all = was;
  all.insert(is.begin(), is.end());
  for (const auto& [name, ignored] : all) {
    if (show(was, name) != show(is, name)) {
      differences.push_back(
          fmt::format("{} was {}, is now {}", name, show(was, name), show(is, name)));
    }
  }
  if (saved.input.size() != input.size()) {
    differences.push_back(fmt::format("the input had {} file(s), has {} now", saved.input.size(),
                                      input.size()));
    return differences;
  }
  for (size_t i = 0; i < input.size(); ++i) {
    const source::InputFile& then = saved.input[i];
    const source::InputFile& now = input[i];
    if (then.path != now.path) {
      differences.push_back(
          fmt::format("input file {} was '{}', is now '{}'", i + 1, then.path, now.path));
    } else if (then.bytes != now.bytes || then.fingerprint != now.fingerprint) {
      differences.push_back(fmt::format(
          "'{}' changed (size {} -> {}, footer fingerprint {} -> {})", now.path, then.bytes,
          now.bytes, then.fingerprint, now.fingerprint));
    }
  }
  return differences;
}

}  // namespace timecast::replay
