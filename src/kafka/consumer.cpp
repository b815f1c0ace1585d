#include "kafka/consumer.h"

#include <utility>

#include "kafka/admin.h"
#include "util/status.h"

namespace timecast::kafka {

arrow::Result<std::unique_ptr<Consumer>> Consumer::Create(const Config& config,
                                                          RebalanceHandler on_rebalance) {
  std::unique_ptr<Consumer> consumer(new Consumer());
  ARROW_ASSIGN_OR_RAISE(ConfPtr conf, WithQuietLogs(config).Build());
  if (on_rebalance) {
    consumer->on_rebalance_ = std::move(on_rebalance);
    rd_kafka_conf_set_rebalance_cb(conf.get(), &Consumer::OnRebalance);
    rd_kafka_conf_set_opaque(conf.get(), consumer.get());
  }
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

std::optional<ConsumedMessage> Consumer::Poll(std::chrono::milliseconds timeout) {
  MessagePtr message(rd_kafka_consumer_poll(handle_.get(), static_cast<int>(timeout.count())));
  if (!message) return std::nullopt;
  return ConsumedMessage(std::move(message));
}

arrow::Status Consumer::Close() {
  if (closed_ || !handle_) return arrow::Status::OK();
  closed_ = true;
  if (auto err = rd_kafka_consumer_close(handle_.get())) {
    return ErrorStatus(err, "closing consumer");
  }
  return arrow::Status::OK();
}

void Consumer::OnRebalance(rd_kafka_t*, rd_kafka_resp_err_t event,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<Consumer*>(opaque)->on_rebalance_(
      event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? RebalanceEvent::kAssigned
                                                    : RebalanceEvent::kRevoked,
      FromPartitionList(partitions));
}

arrow::Result<std::vector<TopicPartitionOffset>> Consumer::Positions() {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (auto err = rd_kafka_assignment(handle_.get(), &raw)) return ErrorStatus(err, "assignment");
  PartitionListPtr list(raw);
  if (auto err = rd_kafka_position(handle_.get(), list.get())) return ErrorStatus(err, "position");
  return FromPartitionList(list.get());
}

std::optional<Watermarks> Consumer::CachedWatermarks(const std::string& topic,
                                                     int32_t partition) const {
  Watermarks marks;
  if (rd_kafka_get_watermark_offsets(handle_.get(), topic.c_str(), partition, &marks.low,
                                     &marks.high) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  return marks;
}

arrow::Status Consumer::RewindToCommitted(std::chrono::milliseconds timeout) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (auto err = rd_kafka_assignment(handle_.get(), &raw)) return ErrorStatus(err, "assignment");
  PartitionListPtr list(raw);
  if (list->cnt == 0) return arrow::Status::OK();
  if (auto err = rd_kafka_committed(handle_.get(), list.get(), static_cast<int>(timeout.count()))) {
    return ErrorStatus(err, "reading committed offsets");
  }
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].offset < 0) list->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  if (rd_kafka_error_t* raw_error =
          rd_kafka_seek_partitions(handle_.get(), list.get(), static_cast<int>(timeout.count()))) {
    ErrorPtr error(raw_error);
    return util::KafkaError("seeking to committed offsets: {}", rd_kafka_error_string(error.get()));
  }
  return arrow::Status::OK();
}

std::string Consumer::MemberId() const {
  char* id = rd_kafka_memberid(handle_.get());
  std::string member_id = id ? id : "";
  if (id) rd_kafka_mem_free(handle_.get(), id);
  return member_id;
}

arrow::Status Consumer::Commit(const std::vector<TopicPartitionOffset>& offsets) {
  const PartitionListPtr list = ToPartitionList(offsets);
  if (auto err = rd_kafka_commit(handle_.get(), list.get(), /*async=*/0)) {
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return arrow::Status::OK();
    return ErrorStatus(err, "committing offsets");
  }
  return arrow::Status::OK();
}

arrow::Status Consumer::IncrementalAssign(const std::vector<TopicPartitionOffset>& partitions) {
  const PartitionListPtr list = ToPartitionList(partitions);
  if (rd_kafka_error_t* raw = rd_kafka_incremental_assign(handle_.get(), list.get())) {
    ErrorPtr error(raw);
    return util::KafkaError("incremental assign: {}", rd_kafka_error_string(error.get()));
  }
  return arrow::Status::OK();
}

arrow::Status Consumer::IncrementalUnassign(const std::vector<TopicPartitionOffset>& partitions) {
  const PartitionListPtr list = ToPartitionList(partitions);
  if (rd_kafka_error_t* raw = rd_kafka_incremental_unassign(handle_.get(), list.get())) {
    ErrorPtr error(raw);
    return util::KafkaError("incremental unassign: {}", rd_kafka_error_string(error.get()));
  }
  return arrow::Status::OK();
}

}  // namespace timecast::kafka
