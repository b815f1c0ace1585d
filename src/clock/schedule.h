// When each row is due: dataset time -> wall offset from the replay's start.
//
// Anchored once: a row's due offset is computed from its own dataset time and
// the pass's origin, never from the previous row's send time, so rounding and
// late sends never accumulate into drift. Only explicit policies move it:
// --max-gap (shorten idle stretches) and --when-late shift (slide the clock).
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <optional>

#include "util/duration.h"

namespace timecast::clock {

using util::Nanos;

enum class PaceMode {
  kSpeed,     // dataset time / speed
  kFit,       // the dataset's span squeezed into a wall duration
  kTopSpeed,  // no pacing: every row is due at once
  kRate,      // a fixed number of rows per second, ignoring the data's gaps
};

enum class LatePolicy {
  kBurst,  // catch up at full speed; later rows keep their due times
  kShift,  // slide the clock by the lateness; later rows keep their spacing
};

struct PaceOptions {
  PaceMode mode = PaceMode::kSpeed;
  double speed = 1.0;           // kSpeed: 1 = real time, 60 = a minute per second
  Nanos fit{0};                 // kFit: wall time for the whole span
  double rate = 0;              // kRate: rows per second
  std::optional<Nanos> max_gap; // longest wall wait between consecutive rows
  LatePolicy when_late = LatePolicy::kBurst;
};

// Everything a Schedule's answers depend on besides the rows themselves: a
// checkpoint saves it after the last row sent, and a resumed replay restores
// it, so every later row is due exactly when it would have been.
struct ScheduleState {
  // Per pass:
  std::optional<int64_t> origin;  // dataset time of the pass's first row
  Nanos pass_start{0};            // wall offset of the pass's first row
  Nanos previous_raw{0};          // previous row's offset before gap capping
  Nanos gap_savings{0};           // idle time removed by max_gap in this pass
  int64_t rows_in_pass = 0;
  // Across passes:
  Nanos shift{0};
  Nanos last_due{0};
  bool operator==(const ScheduleState&) const = default;
};

class Schedule {
 public:
  // `span` is the dataset-time span (last - first) of what will be replayed;
  // only kFit uses it. Fails with a usage error for a non-positive speed,
  // rate or fit duration.
  static arrow::Result<Schedule> Make(const PaceOptions& options, Nanos span);

  // The wall offset (from the replay's start) at which the next row is due.
  // Rows come in non-decreasing dataset time within a pass; `dataset_time` is
  // in nanoseconds of any epoch. The first row of the first pass is due at 0.
  Nanos Next(int64_t dataset_time);

  // Begins another pass over the data (--loop): its first row is due together
  // with the last row of the previous pass.
  void StartPass();

  // Reports that the row due at `due` was handed over `lateness` late. Under
  // kShift every later row moves back by that much.
  void OnLate(Nanos lateness);

  // False for kTopSpeed: rows need no waiting and lateness means nothing.
  bool paced() const { return options_.mode != PaceMode::kTopSpeed; }

  // Wall nanoseconds per dataset nanosecond (0 when not time-based).
  double scale() const { return scale_; }

  const ScheduleState& state() const { return state_; }
  void Restore(const ScheduleState& state) { state_ = state; }
  // Moves every later row's due time by `delta` (a resumed replay that keeps
  // its spacing from now instead of its original clock).
  void Shift(Nanos delta) {
    state_.shift += delta;
    state_.last_due += delta;
  }

 private:
  explicit Schedule(const PaceOptions& options) : options_(options) {}

  PaceOptions options_;
  double scale_ = 0;
  ScheduleState state_;
};

}  // namespace timecast::clock
