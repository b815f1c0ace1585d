// Wall time for pacing. The real clock waits on absolute CLOCK_MONOTONIC
// deadlines, so sleeping never accumulates drift; the fake one lets tests run
// schedules without sleeping.
#pragma once

#include <arrow/status.h>

#include "util/duration.h"

namespace timecast::clock {

using util::Nanos;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time; only differences mean anything.
  virtual Nanos Now() = 0;
  // Returns at or after `deadline` (immediately when it has passed).
  virtual void SleepUntil(Nanos deadline) = 0;
};

// CLOCK_MONOTONIC with clock_nanosleep(TIMER_ABSTIME), the thread's timer
// slack set to 1 ns. With `spin`, the last stretch before a deadline is
// busy-waited instead, trading a core for the kernel's wake-up latency.
class MonotonicClock final : public Clock {
 public:
  explicit MonotonicClock(Nanos spin = Nanos(0));
  Nanos Now() override;
  void SleepUntil(Nanos deadline) override;

 private:
  Nanos spin_;
};

// Time moves only when the code under test sleeps or the test advances it.
class FakeClock final : public Clock {
 public:
  Nanos Now() override { return now_; }
  void SleepUntil(Nanos deadline) override {
    if (deadline > now_) now_ = deadline;
    ++sleeps_;
  }
  void Advance(Nanos by) { now_ += by; }
  int sleeps() const { return sleeps_; }

 private:
  Nanos now_{0};
  int sleeps_ = 0;
};

// Runs the calling thread under SCHED_FIFO at `priority` (1-99) until
// destroyed, then restores its previous policy. A paced sender sleeps between
// deadlines; under SCHED_FIFO the kernel runs it the moment a deadline comes,
// ahead of every ordinary thread (a build's, the broker's), instead of queueing
// it behind them on a busy machine. A sender woken for every row would also
// preempt the producer's own network thread that often. Replay asks for it
// only with --rt-priority: real-time priority is a decision about the machine.
// The kernel caps real-time threads at 95% of a CPU (sched_rt_runtime_us), so
// a sender that never sleeps cannot lock the machine up. `status()` says why
// it was not applied (no CAP_SYS_NICE or RLIMIT_RTPRIO); the thread then runs
// as before.
class RealtimeScope {
 public:
  explicit RealtimeScope(int priority);
  ~RealtimeScope();
  RealtimeScope(const RealtimeScope&) = delete;
  RealtimeScope& operator=(const RealtimeScope&) = delete;
  const arrow::Status& status() const { return status_; }

 private:
  arrow::Status status_;
  bool applied_ = false;
  int old_policy_ = 0;
  int old_priority_ = 0;
};

// Nanoseconds since the Unix epoch (CLOCK_REALTIME), for record timestamps.
Nanos RealtimeNow();

// MonotonicClock time at which this process started running (static
// initialisation), so "first record after start" includes all setup.
Nanos ProcessStart();

}  // namespace timecast::clock
