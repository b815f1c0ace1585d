#include "clock/clock.h"

#include <sys/prctl.h>
#include <time.h>

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstring>

namespace timecast::clock {
namespace {

Nanos Read(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return Nanos(int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec);
}

}  // namespace

MonotonicClock::MonotonicClock(Nanos spin) : spin_(spin) {
  // The default 50 us slack lets the kernel coalesce our wake-ups late.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
}

Nanos MonotonicClock::Now() { return Read(CLOCK_MONOTONIC); }

void MonotonicClock::SleepUntil(Nanos deadline) {
  const Nanos wake = deadline - spin_;
  if (Now() < wake) {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(wake.count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(wake.count() % 1'000'000'000);
    // A signal (e.g. SIGINT) cuts the sleep short; the caller checks for a stop.
    if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) return;
  }
  while (Now() < deadline) {
  }
}

RealtimeScope::RealtimeScope(int priority) {
  sched_param old{};
  if (pthread_getschedparam(pthread_self(), &old_policy_, &old) != 0) {
    status_ = arrow::Status::IOError("cannot read the thread's scheduling policy");
    return;
  }
  old_priority_ = old.sched_priority;
  sched_param wanted{};
  wanted.sched_priority = priority;
  if (const int error = pthread_setschedparam(pthread_self(), SCHED_FIFO, &wanted); error != 0) {
    status_ = arrow::Status::IOError("SCHED_FIFO priority ", priority, " refused: ",
                                     std::strerror(error));
    return;
  }
  applied_ = true;
}

RealtimeScope::~RealtimeScope() {
  if (!applied_) return;
  sched_param old{};
  old.sched_priority = old_priority_;
  pthread_setschedparam(pthread_self(), old_policy_, &old);
}

Nanos RealtimeNow() { return Read(CLOCK_REALTIME); }

namespace {
const Nanos kProcessStart = Read(CLOCK_MONOTONIC);
}  // namespace

Nanos ProcessStart() { return kProcessStart; }

}  // namespace timecast::clock
