// A produce -> consume round trip through the real broker: keys (and a null
// key), headers and timestamps arrive as they were sent.
#include <gtest/gtest.h>

#include <map>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "test_support.h"

namespace timecast::kafka {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(KafkaRoundTrip, KeysHeadersAndTimestampsSurvive) {
  const std::string brokers = testing::Brokers();
  const std::string topic_name = testing::UniqueName("roundtrip");

  Config producer_config;
  producer_config.Set("bootstrap.servers", brokers);
  producer_config.Set("enable.idempotence", "true");
  producer_config.Set("acks", "all");
  auto producer = Producer::Create(producer_config);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  ASSERT_TRUE(CheckReachable((*producer)->handle(), brokers, seconds(10)).ok());
  ASSERT_TRUE(CreateTopic((*producer)->handle(), {topic_name, 2, 1, {{"retention.ms", "-1"}}},
                          seconds(10))
                  .ok());
  auto topic = (*producer)->Topic(topic_name);
  ASSERT_TRUE(topic.ok());

  constexpr int kMessages = 20;
  const int64_t base_timestamp = 1454910360000;  // 2016-02-08 05:46:00 UTC
  for (int i = 0; i < kMessages; ++i) {
    const std::string key = "A-" + std::to_string(i);
    const std::string value = "{\"ID\":" + std::to_string(i) + "}";
    const std::string due = std::to_string(i * 1000);
    const Header headers[] = {{"event", i % 2 ? "End" : "Start"}, {"due", due}};
    Message message;
    message.topic = *topic;
    if (i != 0) message.key = key;  // the first message has a null key
    message.value = value;
    message.headers = headers;
    message.timestamp_ms = base_timestamp + i;
    ASSERT_TRUE((*producer)->Produce(message).ok());
  }
  ASSERT_TRUE((*producer)->Flush(seconds(30)).ok());
  EXPECT_EQ((*producer)->counts().delivered, static_cast<uint64_t>(kMessages));

  Config consumer_config;
  consumer_config.Set("bootstrap.servers", brokers);
  consumer_config.Set("group.id", testing::UniqueName("roundtrip-group"));
  consumer_config.Set("enable.auto.commit", "false");
  auto consumer = Consumer::Create(consumer_config);
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  ASSERT_TRUE((*consumer)->AssignAllFromBeginning({topic_name}, seconds(10)).ok());

  std::map<int, bool> seen;
  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (seen.size() < kMessages && std::chrono::steady_clock::now() < deadline) {
    std::optional<ConsumedMessage> message = (*consumer)->Poll(milliseconds(500));
    if (!message) continue;
    ASSERT_EQ(message->kind(), ConsumedMessage::Kind::kRecord) << message->error_text();
    const std::string value(message->value());
    const int id = std::stoi(value.substr(6));
    EXPECT_FALSE(seen[id]) << "duplicate " << id;
    seen[id] = true;
    if (id == 0) {
      EXPECT_EQ(message->key(), std::nullopt);
    } else {
      EXPECT_EQ(message->key(), "A-" + std::to_string(id));
    }
    EXPECT_EQ(message->timestamp_ms(), base_timestamp + id);
    EXPECT_EQ(message->timestamp_type(), ConsumedMessage::TimestampType::kCreateTime);
    EXPECT_EQ(message->LastHeader("event"), id % 2 ? "End" : "Start");
    EXPECT_EQ(message->LastHeader("due"), std::to_string(id * 1000));
    EXPECT_EQ(message->IntegerHeader("due"), id * 1000);
    EXPECT_EQ(message->LastHeader("missing"), std::nullopt);
    std::vector<Header> headers;
    message->AppendHeaders(&headers);
    ASSERT_EQ(headers.size(), 2u);
    EXPECT_EQ(headers[0].name, "event");
    EXPECT_EQ(headers[1].name, "due");
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kMessages));
}

TEST(KafkaRoundTrip, UnreachableBrokerFailsWithinTheBoundNamingTheAddress) {
  Config config;
  config.Set("bootstrap.servers", "127.0.0.1:1");
  auto producer = Producer::Create(config);
  ASSERT_TRUE(producer.ok());
  const auto start = std::chrono::steady_clock::now();
  const auto status = CheckReachable((*producer)->handle(), "127.0.0.1:1", milliseconds(1500));
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("127.0.0.1:1"), std::string::npos) << status.message();
}

TEST(KafkaRoundTrip, MissingTopicIsReportedNotCreated) {
  Config config;
  config.Set("bootstrap.servers", testing::Brokers());
  auto producer = Producer::Create(config);
  ASSERT_TRUE(producer.ok());
  const std::string name = testing::UniqueName("absent");
  auto found = FindTopic((*producer)->handle(), name, seconds(10));
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_FALSE(found->has_value());
  found = FindTopic((*producer)->handle(), name, seconds(10));
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value()) << "asking about a topic must not create it";
}

}  // namespace
}  // namespace timecast::kafka
