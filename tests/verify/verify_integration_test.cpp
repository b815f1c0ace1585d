// `timecast verify` catches what can go wrong between a dataset and a topic:
// missing, duplicated, unexpected and differing records, each with exit 6.
#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>

#include "kafka/admin.h"
#include "kafka/producer.h"
#include "test_support.h"

namespace timecast {
namespace {

using std::chrono::seconds;
using timecast::testing::Brokers;
using timecast::testing::RunTimecast;
using timecast::testing::UniqueName;

std::string WriteStream(int accidents) {
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
  auto schema = arrow::schema({arrow::field("Event", arrow::utf8()), arrow::field("Stream_Time", arrow::float64()),
                               arrow::field("ID", arrow::int32())});
  auto table = arrow::Table::Make(schema, {events.Finish().ValueOrDie(), times.Finish().ValueOrDie(),
                                           ids.Finish().ValueOrDie()});
  auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  EXPECT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 1000).ok());
  EXPECT_TRUE(out->Close().ok());
  return path;
}

std::string NewTopic(int partitions = 2) {
  const std::string topic = UniqueName("verify");
  kafka::Config config;
  config.Set("bootstrap.servers", Brokers());
  auto producer = kafka::Producer::Create(config);
  EXPECT_TRUE(kafka::CreateTopic((*producer)->handle(), {topic, partitions, 1, {}}, seconds(20)).ok());
  return topic;
}

void Replay(const std::string& path, const std::string& topic, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"replay", path, "-b", Brokers(), "-t", topic, "-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  if (std::find(extra.begin(), extra.end(), "--rate") == extra.end()) args.push_back("--topspeed");
  const auto result = RunTimecast(args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
}

void Produce(const std::string& topic, const std::string& value) {
  kafka::Config config;
  config.Set("bootstrap.servers", Brokers());
  auto producer = kafka::Producer::Create(config);
  kafka::Message message;
  message.topic = *(*producer)->Topic(topic);
  message.value = value;
  ASSERT_TRUE((*producer)->Produce(message).ok());
  ASSERT_TRUE((*producer)->Flush(seconds(10)).ok());
}

testing::CommandResult Verify(const std::string& path, const std::vector<std::string>& topics) {
  std::vector<std::string> args = {"verify", path, "-b", Brokers()};
  for (const auto& topic : topics) args.insert(args.end(), {"-t", topic});
  return RunTimecast(args);
}

TEST(VerifyIntegration, AFaithfulReplayVerifiesWithLateness) {
  const std::string path = WriteStream(500);
  const std::string topic = NewTopic();
  Replay(path, topic, {"--key", "ID", "--rate", "20000", "--trace-headers"});
  const auto result = Verify(path, {topic});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("matched 1,000, missing 0, duplicated 0, unexpected 0, differing 0"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("out of time order within a partition: 0"), std::string::npos);
  EXPECT_NE(result.out.find("verify: lateness"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("verify: OK"), std::string::npos);
}

TEST(VerifyIntegration, ReplayingTwiceIsCaughtAsDuplicates) {
  const std::string path = WriteStream(100);
  const std::string topic = NewTopic();
  Replay(path, topic);
  Replay(path, topic);
  const auto result = Verify(path, {topic});
  EXPECT_EQ(result.exit_code, 6) << result.out << result.err;
  EXPECT_NE(result.out.find("duplicated 200"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("2 copies of one source row"), std::string::npos) << result.out;
  EXPECT_NE(result.err.find("timecast: error: 0 missing, 200 duplicated"), std::string::npos) << result.err;
}

TEST(VerifyIntegration, AShortReplayIsCaughtAsMissingRowsNamedByKey) {
  const std::string path = WriteStream(100);
  const std::string topic = NewTopic();
  Replay(path, topic, {"--until", "50"});
  const auto result = Verify(path, {topic});
  EXPECT_EQ(result.exit_code, 6);
  EXPECT_NE(result.out.find("missing 100"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("missing: " + path + ", row group 0, row 100 (ID+Event 50 Start)"),
            std::string::npos)
      << result.out;
}

TEST(VerifyIntegration, ForeignAndAlteredRecordsAreCaught) {
  const std::string path = WriteStream(10);
  const std::string topic = NewTopic(1);
  Replay(path, topic, {"--until", "9"});  // all but accident 9
  Produce(topic, R"({"Event":"Start","Stream_Time":9,"ID":9})");   // the same bytes: fine
  Produce(topic, R"({"Event":"End","Stream_Time":9.25,"ID":9})");  // wrong time
  Produce(topic, R"({"Event":"Start","Stream_Time":1,"ID":77})");  // not in the source
  const auto result = Verify(path, {topic});
  EXPECT_EQ(result.exit_code, 6);
  EXPECT_NE(result.out.find("matched 19, missing 0, duplicated 0, unexpected 1, differing 1"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("out of time order within a partition: 1"), std::string::npos) << result.out;
}

TEST(VerifyIntegration, SplitTopicsTogetherEqualTheSource) {
  const std::string path = WriteStream(300);
  const std::string in = NewTopic(), start = NewTopic(), end = NewTopic();
  Replay(path, in, {"--key", "ID"});
  const auto split = RunTimecast({"split", "--from", in, "--route", "Event=Start:" + start, "--route",
                                  "Event=End:" + end, "--group", UniqueName("g"), "-b", Brokers(),
                                  "--until-idle", "2s", "-q"});
  ASSERT_EQ(split.exit_code, 0) << split.err;
  EXPECT_EQ(Verify(path, {start, end}).exit_code, 0);
  const auto only_starts = Verify(path, {start});
  EXPECT_EQ(only_starts.exit_code, 6);
  EXPECT_NE(only_starts.out.find("missing 300"), std::string::npos) << only_starts.out;
}

TEST(VerifyIntegration, TickArraysAreCheckedElementByElement) {
  const std::string path = WriteStream(200);
  const std::string topic = NewTopic();
  Replay(path, topic, {"--format", "tick-array"});
  const auto result = Verify(path, {topic});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("= 400 records"), std::string::npos) << result.out;
}

TEST(VerifyIntegration, MissingTopicIsAKafkaError) {
  const auto result = Verify(WriteStream(1), {UniqueName("absent")});
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_NE(result.err.find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace timecast
