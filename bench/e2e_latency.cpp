// e2e_latency — end-to-end latency of a pipeline fed by `timecast replay --trace-headers`.
//
// Reads the given topics from the beginning as a read_committed consumer
// would, and for every record carrying a `timecast.sent` header (the
// wall-clock instant replay handed the source row to its producer, epoch ns)
// records "now − sent" at the moment the record reaches this consumer: for
// the output of `timecast split` or the Kafka Streams peer, that is replay
// send → split output visible downstream. Stops after --count records or
// when nothing arrived for --idle, prints a JSON summary.
//
// Start it before the replay: records that were already there when it
// started would measure its own start-up, not the pipeline. It fetches with
// fetch.wait.max.ms=5 so the observer adds at most a few ms of its own.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>

#include "clock/clock.h"
#include "kafka/consumer.h"
#include "util/duration.h"
#include "util/histogram.h"
#include "util/output_file.h"

namespace {

using namespace timecast;

struct Options {
  std::string brokers = "localhost:9092";
  std::vector<std::string> topics;
  uint64_t count = 0;
  std::string idle = "10s";
  std::string json;
};

double Ms(util::Nanos value) { return static_cast<double>(value.count()) / 1e6; }

arrow::Status Run(const Options& o) {
  ARROW_ASSIGN_OR_RAISE(const util::Nanos idle, util::ParseDuration(o.idle));
  kafka::Config config;
  config.Set("bootstrap.servers", o.brokers);
  config.Set("group.id", "timecast-e2e-latency");  // never commits: assign() reads from the start
  config.Set("isolation.level", "read_committed");
  config.Set("fetch.wait.max.ms", "5");
  config.Set("enable.auto.commit", "false");
  ARROW_ASSIGN_OR_RAISE(auto consumer, kafka::Consumer::Create(config));
  ARROW_RETURN_NOT_OK(consumer->AssignAllFromBeginning(o.topics, std::chrono::seconds(10)));

  util::Histogram latency;
  uint64_t records = 0, without_header = 0;
  auto last = clock::RealtimeNow();
  while (o.count == 0 || records < o.count) {
    std::optional<kafka::ConsumedMessage> message = consumer->Poll(std::chrono::milliseconds(100));
    const util::Nanos now = clock::RealtimeNow();
    if (!message || message->kind() != kafka::ConsumedMessage::Kind::kRecord) {
      if (now - last >= idle) break;
      continue;
    }
    last = now;
    ++records;
    if (auto sent = message->IntegerHeader("timecast.sent")) {
      latency.Record(now - util::Nanos(*sent));
    } else {
      ++without_header;
    }
  }
  (void)consumer->Close();
  const std::string summary = fmt::format(
      "{{\"records\":{},\"without_header\":{},\"latency_ms\":{{\"count\":{},\"p50\":{:.3f},"
      "\"p99\":{:.3f},\"p999\":{:.3f},\"max\":{:.3f},\"mean\":{:.3f}}}}}\n",
      records, without_header, latency.count(), Ms(latency.Percentile(0.50)),
      Ms(latency.Percentile(0.99)), Ms(latency.Percentile(0.999)), Ms(latency.max()),
      Ms(latency.mean()));
  fmt::print("{}", summary);
  if (!o.json.empty()) ARROW_RETURN_NOT_OK(util::WriteTextFile(o.json, summary));
  return arrow::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"End-to-end latency (receive time - timecast.sent header), read_committed"};
  app.add_option("-b,--brokers", o.brokers, "Bootstrap servers");
  app.add_option("-t,--topic", o.topics, "Topic to read (repeatable)")->required();
  app.add_option("--count", o.count, "Stop after this many records (0: at --idle)");
  app.add_option("--idle", o.idle, "Stop when nothing arrived for this long");
  app.add_option("--json", o.json, "Also write the summary to this file");
  CLI11_PARSE(app, argc, argv);
  const arrow::Status status = Run(o);
  if (!status.ok()) {
    fmt::print(stderr, "e2e_latency: error: {}\n", status.message());
    return 1;
  }
  return 0;
}
