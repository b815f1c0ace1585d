// `timecast split` against the real broker: every record lands in exactly one
// of start, end or dead-letter (read_committed), none twice, also with two
// instances sharing the partitions, a SIGTERM mid-stream and a restart.
#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>
#include <simdjson.h>

#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "test_support.h"

namespace timecast {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using timecast::testing::Brokers;
using timecast::testing::RunTimecast;
using timecast::testing::UniqueName;

struct Topics {
  std::string in = UniqueName("split-in");
  std::string start = UniqueName("split-start");
  std::string end = UniqueName("split-end");
  std::string dlq = UniqueName("split-dlq");
  std::string group = UniqueName("split-group");

  explicit Topics(int partitions = 3) {
    kafka::Config config;
    config.Set("bootstrap.servers", Brokers());
    auto producer = kafka::Producer::Create(config);
    EXPECT_TRUE(producer.ok());
    for (const auto& topic : {in, start, end, dlq}) {
      EXPECT_TRUE(kafka::CreateTopic((*producer)->handle(), {topic, partitions, 1, {{"retention.ms", "-1"}}},
                                     seconds(20))
                      .ok());
    }
  }

  std::vector<std::string> SplitArgs(const std::string& until_idle = "3s") const {
    return {"split",   "--from",           in,         "--route", "Event=Start:" + start,
            "--route", "Event=End:" + end, "--group",  group,     "-b",
            Brokers(), "--until-idle",     until_idle, "-q"};
  }
};

// `accidents` accidents as a sorted stream (Start at i, End at i + 0.5) in a
// Parquet file; returns its path.
std::string WriteAccidents(int accidents) {
  const std::string path = testing::TempDir() + "/stream.parquet";
  arrow::DoubleBuilder times;
  arrow::Int32Builder ids;
  arrow::StringBuilder events;
  for (int i = 0; i < accidents; ++i) {
    for (int e = 0; e < 2; ++e) {
      EXPECT_TRUE(times.Append(i + e * 0.5).ok());
      EXPECT_TRUE(ids.Append(i).ok());
      EXPECT_TRUE(events.Append(e ? "End" : "Start").ok());
    }
  }
  auto schema = arrow::schema({arrow::field("Stream_Time", arrow::float64()),
                               arrow::field("ID", arrow::int32()), arrow::field("Event", arrow::utf8())});
  auto table = arrow::Table::Make(schema, {times.Finish().ValueOrDie(), ids.Finish().ValueOrDie(),
                                           events.Finish().ValueOrDie()});
  auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  EXPECT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 10000).ok());
  EXPECT_TRUE(out->Close().ok());
  return path;
}

// WriteAccidents' stream, replayed into `topic`.
void ReplayAccidents(const std::string& topic, int accidents,
                     const std::vector<std::string>& extra = {"--key", "ID"}) {
  std::vector<std::string> args = {
      "replay", WriteAccidents(accidents), "-b", Brokers(), "-t", topic, "--topspeed", "-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto result = RunTimecast(args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
}

void ProduceRaw(const std::string& topic, const std::vector<std::string>& values) {
  kafka::Config config;
  config.Set("bootstrap.servers", Brokers());
  auto producer = kafka::Producer::Create(config);
  ASSERT_TRUE(producer.ok());
  auto handle = (*producer)->Topic(topic);
  for (const auto& value : values) {
    kafka::Message message;
    message.topic = *handle;
    message.value = value;
    ASSERT_TRUE((*producer)->Produce(message).ok());
  }
  ASSERT_TRUE((*producer)->Flush(seconds(10)).ok());
}

struct Record {
  std::string value;
  std::map<std::string, std::string> headers;
};

// Every committed record of `topic` (read_committed, to the end).
std::vector<Record> ReadCommitted(const std::string& topic) {
  kafka::Config config;
  config.Set("bootstrap.servers", Brokers());
  config.Set("group.id", UniqueName("reader"));
  config.Set("isolation.level", "read_committed");
  config.Set("enable.partition.eof", "true");
  auto consumer = kafka::Consumer::Create(config);
  EXPECT_TRUE(consumer.ok());
  auto partitions = kafka::PartitionCount((*consumer)->handle(), topic, seconds(10));
  EXPECT_TRUE(partitions.ok());
  EXPECT_TRUE((*consumer)->AssignAllFromBeginning({topic}, seconds(10)).ok());
  std::vector<Record> records;
  int at_end = 0;
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (at_end < *partitions && std::chrono::steady_clock::now() < deadline) {
    std::optional<kafka::ConsumedMessage> message = (*consumer)->Poll(milliseconds(200));
    if (!message) continue;
    if (message->kind() == kafka::ConsumedMessage::Kind::kEndOfPartition) {
      ++at_end;
      continue;
    }
    if (message->kind() != kafka::ConsumedMessage::Kind::kRecord) continue;
    Record record{std::string(message->value()), {}};
    std::vector<kafka::Header> headers;
    message->AppendHeaders(&headers);
    for (const auto& [name, value] : headers) record.headers[std::string(name)] = value;
    records.push_back(std::move(record));
  }
  EXPECT_EQ(at_end, *partitions) << "did not reach the end of " << topic;
  return records;
}

// Checks start and end hold every accident's Start and End exactly once.
void ExpectExactlyOnce(const Topics& topics, int accidents) {
  simdjson::dom::parser parser;
  for (const auto& [topic, event] : {std::pair{topics.start, "Start"}, std::pair{topics.end, "End"}}) {
    std::map<int64_t, int> seen;
    for (const auto& record : ReadCommitted(topic)) {
      simdjson::dom::element doc = parser.parse(record.value);
      EXPECT_EQ(std::string_view(doc["Event"]), event);
      ++seen[int64_t(doc["ID"])];
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(accidents)) << topic;
    for (const auto& [id, count] : seen) ASSERT_EQ(count, 1) << topic << " ID " << id;
  }
}

// Waits (up to 60 s) until `topic` holds anything, committed or not.
void WaitForOutput(const std::string& topic) {
  kafka::Config config;
  config.Set("bootstrap.servers", Brokers());
  auto producer = kafka::Producer::Create(config);
  ASSERT_TRUE(producer.ok());
  auto partitions = kafka::PartitionCount((*producer)->handle(), topic, seconds(10));
  ASSERT_TRUE(partitions.ok());
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int64_t total = 0;
    for (int p = 0; p < *partitions; ++p) {
      auto marks = kafka::QueryWatermarks((*producer)->handle(), topic, p, seconds(5));
      if (marks.ok()) total += marks->high;
    }
    if (total > 0) return;
    std::this_thread::sleep_for(milliseconds(50));
  }
  FAIL() << "nothing reached " << topic;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SplitIntegration, EveryRecordLandsInExactlyOneTopicAndBadOnesAreDeadLettered) {
  Topics topics;
  ReplayAccidents(topics.in, 2000);
  ProduceRaw(topics.in, {"not json", R"({"ID":1})", R"({"Event":"Middle"})"});
  const std::string stats = testing::TempDir() + "/stats.json";
  auto args = topics.SplitArgs();
  args.insert(args.end(), {"--dead-letter", topics.dlq, "--stats-json", stats});
  const auto result = RunTimecast(args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ExpectExactlyOnce(topics, 2000);
  const auto dead = ReadCommitted(topics.dlq);
  ASSERT_EQ(dead.size(), 3u);
  std::multiset<std::string> reasons;
  for (const auto& record : dead) {
    reasons.insert(record.headers.at("timecast.error"));
    EXPECT_EQ(record.headers.at("timecast.source.topic"), topics.in);
    EXPECT_FALSE(record.headers.at("timecast.source.offset").empty());
  }
  EXPECT_EQ(reasons.count("no field 'Event'"), 1u);
  EXPECT_EQ(reasons.count("no route for Event=Middle"), 1u);
  simdjson::dom::parser parser;
  simdjson::dom::element summary = parser.parse(ReadFile(stats));
  EXPECT_EQ(uint64_t(summary["records_in"]), 4003u);
  EXPECT_EQ(uint64_t(summary["dead_lettered"]), 3u);
  EXPECT_EQ(uint64_t(summary["lag"]), 0u);
  // Every committed transaction's commit was timed.
  EXPECT_EQ(uint64_t(summary["commit_ms"]["count"]), uint64_t(summary["transactions_committed"]));
  EXPECT_GT(double(summary["commit_ms"]["max"]), 0.0);
}

TEST(SplitIntegration, TickArraysAreSplitIntoSingleRecords) {
  Topics topics;
  ReplayAccidents(topics.in, 500, {"--format", "tick-array"});
  const auto result = RunTimecast(topics.SplitArgs());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ExpectExactlyOnce(topics, 500);
}

// The second instance joins while the input is still being written. It must
// not stop before the group has handed it its share: it used to stop once
// --until-idle passed without input, even while partitions were on their way
// to it, and the first instance, idle as well, stopped too and left them unread.
TEST(SplitIntegration, TwoInstancesShareThePartitionsWithoutDuplicates) {
  constexpr int kAccidents = 20000;
  Topics topics(4);
  testing::TimecastProcess replay({"replay", WriteAccidents(kAccidents), "-b", Brokers(), "-t",
                                   topics.in, "--key", "ID", "--rate", "4000",
                                   "-q"});  // 10 s of input
  WaitForOutput(topics.in);
  const std::string stats[] = {testing::TempDir() + "/first.json",
                               testing::TempDir() + "/second.json"};
  auto args = [&](const std::string& stats_path) {
    auto split = topics.SplitArgs("1s");
    split.insert(split.end(), {"--stats-json", stats_path});
    return split;
  };
  testing::TimecastProcess first(args(stats[0]));
  std::this_thread::sleep_for(milliseconds(300));
  testing::TimecastProcess second(args(stats[1]));
  const auto replayed = replay.Wait();
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  const auto a = first.Wait();
  const auto b = second.Wait();
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ExpectExactlyOnce(topics, kAccidents);
  simdjson::dom::parser parser;
  uint64_t total = 0;
  for (const auto& path : stats) {
    simdjson::dom::element summary = parser.parse(ReadFile(path));
    const uint64_t records_in = uint64_t(summary["records_in"]);
    EXPECT_GT(records_in, 0u) << path << ": this instance never got its share";
    total += records_in;
  }
  EXPECT_EQ(total, 2u * kAccidents) << "records were processed twice";
}

TEST(SplitIntegration, SigtermMidStreamThenARestartContinuesFromCommittedOffsets) {
  Topics topics;
  ReplayAccidents(topics.in, 150000);
  const std::string stats = testing::TempDir() + "/first.json";
  auto args = topics.SplitArgs();
  args.insert(args.end(), {"--stats-json", stats});
  testing::TimecastProcess first(args);
  // Signal once the first transaction has landed, whatever the machine's load.
  WaitForOutput(topics.start);
  first.Signal(SIGTERM);
  const auto stopped = first.Wait();
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  simdjson::dom::parser parser;
  simdjson::dom::element summary = parser.parse(ReadFile(stats));
  EXPECT_EQ(std::string_view(summary["stop_reason"]), "stopped by signal");
  const uint64_t done_first = uint64_t(summary["records_in"]);
  EXPECT_GT(done_first, 0u);
  EXPECT_LT(done_first, 300000u) << "SIGTERM came after the end: make the input larger";

  const auto restarted = RunTimecast(topics.SplitArgs());
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  ExpectExactlyOnce(topics, 150000);
}

TEST(SplitIntegration, WithoutDeadLetterABadRecordStopsTheJobAndCommitsNothingOfItsTransaction) {
  Topics topics(1);
  ReplayAccidents(topics.in, 10);
  ProduceRaw(topics.in, {R"({"Event":"Middle"})"});
  const auto result = RunTimecast(topics.SplitArgs());
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find(topics.in + " [0] at offset 20: no route for Event=Middle; pass "
                            "--dead-letter TOPIC"),
            std::string::npos)
      << result.err;
  EXPECT_TRUE(ReadCommitted(topics.start).size() < 10u) << "the aborted transaction leaked";
  // Restarted with a dead-letter topic, it finishes the job exactly once.
  auto args = topics.SplitArgs();
  args.insert(args.end(), {"--dead-letter", topics.dlq});
  const auto fixed = RunTimecast(args);
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  ExpectExactlyOnce(topics, 10);
  EXPECT_EQ(ReadCommitted(topics.dlq).size(), 1u);
}

TEST(SplitIntegration, AtLeastOnceDeliversEverything) {
  Topics topics;
  ReplayAccidents(topics.in, 1000);
  auto args = topics.SplitArgs();
  args.insert(args.end(), {"--guarantee", "at-least-once"});
  const auto result = RunTimecast(args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ExpectExactlyOnce(topics, 1000);  // no failures here, so no repeats either
}

TEST(SplitIntegration, MissingOutputTopicIsAKafkaError) {
  Topics topics;
  const auto result = RunTimecast({"split", "--from", topics.in, "--route", "Event=Start:" + UniqueName("nope"),
                                   "-b", Brokers(), "--until-idle", "1s"});
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_NE(result.err.find("does not exist"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace timecast
