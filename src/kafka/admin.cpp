#include "kafka/admin.h"

#include <memory>
#include <thread>

#include "kafka/handle.h"
#include "util/status.h"

namespace timecast::kafka {
namespace {

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const { rd_kafka_metadata_destroy(metadata); }
};
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};

arrow::Result<MetadataPtr> AllTopicsMetadata(rd_kafka_t* handle, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  if (auto err = rd_kafka_metadata(handle, 1, nullptr, &metadata, static_cast<int>(timeout.count()))) {
    return ErrorStatus(err, "metadata request");
  }
  return MetadataPtr(metadata);
}

// Runs one admin request on a private queue and waits for its result event.
template <typename Issue>
arrow::Result<std::unique_ptr<rd_kafka_event_t, EventDeleter>> RunAdmin(
    rd_kafka_t* handle, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout, Issue issue) {
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(handle));
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> options(
      rd_kafka_AdminOptions_new(handle, op), &rd_kafka_AdminOptions_destroy);
  char errstr[512];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), static_cast<int>(timeout.count()),
                                            errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), static_cast<int>(timeout.count()),
                                              errstr, sizeof errstr);
  issue(options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(
      rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count()) + 1000));
  if (!event) return util::KafkaError("admin request timed out after {} ms", timeout.count());
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return util::KafkaError("{}", rd_kafka_event_error_string(event.get()));
  }
  return event;
}

}  // namespace

arrow::Status CheckReachable(rd_kafka_t* handle, const std::string& brokers,
                             std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  auto err = rd_kafka_metadata(handle, 0, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (err) {
    return util::KafkaError("no Kafka broker answered at {} within {} ms ({})", brokers,
                            timeout.count(), rd_kafka_err2str(err));
  }
  rd_kafka_metadata_destroy(metadata);
  return arrow::Status::OK();
}

arrow::Result<std::optional<int>> FindTopic(rd_kafka_t* handle, const std::string& topic,
                                            std::chrono::milliseconds timeout) {
  ARROW_ASSIGN_OR_RAISE(MetadataPtr metadata, AllTopicsMetadata(handle, timeout));
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& t = metadata->topics[i];
    if (topic == t.topic && t.err == RD_KAFKA_RESP_ERR_NO_ERROR) return t.partition_cnt;
  }
  return std::nullopt;
}

arrow::Result<int> PartitionCount(rd_kafka_t* handle, const std::string& topic,
                                  std::chrono::milliseconds timeout) {
  ARROW_ASSIGN_OR_RAISE(std::optional<int> partitions, FindTopic(handle, topic, timeout));
  if (!partitions) return util::KafkaError("topic '{}' does not exist", topic);
  return *partitions;
}

arrow::Status CreateTopic(rd_kafka_t* handle, const TopicSpec& spec,
                          std::chrono::milliseconds timeout) {
  char errstr[512];
  std::unique_ptr<rd_kafka_NewTopic_t, decltype(&rd_kafka_NewTopic_destroy)> new_topic(
      rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.replication_factor, errstr,
                            sizeof errstr),
      &rd_kafka_NewTopic_destroy);
  if (!new_topic) return util::UsageError("topic '{}': {}", spec.name, errstr);
  for (const auto& [key, value] : spec.configs) {
    if (auto err = rd_kafka_NewTopic_set_config(new_topic.get(), key.c_str(), value.c_str())) {
      return ErrorStatus(err, "topic config " + key);
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto event,
                        RunAdmin(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout,
                                 [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                                   rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
                                   rd_kafka_CreateTopics(handle, topics, 1, options, queue);
                                 }));
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    auto err = rd_kafka_topic_result_error(results[i]);
    if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* text = rd_kafka_topic_result_error_string(results[i]);
      return util::KafkaError("creating topic '{}': {}", spec.name,
                              text ? text : rd_kafka_err2str(err));
    }
  }
  // The controller has it; brokers learn of it a moment later. Callers look
  // it up right away, so wait until metadata shows it.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ARROW_ASSIGN_OR_RAISE(auto partitions, FindTopic(handle, spec.name, timeout));
    if (partitions) return arrow::Status::OK();
    if (std::chrono::steady_clock::now() > deadline) {
      return util::KafkaError("topic '{}' was created but does not show in metadata after {} ms",
                              spec.name, timeout.count());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

arrow::Result<std::map<std::string, std::string>> DescribeTopicConfigs(
    rd_kafka_t* handle, const std::string& topic, std::chrono::milliseconds timeout) {
  std::unique_ptr<rd_kafka_ConfigResource_t, decltype(&rd_kafka_ConfigResource_destroy)> resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()),
      &rd_kafka_ConfigResource_destroy);
  ARROW_ASSIGN_OR_RAISE(auto event,
                        RunAdmin(handle, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout,
                                 [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                                   rd_kafka_ConfigResource_t* resources[] = {resource.get()};
                                   rd_kafka_DescribeConfigs(handle, resources, 1, options, queue);
                                 }));
  const rd_kafka_DescribeConfigs_result_t* result =
      rd_kafka_event_DescribeConfigs_result(event.get());
  size_t resource_count = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(result, &resource_count);
  std::map<std::string, std::string> configs;
  for (size_t r = 0; r < resource_count; ++r) {
    if (auto err = rd_kafka_ConfigResource_error(resources[r])) {
      return ErrorStatus(err, "describing topic '" + topic + "'");
    }
    size_t entry_count = 0;
    const rd_kafka_ConfigEntry_t** entries =
        rd_kafka_ConfigResource_configs(resources[r], &entry_count);
    for (size_t e = 0; e < entry_count; ++e) {
      const char* value = rd_kafka_ConfigEntry_value(entries[e]);
      configs[rd_kafka_ConfigEntry_name(entries[e])] = value ? value : "";
    }
  }
  return configs;
}

arrow::Result<Watermarks> QueryWatermarks(rd_kafka_t* handle, const std::string& topic,
                                          int32_t partition, std::chrono::milliseconds timeout) {
  Watermarks marks;
  if (auto err = rd_kafka_query_watermark_offsets(handle, topic.c_str(), partition, &marks.low,
                                                  &marks.high, static_cast<int>(timeout.count()))) {
    return ErrorStatus(err,
                       "reading the offsets of " + topic + " [" + std::to_string(partition) + "]");
  }
  return marks;
}

std::string_view GroupStateName(GroupState state) {
  return rd_kafka_consumer_group_state_name(static_cast<rd_kafka_consumer_group_state_t>(state));
}

arrow::Result<GroupDescription> DescribeGroup(rd_kafka_t* handle, const std::string& group,
                                              std::chrono::milliseconds timeout) {
  ARROW_ASSIGN_OR_RAISE(
      auto event, RunAdmin(handle, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout,
                           [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                             const char* groups[] = {group.c_str()};
                             rd_kafka_DescribeConsumerGroups(handle, groups, 1, options, queue);
                           }));
  size_t count = 0;
  const rd_kafka_ConsumerGroupDescription_t** groups =
      rd_kafka_DescribeConsumerGroups_result_groups(
          rd_kafka_event_DescribeConsumerGroups_result(event.get()), &count);
  if (count != 1) return util::KafkaError("describing group '{}': {} answers", group, count);
  GroupDescription description;
  if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(groups[0])) {
    description.error = rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED
                            ? GroupError::kNotAuthorized
                            : GroupError::kOther;
    description.error_message = rd_kafka_error_string(error);
    return description;
  }
  description.state = static_cast<GroupState>(rd_kafka_ConsumerGroupDescription_state(groups[0]));
  for (size_t m = 0; m < rd_kafka_ConsumerGroupDescription_member_count(groups[0]); ++m) {
    const rd_kafka_MemberDescription_t* member =
        rd_kafka_ConsumerGroupDescription_member(groups[0], m);
    GroupDescription::Member& out = description.members.emplace_back();
    out.member_id = rd_kafka_MemberDescription_consumer_id(member);
    const rd_kafka_topic_partition_list_t* partitions =
        rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(member));
    for (int p = 0; partitions && p < partitions->cnt; ++p) {
      out.assignment.emplace(partitions->elems[p].topic, partitions->elems[p].partition);
    }
  }
  return description;
}

}  // namespace timecast::kafka
