#include "kafka/consumer.h"

#include "kafka/admin.h"
#include "util/status.h"

namespace timecast::kafka {

arrow::Result<std::unique_ptr<Consumer>> Consumer::Create(const Config& config) {
  std::unique_ptr<Consumer> consumer(new Consumer());
  ARROW_ASSIGN_OR_RAISE(ConfPtr conf, config.Build());
  char errstr[512];
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof errstr);
  if (handle == nullptr) return util::KafkaError("cannot create Kafka consumer: {}", errstr);
  conf.release();
  consumer->handle_.reset(handle);
  rd_kafka_poll_set_consumer(handle);
  return consumer;
}

Consumer::~Consumer() { (void)Close(); }

arrow::Status Consumer::Subscribe(const std::vector<std::string>& topics) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& topic : topics) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (auto err = rd_kafka_subscribe(handle_.get(), list.get())) {
    return ErrorStatus(err, "subscribing");
  }
  return arrow::Status::OK();
}

arrow::Status Consumer::AssignAllFromBeginning(const std::vector<std::string>& topics,
                                               std::chrono::milliseconds timeout) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(0));
  for (const auto& topic : topics) {
    ARROW_ASSIGN_OR_RAISE(int partitions, PartitionCount(handle_.get(), topic, timeout));
    for (int p = 0; p < partitions; ++p) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  if (auto err = rd_kafka_assign(handle_.get(), list.get())) return ErrorStatus(err, "assigning");
  return arrow::Status::OK();
}

MessagePtr Consumer::Poll(std::chrono::milliseconds timeout) {
  return MessagePtr(rd_kafka_consumer_poll(handle_.get(), static_cast<int>(timeout.count())));
}

arrow::Status Consumer::Close() {
  if (closed_ || !handle_) return arrow::Status::OK();
  closed_ = true;
  if (auto err = rd_kafka_consumer_close(handle_.get())) {
    return ErrorStatus(err, "closing consumer");
  }
  return arrow::Status::OK();
}

}  // namespace timecast::kafka
