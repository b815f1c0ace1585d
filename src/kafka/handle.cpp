#include "kafka/handle.h"

#include "util/status.h"

namespace timecast::kafka {

arrow::Status ErrorStatus(rd_kafka_resp_err_t error, std::string_view context) {
  return util::KafkaError("{}: {}", context, rd_kafka_err2str(error));
}

PartitionListPtr ToPartitionList(const std::vector<TopicPartitionOffset>& partitions) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const TopicPartitionOffset& partition : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), partition.topic.c_str(), partition.partition)
        ->offset = partition.offset;
  }
  return list;
}

std::vector<TopicPartitionOffset> FromPartitionList(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartitionOffset> partitions;
  if (list == nullptr) return partitions;
  partitions.reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& element = list->elems[i];
    partitions.push_back({element.topic, element.partition, element.offset});
  }
  return partitions;
}

std::string_view LibraryVersion() { return rd_kafka_version_str(); }

}  // namespace timecast::kafka
