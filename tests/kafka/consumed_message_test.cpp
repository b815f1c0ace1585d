// What Consumer::Poll hands back, read through ConsumedMessage, against
// librdkafka's in-process mock cluster: no broker needed.
#include "kafka/consumed_message.h"

#include <gtest/gtest.h>

#include "kafka/consumer.h"
#include "kafka/producer.h"
// After rdkafka.h, which kafka/producer.h includes.
#include <librdkafka/rdkafka_mock.h>

namespace timecast::kafka {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ConsumedMessageTest : public testing::Test {
 protected:
  void SetUp() override {
    Config config;
    config.Set("test.mock.num.brokers", "1");
    auto producer = Producer::Create(config);
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    producer_ = std::move(*producer);
    rd_kafka_mock_cluster_t* cluster = rd_kafka_handle_mock_cluster(producer_->handle());
    ASSERT_NE(cluster, nullptr);
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster, "t", 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster);
  }

  void Produce(const Message& message) {
    ASSERT_TRUE(producer_->Produce(message).ok());
    ASSERT_TRUE(producer_->Flush(seconds(10)).ok());
  }

  std::unique_ptr<Consumer> Reader() {
    Config config;
    config.Set("bootstrap.servers", bootstrap_);
    config.Set("group.id", "consumed-message-test");
    config.Set("enable.auto.commit", "false");
    config.Set("enable.partition.eof", "true");
    auto consumer = Consumer::Create(config);
    EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
    EXPECT_TRUE((*consumer)->AssignAllFromBeginning({"t"}, seconds(10)).ok());
    return std::move(*consumer);
  }

  // The next message or event, or nullopt after 10 s.
  static std::optional<ConsumedMessage> Next(Consumer& consumer) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto message = consumer.Poll(milliseconds(100))) return message;
    }
    return std::nullopt;
  }

  std::unique_ptr<Producer> producer_;
  std::string bootstrap_;
};

TEST_F(ConsumedMessageTest, ARecordShowsWhatWasProduced) {
  auto topic = producer_->Topic("t");
  ASSERT_TRUE(topic.ok());
  const Header headers[] = {{"timecast.due", "1000"}, {"event", "Start"}, {"timecast.due", "42"}};
  Message keyed;
  keyed.topic = *topic;
  keyed.key = "A-1";
  keyed.value = R"({"ID":1})";
  keyed.headers = headers;
  keyed.timestamp_ms = 1454910360000;
  Produce(keyed);
  Message bare;
  bare.topic = *topic;
  bare.value = "";
  bare.timestamp_ms = 1454910360001;
  Produce(bare);

  auto consumer = Reader();
  const auto polled_first = Next(*consumer);
  ASSERT_TRUE(polled_first.has_value());
  const ConsumedMessage& first = *polled_first;
  ASSERT_EQ(first.kind(), ConsumedMessage::Kind::kRecord) << first.error_text();
  EXPECT_EQ(first.error_text(), "");
  EXPECT_EQ(first.topic(), "t");
  EXPECT_EQ(first.partition(), 0);
  EXPECT_EQ(first.offset(), 0);
  EXPECT_EQ(first.key(), "A-1");
  EXPECT_EQ(first.value(), R"({"ID":1})");
  EXPECT_EQ(first.timestamp_ms(), 1454910360000);
  EXPECT_EQ(first.timestamp_type(), ConsumedMessage::TimestampType::kCreateTime);
  std::vector<Header> read{{"kept", "before"}};
  first.AppendHeaders(&read);
  ASSERT_EQ(read.size(), 4u) << "appended after what was there";
  EXPECT_EQ(read[1].name, "timecast.due");
  EXPECT_EQ(read[1].value, "1000");
  EXPECT_EQ(read[2].name, "event");
  EXPECT_EQ(read[3].value, "42");
  EXPECT_EQ(first.LastHeader("timecast.due"), "42") << "the last of two";
  EXPECT_EQ(first.IntegerHeader("timecast.due"), 42);
  EXPECT_EQ(first.IntegerHeader("event"), std::nullopt) << "not a number";
  EXPECT_EQ(first.LastHeader("timecast.sent"), std::nullopt);

  const auto polled_second = Next(*consumer);
  ASSERT_TRUE(polled_second.has_value());
  const ConsumedMessage& second = *polled_second;
  ASSERT_EQ(second.kind(), ConsumedMessage::Kind::kRecord) << second.error_text();
  EXPECT_EQ(second.offset(), 1);
  EXPECT_EQ(second.key(), std::nullopt) << "no key is not an empty key";
  EXPECT_EQ(second.value(), "");
  std::vector<Header> none;
  second.AppendHeaders(&none);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(second.IntegerHeader("timecast.due"), std::nullopt);

  const auto polled_end = Next(*consumer);
  ASSERT_TRUE(polled_end.has_value());
  const ConsumedMessage& end = *polled_end;
  EXPECT_EQ(end.kind(), ConsumedMessage::Kind::kEndOfPartition);
  EXPECT_EQ(end.topic(), "t");
  EXPECT_EQ(end.partition(), 0);
  EXPECT_FALSE(end.permanent_error());

  auto positions = consumer->Positions();
  ASSERT_TRUE(positions.ok()) << positions.status().ToString();
  EXPECT_EQ(*positions, (std::vector<TopicPartitionOffset>{{"t", 0, 2}}));
  const auto marks = consumer->CachedWatermarks("t", 0);
  ASSERT_TRUE(marks.has_value());
  EXPECT_EQ(marks->high, 2);
  const auto unseen = consumer->CachedWatermarks("no-such-topic", 0);
  EXPECT_TRUE(!unseen || unseen->high == kNoOffset) << "nothing known, nothing made up";
}

}  // namespace
}  // namespace timecast::kafka
