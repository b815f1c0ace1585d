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
    raw = Nanos(static_cast<int64_t>(std::llround(static_cast<double>(rows_in_pass_) * 1e9 /
                                                  options_.rate)));
  } else {
    if (!origin_) origin_ = dataset_time;
    raw = Nanos(static_cast<int64_t>(
        std::llround(static_cast<double>(dataset_time - *origin_) * scale_)));
  }
  if (options_.max_gap && rows_in_pass_ > 0 && raw - previous_raw_ > *options_.max_gap) {
    gap_savings_ += raw - previous_raw_ - *options_.max_gap;
  }
  previous_raw_ = raw;
  ++rows_in_pass_;
  last_due_ = pass_start_ + raw - gap_savings_ + shift_;
  return last_due_;
}

void Schedule::StartPass() {
  pass_start_ = last_due_ - shift_;
  origin_.reset();
  previous_raw_ = Nanos(0);
  gap_savings_ = Nanos(0);
  rows_in_pass_ = 0;
}

void Schedule::OnLate(Nanos lateness) {
  if (options_.when_late == LatePolicy::kShift && lateness > Nanos(0)) shift_ += lateness;
}

}  // namespace timecast::clock
