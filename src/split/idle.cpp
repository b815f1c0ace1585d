#include "split/idle.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace timecast::split {

void IdleTracker::Assigned(int32_t partition, Clock::time_point now) {
  at_end_[partition] = false;
  last_activity_ = now;
}

void IdleTracker::Revoked(int32_t partition, Clock::time_point now) {
  at_end_.erase(partition);
  last_activity_ = now;
}

void IdleTracker::Rewound(Clock::time_point now) {
  for (auto& [partition, at_end] : at_end_) at_end = false;
  last_activity_ = now;
}

void IdleTracker::Input(int32_t partition, Clock::time_point now) {
  if (auto it = at_end_.find(partition); it != at_end_.end()) it->second = false;
  last_activity_ = now;
}

void IdleTracker::ReachedEnd(int32_t partition) {
  if (auto it = at_end_.find(partition); it != at_end_.end()) it->second = true;
}

bool IdleTracker::Quiet(Clock::time_point now) const {
  return now - last_activity_ >= quiet_for_ &&
         std::all_of(at_end_.begin(), at_end_.end(),
                     [](const auto& entry) { return entry.second; });
}

std::set<int32_t> IdleTracker::assignment() const {
  std::set<int32_t> partitions;
  for (const auto& [partition, at_end] : at_end_) partitions.insert(partition);
  return partitions;
}

std::optional<std::string> WhyGroupIsUnsettled(const kafka::GroupDescription& group,
                                               const std::string& member_id,
                                               const std::string& topic, int partitions,
                                               const std::set<int32_t>& local) {
  if (group.error != kafka::GroupError::kNone)
    return "the coordinator answered: " + group.error_message;
  if (group.state != kafka::GroupState::kStable) {
    return fmt::format("the group is {}", kafka::GroupStateName(group.state));
  }
  if (member_id.empty()) return std::string("this instance has not joined the group yet");
  std::set<int32_t> owned;
  bool found = false;
  for (const auto& member : group.members) {
    std::set<int32_t> mine;
    for (const auto& [member_topic, partition] : member.assignment) {
      if (member_topic != topic) continue;
      owned.insert(partition);
      mine.insert(partition);
    }
    if (member.member_id == member_id) {
      found = true;
      if (mine != local) {
        return fmt::format("the coordinator assigns this instance [{}] of '{}', but it holds [{}]",
                           fmt::join(mine, ","), topic, fmt::join(local, ","));
      }
    }
  }
  if (!found) return std::string("this instance is not among the group's members yet");
  for (int32_t partition = 0; partition < partitions; ++partition) {
    if (!owned.count(partition))
      return fmt::format("'{}' [{}] is assigned to no member", topic, partition);
  }
  return std::nullopt;
}

GroupCheck CheckGroup(const arrow::Result<kafka::GroupDescription>& group,
                      const std::string& group_id, const std::string& member_id,
                      const std::string& topic, int partitions, const std::set<int32_t>& local) {
  GroupCheck check;
  if (!group.ok()) {
    check.waiting_for = "cannot describe the group";
    check.warning = fmt::format("cannot describe group '{}' ({}); --until-idle waits until it can",
                                group_id, group.status().message());
    return check;
  }
  if (group->error == kafka::GroupError::kNotAuthorized) {
    check.settled = true;
    check.warning = fmt::format(
        "not allowed to describe group '{}' ({}); --until-idle goes by this instance's own input "
        "only, so a rebalance under way can leave partitions unread",
        group_id, group->error_message);
    return check;
  }
  check.waiting_for = WhyGroupIsUnsettled(*group, member_id, topic, partitions, local).value_or("");
  check.settled = check.waiting_for.empty();
  return check;
}

}  // namespace timecast::split
