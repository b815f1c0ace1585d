#include "clock/schedule.h"

#include <cmath>

#include "util/status.h"

namespace timecast::clock {

arrow::Result<Schedule> Schedule::Make(const PaceOptions& options, Nanos span) {
  Schedule schedule(options);
  switch (options.mode) {
    case PaceMode::kSpeed:
      if (!(options.speed > 0) || !std::isfinite(options.speed)) {
        return util::UsageError("--speed must be a positive number, got {}", options.speed);
      }
      schedule.scale_ = 1.0 / options.speed;
      break;
    case PaceMode::kFit:
      if (options.fit <= Nanos(0)) return util::UsageError("--fit must be a positive duration");
      // A dataset whose rows all share one time fits trivially: all due at 0.
      schedule.scale_ = span > Nanos(0) ? static_cast<double>(options.fit.count()) /
                                              static_cast<double>(span.count())
                                        : 0.0;
      break;
    case PaceMode::kRate:
      if (!(options.rate > 0) || !std::isfinite(options.rate)) {
        return util::UsageError("--rate must be a positive number of rows per second");
      }
      break;
    case PaceMode::kTopSpeed:
      break;
  }
  if (options.max_gap && *options.max_gap < Nanos(0)) {
    return util::UsageError("--max-gap must not be negative");
  }
  return schedule;
}

Nanos Schedule::Next(int64_t dataset_time) {
  if (options_.mode == PaceMode::kTopSpeed) return Nanos(0);
  Nanos raw;
  if (options_.mode == PaceMode::kRate) {
    raw = Nanos(static_cast<int64_t>(std::llround(static_cast<double>(state_.rows_in_pass) * 1e9 /
                                                  options_.rate)));
  } else {
    if (!state_.origin) state_.origin = dataset_time;
    raw = Nanos(static_cast<int64_t>(
        std::llround(static_cast<double>(dataset_time - *state_.origin) * scale_)));
  }
  if (options_.max_gap && state_.rows_in_pass > 0 && raw - state_.previous_raw > *options_.max_gap) {
    state_.gap_savings += raw - state_.previous_raw - *options_.max_gap;
  }
  state_.previous_raw = raw;
  ++state_.rows_in_pass;
  state_.last_due = state_.pass_start + raw - state_.gap_savings + state_.shift;
  return state_.last_due;
}

void Schedule::StartPass() {
  state_.pass_start = state_.last_due - state_.shift;
  state_.origin.reset();
  state_.previous_raw = Nanos(0);
  state_.gap_savings = Nanos(0);
  state_.rows_in_pass = 0;
}

void Schedule::OnLate(Nanos lateness) {
  if (options_.when_late == LatePolicy::kShift && lateness > Nanos(0)) state_.shift += lateness;
}

}  // namespace timecast::clock
