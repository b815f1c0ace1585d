// Cluster questions asked through any client handle: is it reachable, does a
// topic exist and how many partitions does it have, its configs, a
// partition's offsets, a consumer group's state; topic creation.
#pragma once

#include <arrow/result.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/handle.h"

namespace timecast::kafka {

// Fails with a Kafka-class error naming `brokers` when no broker answers a
// metadata request within `timeout`.
arrow::Status CheckReachable(rd_kafka_t* handle, const std::string& brokers,
                             std::chrono::milliseconds timeout);

// The topic's partition count, or nullopt when the cluster has no such topic.
// Lists all topics, so asking never auto-creates one.
arrow::Result<std::optional<int>> FindTopic(rd_kafka_t* handle, const std::string& topic,
                                            std::chrono::milliseconds timeout);

// Like FindTopic, but a missing topic is an error.
arrow::Result<int> PartitionCount(rd_kafka_t* handle, const std::string& topic,
                                  std::chrono::milliseconds timeout);

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = -1;  // -1: the broker's default.replication.factor
  std::map<std::string, std::string> configs;
};

// Creates the topic and returns once metadata shows it; an existing topic of
// that name is not an error.
arrow::Status CreateTopic(rd_kafka_t* handle, const TopicSpec& spec,
                          std::chrono::milliseconds timeout);

// The topic's effective configs (DescribeConfigs), e.g. "retention.ms".
arrow::Result<std::map<std::string, std::string>> DescribeTopicConfigs(
    rd_kafka_t* handle, const std::string& topic, std::chrono::milliseconds timeout);

// The partition's watermarks as the brokers have them now (a request;
// read_committed clients get the last stable offset as `high`). Fails naming
// "the offsets of TOPIC [PARTITION]".
arrow::Result<Watermarks> QueryWatermarks(rd_kafka_t* handle, const std::string& topic,
                                          int32_t partition, std::chrono::milliseconds timeout);

// A consumer group's state, as the coordinator reports it.
enum class GroupState {
  kUnknown = RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN,
  kPreparingRebalance = RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE,
  kCompletingRebalance = RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE,
  kStable = RD_KAFKA_CONSUMER_GROUP_STATE_STABLE,
  kDead = RD_KAFKA_CONSUMER_GROUP_STATE_DEAD,
  kEmpty = RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY,
};

// The state's name as Kafka spells it: "Stable", "PreparingRebalance", ...
std::string_view GroupStateName(GroupState state);

// What the coordinator answered for a group it would not describe.
enum class GroupError {
  kNone,
  kNotAuthorized,  // GROUP_AUTHORIZATION_FAILED: this client may not describe it
  kOther,          // e.g. the coordinator is still loading
};

// A consumer group as its coordinator sees it (DescribeConsumerGroups).
struct GroupDescription {
  // Set when the coordinator answered for the group with an error; the rest
  // is then empty.
  GroupError error = GroupError::kNone;
  std::string error_message;
  GroupState state = GroupState::kUnknown;
  struct Member {
    std::string member_id;
    std::set<std::pair<std::string, int32_t>> assignment;  // (topic, partition)
  };
  std::vector<Member> members;
};

// Describes `group`; a failed request (timeout, no coordinator) is an error,
// the coordinator's answer for the group is in GroupDescription::error.
arrow::Result<GroupDescription> DescribeGroup(rd_kafka_t* handle, const std::string& group,
                                              std::chrono::milliseconds timeout);

}  // namespace timecast::kafka
