#include "clock/schedule.h"

#include <gtest/gtest.h>

#include "clock/clock.h"
#include "util/status.h"

namespace timecast::clock {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t kSecond = 1'000'000'000;

Schedule Make(PaceOptions options, Nanos span = Nanos(0)) {
  auto schedule = Schedule::Make(options, span);
  EXPECT_TRUE(schedule.ok()) << schedule.status().ToString();
  return *schedule;
}

TEST(Schedule, SpeedDividesDatasetTimeFromTheFirstRow) {
  Schedule schedule = Make({.mode = PaceMode::kSpeed, .speed = 10});
  const int64_t t0 = 1454910360 * kSecond;  // any epoch: only differences count
  EXPECT_EQ(schedule.Next(t0), Nanos(0));
  EXPECT_EQ(schedule.Next(t0 + 10 * kSecond), seconds(1));
  EXPECT_EQ(schedule.Next(t0 + 10 * kSecond), seconds(1));
  EXPECT_EQ(schedule.Next(t0 + 25 * kSecond), milliseconds(2500));
}

TEST(Schedule, RealTimeIsSpeedOne) {
  Schedule schedule = Make({});
  EXPECT_EQ(schedule.Next(5 * kSecond), Nanos(0));
  EXPECT_EQ(schedule.Next(7 * kSecond), seconds(2));
}

TEST(Schedule, FitSqueezesTheSpanIntoTheDuration) {
  // Five years of data into 60 seconds: the last row is due at exactly 60 s.
  const int64_t span = int64_t{5} * 365 * 86400 * kSecond;
  Schedule schedule = Make({.mode = PaceMode::kFit, .fit = seconds(60)}, Nanos(span));
  EXPECT_EQ(schedule.Next(0), Nanos(0));
  EXPECT_EQ(schedule.Next(span / 2), seconds(30));
  EXPECT_EQ(schedule.Next(span), seconds(60));
}

TEST(Schedule, FitOfAZeroSpanSendsEverythingAtOnce) {
  Schedule schedule = Make({.mode = PaceMode::kFit, .fit = seconds(60)}, Nanos(0));
  EXPECT_EQ(schedule.Next(42), Nanos(0));
  EXPECT_EQ(schedule.Next(42), Nanos(0));
}

TEST(Schedule, TopSpeedIsUnpacedAndAlwaysDue) {
  Schedule schedule = Make({.mode = PaceMode::kTopSpeed});
  EXPECT_FALSE(schedule.paced());
  EXPECT_EQ(schedule.Next(0), Nanos(0));
  EXPECT_EQ(schedule.Next(1000 * kSecond), Nanos(0));
}

TEST(Schedule, RateIgnoresGapsInTheData) {
  Schedule schedule = Make({.mode = PaceMode::kRate, .rate = 4});
  EXPECT_EQ(schedule.Next(0), Nanos(0));
  EXPECT_EQ(schedule.Next(3600 * kSecond), milliseconds(250));
  EXPECT_EQ(schedule.Next(3600 * kSecond), milliseconds(500));
  EXPECT_EQ(schedule.Next(7200 * kSecond), milliseconds(750));
}

TEST(Schedule, MaxGapShortensIdleStretchesInWallTime) {
  Schedule schedule = Make({.mode = PaceMode::kSpeed, .speed = 1, .max_gap = seconds(2)});
  EXPECT_EQ(schedule.Next(0), Nanos(0));
  EXPECT_EQ(schedule.Next(1 * kSecond), seconds(1));    // short gap kept
  EXPECT_EQ(schedule.Next(101 * kSecond), seconds(3));  // 100 s gap becomes 2 s
  EXPECT_EQ(schedule.Next(102 * kSecond), seconds(4));  // spacing after it kept
}

TEST(Schedule, MaxGapAppliesAfterSpeedScaling) {
  Schedule schedule = Make({.mode = PaceMode::kSpeed, .speed = 100, .max_gap = seconds(1)});
  EXPECT_EQ(schedule.Next(0), Nanos(0));
  EXPECT_EQ(schedule.Next(50 * kSecond), milliseconds(500));     // 0.5 s wall: kept
  EXPECT_EQ(schedule.Next(1050 * kSecond), milliseconds(1500));  // 10 s wall -> 1 s
}

TEST(Schedule, LoopStartsNextPassWithTheLastRow) {
  Schedule schedule = Make({.mode = PaceMode::kSpeed, .speed = 1});
  schedule.Next(100 * kSecond);
  EXPECT_EQ(schedule.Next(110 * kSecond), seconds(10));
  schedule.StartPass();
  EXPECT_EQ(schedule.Next(100 * kSecond), seconds(10));
  EXPECT_EQ(schedule.Next(105 * kSecond), seconds(15));
}

TEST(Schedule, ShiftSlidesLaterRowsBurstDoesNot) {
  Schedule burst = Make({.mode = PaceMode::kSpeed, .speed = 1, .when_late = LatePolicy::kBurst});
  Schedule shift = Make({.mode = PaceMode::kSpeed, .speed = 1, .when_late = LatePolicy::kShift});
  for (Schedule* schedule : {&burst, &shift}) {
    schedule->Next(0);
    schedule->OnLate(milliseconds(300));
  }
  EXPECT_EQ(burst.Next(kSecond), seconds(1));
  EXPECT_EQ(shift.Next(kSecond), milliseconds(1300));
  shift.OnLate(Nanos(-5));  // early is not late
  EXPECT_EQ(shift.Next(2 * kSecond), milliseconds(2300));
}

TEST(Schedule, ShiftCarriesAcrossLoops) {
  Schedule schedule = Make({.mode = PaceMode::kSpeed, .speed = 1, .when_late = LatePolicy::kShift});
  schedule.Next(0);
  schedule.OnLate(seconds(1));
  EXPECT_EQ(schedule.Next(2 * kSecond), seconds(3));
  schedule.StartPass();
  EXPECT_EQ(schedule.Next(0), seconds(3));
  EXPECT_EQ(schedule.Next(kSecond), seconds(4));
}

TEST(Schedule, ARestoredStateGivesEveryLaterRowTheSameDueTime) {
  clock::PaceOptions pace;
  pace.speed = 2;
  pace.max_gap = std::chrono::seconds(1);
  auto whole = Schedule::Make(pace, Nanos(0)).ValueOrDie();
  auto first = Schedule::Make(pace, Nanos(0)).ValueOrDie();
  const std::vector<int64_t> times = {5'000'000'000, 6'000'000'000, 30'000'000'000, 31'000'000'000};
  std::vector<Nanos> expected;
  for (int64_t t : times) expected.push_back(whole.Next(t));
  first.Next(times[0]);
  first.Next(times[1]);
  first.OnLate(Nanos(7));
  auto resumed = Schedule::Make(pace, Nanos(0)).ValueOrDie();
  resumed.Restore(first.state());
  EXPECT_EQ(resumed.state(), first.state());
  EXPECT_EQ(resumed.Next(times[2]), expected[2]);
  EXPECT_EQ(resumed.Next(times[3]), expected[3]);
  resumed.Shift(std::chrono::seconds(10));
  resumed.StartPass();
  EXPECT_EQ(resumed.Next(times[0]), expected[3] + std::chrono::seconds(10));
}

TEST(Schedule, RejectsNonsensicalPacing) {
  EXPECT_EQ(util::ExitCodeOf(Schedule::Make({.mode = PaceMode::kSpeed, .speed = 0}, Nanos(0)).status()),
            util::ExitCode::kUsage);
  EXPECT_FALSE(Schedule::Make({.mode = PaceMode::kSpeed, .speed = -1}, Nanos(0)).ok());
  EXPECT_FALSE(Schedule::Make({.mode = PaceMode::kRate, .rate = 0}, Nanos(0)).ok());
  EXPECT_FALSE(Schedule::Make({.mode = PaceMode::kFit, .fit = Nanos(0)}, Nanos(10)).ok());
  EXPECT_FALSE(
      Schedule::Make({.mode = PaceMode::kSpeed, .speed = 1, .max_gap = Nanos(-1)}, Nanos(0)).ok());
}

TEST(FakeClock, SleepUntilAdvancesOnlyForward) {
  FakeClock clock;
  clock.SleepUntil(seconds(2));
  EXPECT_EQ(clock.Now(), seconds(2));
  clock.SleepUntil(seconds(1));
  EXPECT_EQ(clock.Now(), seconds(2));
  clock.Advance(milliseconds(5));
  EXPECT_EQ(clock.Now(), milliseconds(2005));
  EXPECT_EQ(clock.sleeps(), 2);
}

}  // namespace
}  // namespace timecast::clock
