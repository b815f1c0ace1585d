// When `split --until-idle` may stop. An instance stops only when it holds no
// unread input and its group has settled: a member that left while a
// rebalance was handing it partitions, or before it had joined at all, would
// strand those partitions once the other members stopped too.
#pragma once

#include <arrow/result.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "kafka/admin.h"

namespace timecast::split {

// This instance's side: quiet means every assigned partition was read to its
// end and neither input nor an assignment change came for `quiet_for`.
class IdleTracker {
 public:
  using Clock = std::chrono::steady_clock;

  IdleTracker(Clock::duration quiet_for, Clock::time_point start)
      : quiet_for_(quiet_for), last_activity_(start) {}

  void Assigned(int32_t partition, Clock::time_point now);
  void Revoked(int32_t partition, Clock::time_point now);
  // After a seek back to the committed offsets: librdkafka reports the end of
  // each partition again once it is re-read.
  void Rewound(Clock::time_point now);
  void Input(int32_t partition, Clock::time_point now);
  // librdkafka's end-of-partition event (enable.partition.eof).
  void ReachedEnd(int32_t partition);

  bool Quiet(Clock::time_point now) const;
  std::set<int32_t> assignment() const;

 private:
  Clock::duration quiet_for_;
  Clock::time_point last_activity_;
  std::map<int32_t, bool> at_end_;  // assigned partition -> read to its end
};

// Why the group has not settled yet, or nullopt once it has: the coordinator
// reports it Stable (no rebalance under way), `member_id` is a member whose
// assignment is `local` (so it has been applied here), and each of the
// topic's `partitions` partitions is assigned to some member.
std::optional<std::string> WhyGroupIsUnsettled(const kafka::GroupDescription& group,
                                               const std::string& member_id,
                                               const std::string& topic, int partitions,
                                               const std::set<int32_t>& local);

// What --until-idle makes of one attempt to describe the group.
struct GroupCheck {
  bool settled = false;
  std::string waiting_for;  // when not settled: why, for the progress line
  std::string warning;      // for stderr, once per distinct text
};

// A settled group (WhyGroupIsUnsettled) lets the instance stop. A failed
// request keeps it waiting until the coordinator can be asked; a coordinator
// that refuses to describe the group (not authorized) leaves only this
// instance's own idleness to go by.
GroupCheck CheckGroup(const arrow::Result<kafka::GroupDescription>& group,
                      const std::string& group_id, const std::string& member_id,
                      const std::string& topic, int partitions, const std::set<int32_t>& local);

}  // namespace timecast::split
