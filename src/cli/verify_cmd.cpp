// `timecast verify`: check what landed in Kafka against the source dataset.
#include <fmt/core.h>

#include "cli/commands.h"
#include "util/duration.h"
#include "util/status.h"
#include "util/text.h"
#include "verify/verifier.h"

namespace timecast::cli {
namespace {

struct VerifyOptions {
  std::string source;
  std::vector<std::string> topics;
  std::vector<std::string> keys;
  std::vector<std::string> columns;
  std::string time_column = "Stream_Time";
  std::string brokers = "localhost:9092";
  std::vector<std::string> properties;
  std::vector<std::string> property_files;
  std::string timeout = "30s";
  bool json = false;
};

std::string Human(const verify::VerifyReport& r, const VerifyOptions& o) {
  std::string topics;
  for (const auto& [topic, count] : r.found_per_topic) {
    topics += fmt::format("{}{} {}", topics.empty() ? "" : ", ", topic, util::FormatCount(count));
  }
  std::string text = fmt::format("verify: source {}: {} rows (read in {:.1f}s), matched by {}\n", o.source,
                                 util::FormatCount(r.expected), r.source_seconds, r.key_description);
  text += fmt::format("verify: topics: {} = {} records (read in {:.1f}s)\n", topics, util::FormatCount(r.found),
                      r.topic_seconds);
  text += fmt::format(
      "verify: matched {}, missing {}, duplicated {}, unexpected {}, differing {}; out of time "
      "order within a partition: {}\n",
      util::FormatCount(r.matched), util::FormatCount(r.missing), util::FormatCount(r.duplicated), util::FormatCount(r.unexpected),
      util::FormatCount(r.differing), util::FormatCount(r.out_of_order));
  if (r.lateness.count() > 0) {
    text += fmt::format("verify: lateness (timecast.sent - timecast.due) p50 {}  p99 {}  p99.9 {}  max {}\n",
                        util::FormatDuration(r.lateness.Percentile(0.5)),
                        util::FormatDuration(r.lateness.Percentile(0.99)),
                        util::FormatDuration(r.lateness.Percentile(0.999)),
                        util::FormatDuration(r.lateness.max()));
  }
  for (const auto& example : r.examples) text += "verify:   " + example + "\n";
  text += r.ok() ? "verify: OK\n" : "verify: MISMATCH\n";
  return text;
}

std::string Json(const verify::VerifyReport& r) {
  std::string topics;
  for (const auto& [topic, count] : r.found_per_topic) {
    topics += fmt::format("{}{}:{}", topics.empty() ? "" : ",", util::JsonQuote(topic), count);
  }
  auto ms = [](util::Nanos d) { return static_cast<double>(d.count()) / 1e6; };
  std::string examples;
  for (const auto& example : r.examples) {
    examples += (examples.empty() ? "" : ",") + util::JsonQuote(example);
  }
  return fmt::format(
      "{{\"ok\":{},\"expected\":{},\"found\":{},\"found_per_topic\":{{{}}},\"matched\":{},\"missing\":{},"
      "\"duplicated\":{},\"unexpected\":{},\"differing\":{},\"out_of_order\":{},"
      "\"lateness_ms\":{{\"count\":{},\"p50\":{:.3f},\"p99\":{:.3f},\"p999\":{:.3f},\"max\":{:.3f}}},"
      "\"source_seconds\":{:.3f},\"topic_seconds\":{:.3f},\"examples\":[{}]}}\n",
      r.ok() ? "true" : "false", r.expected, r.found, topics, r.matched, r.missing, r.duplicated,
      r.unexpected, r.differing, r.out_of_order, r.lateness.count(), ms(r.lateness.Percentile(0.5)),
      ms(r.lateness.Percentile(0.99)), ms(r.lateness.Percentile(0.999)), ms(r.lateness.max()),
      r.source_seconds, r.topic_seconds, examples);
}

arrow::Status RunVerify(const VerifyOptions& o) {
  verify::VerifyOptions options;
  options.source = o.source;
  options.topics = o.topics;
  options.key_columns = o.keys;
  options.value_columns = o.columns;
  options.time_column = o.time_column;
  options.consumer_config.Set("bootstrap.servers", o.brokers);
  for (const auto& file : o.property_files) ARROW_RETURN_NOT_OK(options.consumer_config.LoadFile(file));
  for (const auto& pair : o.properties) ARROW_RETURN_NOT_OK(options.consumer_config.SetPair(pair));
  ARROW_ASSIGN_OR_RAISE(util::Nanos timeout, util::ParseDuration(o.timeout));
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  ARROW_ASSIGN_OR_RAISE(verify::VerifyReport report, verify::Verify(options));
  fmt::print("{}", o.json ? Json(report) : Human(report, o));
  std::fflush(stdout);
  if (!report.ok()) {
    return util::MismatchError("{} missing, {} duplicated, {} unexpected, {} differing", report.missing,
                               report.duplicated, report.unexpected, report.differing);
  }
  return arrow::Status::OK();
}

}  // namespace

CommandAction AddVerifyCommand(CLI::App& app) {
  auto o = std::make_shared<VerifyOptions>();
  app.add_option("source", o->source, "The dataset that was replayed (Parquet, or sqlite:PATH?table=T)")
      ->required();
  app.add_option("--topic,-t", o->topics, "Topic to check (repeatable: their union is compared)")
      ->required()
      ->allow_extra_args(false);
  app.add_option("--key", o->keys, "Columns identifying a row (default ID,Event when present, else the whole row)")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_option("--columns", o->columns, "The columns replay sent (its --columns; default all)")
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_option("--time-column", o->time_column, "Checked for order within each partition")
      ->capture_default_str();
  app.add_option("--brokers,-b", o->brokers, "Kafka bootstrap servers")->capture_default_str();
  app.add_option("-X", o->properties, "librdkafka property key=value (repeatable)")->allow_extra_args(false);
  app.add_option("-F", o->property_files, "File of librdkafka properties (repeatable)")->allow_extra_args(false);
  app.add_option("--timeout", o->timeout, "Give up when the topics send nothing for this long")
      ->capture_default_str();
  app.add_flag("--json", o->json, "Print the report as JSON");
  return [o] { return RunVerify(*o); };
}

}  // namespace timecast::cli
