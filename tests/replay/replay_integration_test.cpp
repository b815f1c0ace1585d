// The timecast binary replaying into the real broker: what lands is exactly
// what was read, with keys, headers and timestamps, and a SIGTERM mid-run
// loses nothing that was reported delivered.
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

#include "clock/clock.h"
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

constexpr int64_t kFirstStart = 1454910360;  // 2016-02-08 05:46:00 UTC, in seconds

// `rows` rows: Stream_Time = i / 100 s, ID = i, Event alternating, Start_Time = first + i min.
std::string WriteStream(int rows) {
  const std::string path = testing::TempDir() + "/stream.parquet";
  arrow::DoubleBuilder times;
  arrow::Int32Builder ids;
  arrow::StringBuilder events;
  arrow::TimestampBuilder starts(arrow::timestamp(arrow::TimeUnit::NANO), arrow::default_memory_pool());
  for (int i = 0; i < rows; ++i) {
    EXPECT_TRUE(times.Append(i / 100.0).ok());
    EXPECT_TRUE(ids.Append(i).ok());
    EXPECT_TRUE(events.Append(i % 2 ? "End" : "Start").ok());
    EXPECT_TRUE(starts.Append((kFirstStart + int64_t{i} * 60) * 1'000'000'000).ok());
  }
  auto schema = arrow::schema({arrow::field("Stream_Time", arrow::float64()),
                               arrow::field("ID", arrow::int32()), arrow::field("Event", arrow::utf8()),
                               arrow::field("Start_Time", arrow::timestamp(arrow::TimeUnit::NANO))});
  auto table = arrow::Table::Make(schema, {times.Finish().ValueOrDie(), ids.Finish().ValueOrDie(),
                                           events.Finish().ValueOrDie(), starts.Finish().ValueOrDie()});
  auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  EXPECT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 1000).ok());
  EXPECT_TRUE(out->Close().ok());
  return path;
}

struct Landed {
  std::string value;
  std::optional<std::string> key;
  std::map<std::string, std::string> headers;
  int64_t timestamp_ms = 0;
  int32_t partition = 0;
};

// Everything in `topic`, read_committed, until `expected` records or the timeout.
std::vector<Landed> ConsumeAll(const std::string& topic, size_t expected,
                               std::chrono::milliseconds timeout = seconds(30)) {
  kafka::Config config;
  config.Set("bootstrap.servers", Brokers());
  config.Set("group.id", UniqueName("reader"));
  config.Set("enable.auto.commit", "false");
  config.Set("isolation.level", "read_committed");
  auto consumer = kafka::Consumer::Create(config);
  EXPECT_TRUE(consumer.ok());
  EXPECT_TRUE((*consumer)->AssignAllFromBeginning({topic}, seconds(10)).ok());
  std::vector<Landed> landed;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // After the expected count, wait a little longer to catch duplicates.
  auto quiet_until = std::chrono::steady_clock::time_point::max();
  while (std::chrono::steady_clock::now() < std::min(deadline, quiet_until)) {
    std::optional<kafka::ConsumedMessage> message = (*consumer)->Poll(milliseconds(200));
    if (!message || message->kind() != kafka::ConsumedMessage::Kind::kRecord) continue;
    Landed record;
    record.value = message->value();
    if (auto key = message->key()) record.key.emplace(*key);
    std::vector<kafka::Header> headers;
    message->AppendHeaders(&headers);
    for (const auto& [name, value] : headers) record.headers[std::string(name)] = value;
    record.timestamp_ms = message->timestamp_ms();
    record.partition = message->partition();
    landed.push_back(std::move(record));
    if (landed.size() >= expected && quiet_until == std::chrono::steady_clock::time_point::max()) {
      quiet_until = std::chrono::steady_clock::now() + milliseconds(500);
    }
  }
  return landed;
}

int64_t IdOf(const std::string& json) {
  simdjson::dom::parser parser;
  return int64_t(parser.parse(json)["ID"]);
}

TEST(ReplayIntegration, EveryRowLandsOnceWithKeyHeadersAndEventTimestamp) {
  const std::string path = WriteStream(2500);
  const std::string topic = UniqueName("replay");
  const auto result = RunTimecast({"replay", path, "-b", Brokers(), "-t", topic, "--create-topic",
                                   "--partitions", "3", "--topspeed", "--key", "ID", "--header",
                                   "event=Event", "--timestamp", "Start_Time"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("2,500 rows in 2,500 messages"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("delivered 2,500, failed 0"), std::string::npos) << result.err;
  // Event timestamps from 2016 on a topic we created: no retention warning.
  EXPECT_EQ(result.err.find("warning"), std::string::npos) << result.err;

  const auto landed = ConsumeAll(topic, 2500);
  ASSERT_EQ(landed.size(), 2500u);
  std::map<int64_t, int> seen;
  std::set<int32_t> partitions;
  for (const auto& record : landed) {
    const int64_t id = IdOf(record.value);
    ++seen[id];
    EXPECT_EQ(record.key, std::to_string(id));
    EXPECT_EQ(record.headers.at("event"), id % 2 ? "End" : "Start");
    EXPECT_EQ(record.timestamp_ms, (kFirstStart + id * 60) * 1000);
    partitions.insert(record.partition);
  }
  EXPECT_EQ(seen.size(), 2500u);
  for (const auto& [id, count] : seen) EXPECT_EQ(count, 1) << "ID " << id;
  EXPECT_EQ(partitions.size(), 3u) << "keys spread over the partitions";
}

TEST(ReplayIntegration, DueTimestampsFollowTheSchedule) {
  const std::string path = WriteStream(200);  // 2 s of dataset time
  const std::string topic = UniqueName("due");
  const int64_t before_ms = clock::RealtimeNow().count() / 1'000'000;
  const auto result = RunTimecast({"replay", path, "-b", Brokers(), "-t", topic, "--create-topic",
                                   "--speed", "4", "--stats-json", testing::TempDir() + "/s.json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const int64_t after_ms = clock::RealtimeNow().count() / 1'000'000;
  const auto landed = ConsumeAll(topic, 200);
  ASSERT_EQ(landed.size(), 200u);
  // One partition: in order. Row i is due i/100/4 s after the first.
  const int64_t first = landed.front().timestamp_ms;
  EXPECT_GE(first, before_ms);
  EXPECT_LE(landed.back().timestamp_ms, after_ms);
  for (size_t i = 0; i < landed.size(); ++i) {
    EXPECT_EQ(IdOf(landed[i].value), static_cast<int64_t>(i));
    EXPECT_NEAR(landed[i].timestamp_ms - first, static_cast<double>(i) * 10 / 4, 1.0) << i;
  }
  EXPECT_NE(result.err.find("lateness p50"), std::string::npos);
}

TEST(ReplayIntegration, TickArrayCarriesEveryRowOnceInArrays) {
  const std::string path = WriteStream(300);
  const std::string topic = UniqueName("ticks");
  const auto result = RunTimecast({"replay", path, "-b", Brokers(), "-t", topic, "--create-topic",
                                   "--format", "tick-array", "--fit", "1s", "--tick", "100ms"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto landed = ConsumeAll(topic, 10);
  ASSERT_GE(landed.size(), 9u);
  ASSERT_LE(landed.size(), 11u);
  std::vector<int64_t> ids;
  simdjson::dom::parser parser;
  for (const auto& record : landed) {
    for (simdjson::dom::element row : parser.parse(record.value).get_array()) {
      ids.push_back(int64_t(row["ID"]));
    }
  }
  ASSERT_EQ(ids.size(), 300u);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], static_cast<int64_t>(i));
}

TEST(ReplayIntegration, SigtermMidRunLosesNothingReportedDelivered) {
  const std::string path = WriteStream(5000);
  const std::string topic = UniqueName("sigterm");
  const std::string stats = testing::TempDir() + "/stats.json";
  testing::TimecastProcess replay({"replay", path, "-b", Brokers(), "-t", topic, "--create-topic",
                                   "--rate", "1000", "--stats-json", stats});
  std::this_thread::sleep_for(milliseconds(2500));
  replay.Signal(SIGTERM);
  const auto result = replay.Wait();
  EXPECT_EQ(result.exit_code, 130) << result.err;
  EXPECT_NE(result.err.find("interrupted by SIGTERM"), std::string::npos) << result.err;

  std::ifstream in(stats);
  std::stringstream text;
  text << in.rdbuf();
  simdjson::dom::parser parser;
  simdjson::dom::element summary = parser.parse(text.str());
  const uint64_t delivered = uint64_t(summary["delivered"]);
  EXPECT_EQ(uint64_t(summary["rows_sent"]), delivered);
  EXPECT_EQ(uint64_t(summary["undelivered"]), 0u);
  EXPECT_GT(delivered, 100u);
  EXPECT_LT(delivered, 5000u);

  const auto landed = ConsumeAll(topic, delivered);
  ASSERT_EQ(landed.size(), delivered);
  for (size_t i = 0; i < landed.size(); ++i) {
    ASSERT_EQ(IdOf(landed[i].value), static_cast<int64_t>(i)) << "a gap or a duplicate";
  }
  // The summary's delivered-through mark is the last row that landed (1000-row row groups).
  const std::string position{std::string_view(summary["delivered_through"]["position"])};
  const std::string expected = "row group " + std::to_string((delivered - 1) / 1000) + ", row " +
                               std::to_string((delivered - 1) % 1000);
  ASSERT_GE(position.size(), expected.size());
  EXPECT_EQ(position.substr(position.size() - expected.size()), expected) << position;
}

// A SIGTERM, then the command the summary printed, pasted into a shell: each
// row lands once, over three partitions.
TEST(ReplayIntegration, SigtermThenThePrintedCommandLandsEveryRowOnce) {
  const std::string path = WriteStream(4000);
  const std::string topic = UniqueName("continue");
  testing::TimecastProcess replay({"replay", path, "-b", Brokers(), "-t", topic, "--create-topic",
                                   "--partitions", "3", "--key", "ID", "--rate", "2000"});
  std::this_thread::sleep_for(milliseconds(1200));
  replay.Signal(SIGTERM);
  const auto stopped = replay.Wait();
  ASSERT_EQ(stopped.exit_code, 130) << stopped.err;
  const std::string intro = "replay: to continue exactly after it:\n  ";
  const size_t at = stopped.err.find(intro);
  ASSERT_NE(at, std::string::npos) << stopped.err;
  const size_t begin = at + intro.size();
  const std::string command = stopped.err.substr(begin, stopped.err.find('\n', begin) - begin);
  EXPECT_NE(command.find(" --from-row 0:"), std::string::npos) << command;
  const auto rest = testing::RunShell(command);
  ASSERT_EQ(rest.exit_code, 0) << rest.err;

  const auto landed = ConsumeAll(topic, 4000);
  std::map<int64_t, int> per_id;
  for (const auto& record : landed) ++per_id[IdOf(record.value)];
  EXPECT_EQ(landed.size(), 4000u);
  ASSERT_EQ(per_id.size(), 4000u);
  for (const auto& [id, count] : per_id) EXPECT_EQ(count, 1) << "ID " << id;
}

TEST(ReplayIntegration, MissingTopicIsAKafkaErrorThatSaysHowToCreateIt) {
  const std::string path = WriteStream(10);
  const std::string topic = UniqueName("absent");
  const auto result = RunTimecast({"replay", path, "-b", Brokers(), "-t", topic, "--topspeed"});
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_NE(result.err.find("timecast: error: topic '" + topic + "' does not exist"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("--create-topic"), std::string::npos);
}

TEST(ReplayIntegration, UnreachableBrokerFailsAfterTheConnectTimeout) {
  const std::string path = WriteStream(10);
  const auto start = std::chrono::steady_clock::now();
  const auto result = RunTimecast({"replay", path, "-b", "127.0.0.1:1", "-t", "x",
                                   "--connect-timeout", "2s"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(10));
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_NE(result.err.find("no Kafka broker answered at 127.0.0.1:1 within 2000 ms"),
            std::string::npos)
      << result.err;
}

TEST(ReplayIntegration, OldEventTimestampsOnAShortRetentionTopicWarn) {
  const std::string path = WriteStream(10);
  const std::string topic = UniqueName("retention");
  // A topic with a week of retention, as brokers create by default.
  const auto create = RunTimecast({"replay", path, "-b", Brokers(), "-t", topic, "--create-topic",
                                   "--topspeed", "--until", "0"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  kafka::Config config;
  config.Set("bootstrap.servers", Brokers());
  // Set retention.ms=604800000 on the topic through the admin API.
  auto producer = kafka::Producer::Create(config);
  ASSERT_TRUE(producer.ok());
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  rd_kafka_ConfigResource_set_config(resource, "retention.ms", "604800000");
  rd_kafka_queue_t* queue = rd_kafka_queue_new((*producer)->handle());
  rd_kafka_AlterConfigs((*producer)->handle(), &resource, 1, nullptr, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 10000);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(rd_kafka_event_error(event), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_ConfigResource_destroy(resource);

  const auto result = RunTimecast({"replay", path, "-b", Brokers(), "-t", topic, "--topspeed",
                                   "--timestamp", "Start_Time"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("warning: records carry event timestamps from"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("retention.ms=604800000"), std::string::npos);
}

}  // namespace
}  // namespace timecast
