// librdkafka's built-in mock cluster, which later fault-injection tests use,
// starts and accepts a produce through our Producer.
#include <gtest/gtest.h>

#include "kafka/producer.h"
// After rdkafka.h, which kafka/producer.h includes.
#include <librdkafka/rdkafka_mock.h>

namespace timecast::kafka {
namespace {

TEST(MockCluster, AcceptsAProduceAndReportsDelivery) {
  Config config;
  config.Set("test.mock.num.brokers", "1");
  config.Set("enable.idempotence", "true");
  config.Set("acks", "all");
  int reports = 0;
  auto producer = Producer::Create(config, [&](const DeliveryReport& report) {
    EXPECT_TRUE(report.delivered);
    ++reports;
  });
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  auto topic = (*producer)->Topic("mock-topic");
  ASSERT_TRUE(topic.ok());
  for (int i = 0; i < 10; ++i) {
    Message message;
    message.topic = *topic;
    message.value = "hello";
    ASSERT_TRUE((*producer)->Produce(message).ok());
  }
  ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());
  EXPECT_EQ((*producer)->counts().delivered, 10u);
  EXPECT_EQ(reports, 10);
}

TEST(MockCluster, UndeliverableMessagesMakeFlushFail) {
  Config config;
  config.Set("test.mock.num.brokers", "1");
  config.Set("message.timeout.ms", "300");
  auto producer = Producer::Create(config);
  ASSERT_TRUE(producer.ok());
  rd_kafka_mock_cluster_t* cluster = rd_kafka_handle_mock_cluster((*producer)->handle());
  ASSERT_NE(cluster, nullptr);
  // The only broker goes down: nothing can be delivered before the timeout.
  ASSERT_EQ(rd_kafka_mock_broker_set_down(cluster, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  auto topic = (*producer)->Topic("down-topic");
  ASSERT_TRUE(topic.ok());
  Message message;
  message.topic = *topic;
  message.value = "lost?";
  ASSERT_TRUE((*producer)->Produce(message).ok());
  const auto status = (*producer)->Flush(std::chrono::seconds(5));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("1 message(s) not delivered"), std::string::npos)
      << status.message();
  EXPECT_EQ((*producer)->counts().failed, 1u);
}

}  // namespace
}  // namespace timecast::kafka
