#include "split/idle.h"

#include <gtest/gtest.h>

namespace timecast::split {
namespace {

using std::chrono::milliseconds;
using Clock = IdleTracker::Clock;

const Clock::time_point t0{};

TEST(IdleTracker, QuietOnlyAfterTheDurationWithEveryPartitionReadToItsEnd) {
  IdleTracker idle(milliseconds(500), t0);
  EXPECT_FALSE(idle.Quiet(t0 + milliseconds(499)));
  EXPECT_TRUE(idle.Quiet(t0 + milliseconds(500))) << "no partitions: nothing to read";
  idle.Assigned(0, t0 + milliseconds(600));
  idle.Assigned(1, t0 + milliseconds(600));
  EXPECT_FALSE(idle.Quiet(t0 + milliseconds(1099))) << "an assignment change restarts the wait";
  EXPECT_FALSE(idle.Quiet(t0 + milliseconds(5000))) << "assigned partitions not read yet";
  idle.ReachedEnd(0);
  EXPECT_FALSE(idle.Quiet(t0 + milliseconds(5000)));
  idle.ReachedEnd(1);
  EXPECT_TRUE(idle.Quiet(t0 + milliseconds(5000)));
}

TEST(IdleTracker, InputClearsThePartitionsEndAndRestartsTheWait) {
  IdleTracker idle(milliseconds(500), t0);
  idle.Assigned(3, t0);
  idle.ReachedEnd(3);
  idle.Input(3, t0 + milliseconds(1000));
  EXPECT_FALSE(idle.Quiet(t0 + milliseconds(2000))) << "new input after the end";
  idle.ReachedEnd(3);
  EXPECT_FALSE(idle.Quiet(t0 + milliseconds(1499)));
  EXPECT_TRUE(idle.Quiet(t0 + milliseconds(1500)));
}

TEST(IdleTracker, ARewindMeansEveryPartitionIsReadAgain) {
  IdleTracker idle(milliseconds(100), t0);
  idle.Assigned(0, t0);
  idle.ReachedEnd(0);
  idle.Rewound(t0 + milliseconds(200));
  EXPECT_FALSE(idle.Quiet(t0 + milliseconds(1000)));
  idle.ReachedEnd(0);
  EXPECT_TRUE(idle.Quiet(t0 + milliseconds(1000)));
}

TEST(IdleTracker, RevokedPartitionsNoLongerCountAndEventsForThemAreIgnored) {
  IdleTracker idle(milliseconds(100), t0);
  idle.Assigned(0, t0);
  idle.Assigned(1, t0);
  idle.ReachedEnd(0);
  idle.Revoked(1, t0 + milliseconds(50));
  EXPECT_EQ(idle.assignment(), (std::set<int32_t>{0}));
  EXPECT_FALSE(idle.Quiet(t0 + milliseconds(149))) << "a revocation is an assignment change";
  EXPECT_TRUE(idle.Quiet(t0 + milliseconds(150)));
  idle.ReachedEnd(1);  // a late event for a partition no longer held
  EXPECT_EQ(idle.assignment(), (std::set<int32_t>{0}));
}

kafka::GroupDescription StableGroup() {
  kafka::GroupDescription group;
  group.state = kafka::GroupState::kStable;
  group.members.push_back({"me", {{"in", 0}, {"in", 1}}});
  group.members.push_back({"other", {{"in", 2}, {"in", 3}}});
  return group;
}

TEST(WhyGroupIsUnsettled, SettledWhenStableWithEveryPartitionOwnedAndOursApplied) {
  EXPECT_EQ(WhyGroupIsUnsettled(StableGroup(), "me", "in", 4, {0, 1}), std::nullopt);
}

TEST(WhyGroupIsUnsettled, ARebalanceUnderWayIsNotSettled) {
  auto group = StableGroup();
  group.state = kafka::GroupState::kPreparingRebalance;
  EXPECT_EQ(WhyGroupIsUnsettled(group, "me", "in", 4, {0, 1}), "the group is PreparingRebalance");
  group.state = kafka::GroupState::kCompletingRebalance;
  EXPECT_EQ(WhyGroupIsUnsettled(group, "me", "in", 4, {0, 1}), "the group is CompletingRebalance");
}

TEST(WhyGroupIsUnsettled, AnAssignmentNotYetAppliedHereIsNotSettled) {
  EXPECT_EQ(WhyGroupIsUnsettled(StableGroup(), "me", "in", 4, {}),
            "the coordinator assigns this instance [0,1] of 'in', but it holds []");
}

TEST(WhyGroupIsUnsettled, APartitionNoMemberOwnsIsNotSettled) {
  // Between the two rounds of a cooperative rebalance the revoked partitions
  // belong to no one while the group is Stable.
  auto group = StableGroup();
  group.members[1].assignment = {{"in", 2}, {"other-topic", 3}};
  EXPECT_EQ(WhyGroupIsUnsettled(group, "me", "in", 4, {0, 1}), "'in' [3] is assigned to no member");
}

TEST(WhyGroupIsUnsettled, NotJoinedOrNotAMemberIsNotSettled) {
  EXPECT_EQ(WhyGroupIsUnsettled(StableGroup(), "", "in", 4, {}),
            "this instance has not joined the group yet");
  EXPECT_EQ(WhyGroupIsUnsettled(StableGroup(), "left", "in", 4, {}),
            "this instance is not among the group's members yet");
  kafka::GroupDescription empty;
  empty.state = kafka::GroupState::kEmpty;
  EXPECT_EQ(WhyGroupIsUnsettled(empty, "me", "in", 4, {}), "the group is Empty");
}

TEST(WhyGroupIsUnsettled, ACoordinatorErrorIsNotSettled) {
  kafka::GroupDescription group;
  group.error = kafka::GroupError::kOther;
  group.error_message = "loading";
  EXPECT_EQ(WhyGroupIsUnsettled(group, "me", "in", 4, {}), "the coordinator answered: loading");
}

TEST(CheckGroup, ASettledGroupLetsTheInstanceStopWithoutAWarning) {
  const GroupCheck check = CheckGroup(StableGroup(), "g", "me", "in", 4, {0, 1});
  EXPECT_TRUE(check.settled);
  EXPECT_EQ(check.waiting_for, "");
  EXPECT_EQ(check.warning, "");
  const GroupCheck unsettled = CheckGroup(StableGroup(), "g", "me", "in", 4, {});
  EXPECT_FALSE(unsettled.settled);
  EXPECT_EQ(unsettled.waiting_for,
            "the coordinator assigns this instance [0,1] of 'in', but it holds []");
  EXPECT_EQ(unsettled.warning, "");
}

TEST(CheckGroup, AFailedRequestKeepsTheInstanceWaitingWithAWarning) {
  const GroupCheck check = CheckGroup(
      arrow::Status::IOError("admin request timed out after 5000 ms"), "g", "me", "in", 4, {});
  EXPECT_FALSE(check.settled);
  EXPECT_EQ(check.waiting_for, "cannot describe the group");
  EXPECT_EQ(check.warning,
            "cannot describe group 'g' (admin request timed out after 5000 ms); --until-idle waits "
            "until it can");
}

TEST(CheckGroup, ACoordinatorThatRefusesToDescribeLeavesLocalIdlenessWithAWarning) {
  kafka::GroupDescription refused;
  refused.error = kafka::GroupError::kNotAuthorized;
  refused.error_message = "Group authorization failed";
  const GroupCheck check = CheckGroup(refused, "g", "me", "in", 4, {});
  EXPECT_TRUE(check.settled);
  EXPECT_NE(check.warning.find("not allowed to describe group 'g' (Group authorization failed)"),
            std::string::npos)
      << check.warning;
  // Any other answer from the coordinator is waited out.
  refused.error = kafka::GroupError::kOther;
  EXPECT_FALSE(CheckGroup(refused, "g", "me", "in", 4, {}).settled);
}

}  // namespace
}  // namespace timecast::split
