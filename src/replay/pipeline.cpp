#include "replay/pipeline.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "clock/clock.h"
#include "replay/encoded_batch.h"
#include "replay/reorder.h"
#include "util/bounded_queue.h"
#include "util/status.h"

namespace timecast::replay {
namespace {

using util::Nanos;

// EncodedBatches are recycled: their buffers keep their capacity.
class BatchPool {
 public:
  std::unique_ptr<EncodedBatch> Take() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return std::make_unique<EncodedBatch>();
    auto batch = std::move(free_.back());
    free_.pop_back();
    return batch;
  }
  void Return(EncodedBatch* batch) {
    std::lock_guard lock(mutex_);
    free_.emplace_back(batch);
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<EncodedBatch>> free_;
};

using BatchQueue = util::BoundedQueue<std::unique_ptr<EncodedBatch>>;

// Where the read-ahead starts: a pass and, within it, the next row (a
// resumed replay, or a rewind to the last commit).
struct ReadStart {
  bool again = false;  // the source was read before: rewind it first
  int pass = 0;
  std::optional<source::RowPosition> next;  // nullopt: the start of the pass
  std::optional<int64_t> last_time;         // of the row before `next`
};

void ReadAhead(const ReplayPlan& plan, const ReplayContext& context, const ReadStart& start,
               BatchPool& pool, BatchQueue& queue) {
  // The read-ahead runs seconds ahead of the sender: on a busy machine it is
  // the one that should wait for a core, not the thread keeping deadlines.
  // A read-ahead restarted after a rewind must not inherit the sender's
  // real-time policy either.
  const sched_param ordinary{};
  pthread_setschedparam(pthread_self(), SCHED_OTHER, &ordinary);
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  std::optional<Reorderer> reorderer;
  if (plan.max_disorder) {
    reorderer.emplace(*plan.max_disorder, plan.row.time.name, context.encoder->converter(),
                      [&pool] { return pool.Take(); });
  }
  std::vector<std::unique_ptr<EncodedBatch>> ready;
  // Queues what the reorderer can release; false when the sender stopped.
  auto push_ready = [&](bool flush) {
    ready.clear();
    reorderer->Release(flush, &ready);
    for (auto& batch : ready) {
      if (!queue.Push(std::move(batch))) return false;
    }
    return true;
  };
  for (int pass = start.pass; plan.loops == 0 || pass < plan.loops; ++pass) {
    // Rows of the first pass before the start position that the source
    // could not skip unread.
    int64_t drop = 0;
    if (pass == start.pass && start.next) {
      auto sought = context.source->Seek(*start.next);
      if (!sought.ok()) return queue.Close(sought.status());
      drop = sought->rows_to_drop;
    } else if (pass > start.pass || start.again || start.pass > 0) {
      if (auto status = context.source->Rewind(); !status.ok()) return queue.Close(status);
    }
    context.encoder->StartPass();
    if (pass == start.pass && start.last_time) context.encoder->ContinueAfter(*start.last_time);
    // The sender waits for the first encoded batch before it sends anything,
    // so the very first one is kept small: the first record then goes out
    // after encoding plan.first_batch_rows rows, not a whole source batch
    // (8,192 rows, about 9 MB of JSON for the accidents).
    std::optional<source::SourceBatch> rest;
    bool first_of_replay = pass == start.pass;
    for (;;) {
      arrow::Result<std::optional<source::SourceBatch>> next;
      if (rest) {
        next = std::move(rest);
        rest.reset();
      } else {
        next = context.source->Next();
      }
      if (!next.ok()) return queue.Close(next.status());
      if (!*next) break;
      if (drop > 0) {
        const int64_t rows = (*next)->batch->num_rows();
        if (rows <= drop) {
          drop -= rows;
          continue;
        }
        (*next)->batch = (*next)->batch->Slice(drop);
        (*next)->first_row += drop;
        drop = 0;
      }
      if (first_of_replay) {
        first_of_replay = false;
        const int64_t rows = (*next)->batch->num_rows();
        if (plan.first_batch_rows > 0 && rows > plan.first_batch_rows) {
          source::SourceBatch head = **next;
          head.batch = (*next)->batch->Slice(0, plan.first_batch_rows);
          rest = **next;
          rest->batch = (*next)->batch->Slice(plan.first_batch_rows);
          rest->first_row += plan.first_batch_rows;
          next = std::optional<source::SourceBatch>(std::move(head));
        }
      }
      auto batch = pool.Take();
      // On a bad row the batch still holds the good rows before it: they go
      // out first, then the error ends the replay.
      arrow::Status status = context.encoder->Encode(**next, pass, batch.get());
      if (reorderer) {
        std::shared_ptr<const EncodedBatch> shared(batch.release(), [&pool](const EncodedBatch* done) {
          pool.Return(const_cast<EncodedBatch*>(done));
        });
        if (status.ok()) status = reorderer->Add(std::move(shared));
        if (!push_ready(/*flush=*/false)) return;
      } else if (batch->size() > 0 && !queue.Push(std::move(batch))) {
        return;  // the sender stopped
      }
      if (!status.ok()) return queue.Close(status);
      if (context.encoder->past_until()) break;
    }
    if (reorderer && !push_ready(/*flush=*/true)) return;
  }
  queue.Close();
}

// The sending side: pacing, lateness, delivery tracking.
class Sender {
 public:
  Sender(const ReplayPlan& plan, const ReplayContext& context, ReplaySummary& summary)
      : plan_(plan), ctx_(context), summary_(summary), commits_(context.sink->transactional()) {
    summary_.paced = ctx_.schedule->paced();
    headers_.resize(plan.header_names.size() + 2);  // + the trace headers
    if (ctx_.resume) {
      committed_ = *ctx_.resume;
      ctx_.schedule->Restore(committed_.schedule);
      pass_ = committed_.pass;
    } else if (ctx_.start_row) {
      committed_.next = *ctx_.start_row;  // read from there, on a fresh schedule
    }
    handed_ = committed_;
    // Reordered rows leave no position before which everything was delivered.
    if (!plan_.max_disorder) summary_.delivered_next = NextRow{committed_.pass, committed_.next};
    if (commits_) summary_.committed = committed_;
  }

  // Where the read-ahead starts: the resume position, or after a rewind the
  // last commit's.
  ReadStart StartPoint() const {
    ReadStart start;
    start.again = rewinds_ > 0;
    start.pass = committed_.pass;
    if (committed_.next.file >= 0) start.next = committed_.next;
    start.last_time = committed_.last_time;
    return start;
  }

  // True when a transaction aborted: the caller restarts the read-ahead at
  // StartPoint() after Rewind().
  bool rewind_requested() const { return rewind_requested_; }

  // Back to the last commit: what was sent after it is gone (the sink
  // discarded it and reported every record of it).
  void Rewind() {
    rewind_requested_ = false;
    ++rewinds_;
    RetireFlights();
    flights_.clear();
    open_flight_ = nullptr;
    tick_flight_ = nullptr;
    tick_rows_ = 0;
    summary_.rows_sent -= handed_.rows - committed_.rows;
    summary_.messages_sent -= handed_.messages - committed_.messages;
    summary_.bytes_sent -= handed_.bytes - committed_.bytes;
    handed_ = committed_;
    ctx_.schedule->Restore(committed_.schedule);
    pass_ = committed_.pass;
    summary_.status = arrow::Status::OK();
    summary_.stop_reason.clear();
  }

  // Sends every row of `batch`; false when the replay must stop.
  bool SendBatch(std::shared_ptr<const EncodedBatch> batch) {
    if (!anchored_) Anchor();
    if (batch->pass != pass_) {
      ctx_.schedule->StartPass();
      pass_ = batch->pass;
      // A commit from here on starts the new pass's rows from its beginning.
      if (commits_ && tick_rows_ == 0) {
        handed_.pass = pass_;
        handed_.next = {-1, -1, 0};
        handed_.last_time.reset();
        handed_.schedule = ctx_.schedule->state();
      }
    }
    summary_.passes = pass_ + 1;
    return plan_.format == OutputFormat::kObjects ? SendObjects(batch) : AddToTicks(batch);
  }

  // Sends what is pending (a tick array) unless stopped by a signal or an
  // error, flushes and settles the summary.
  void Finish() {
    if (!anchored_) Anchor();
    if (summary_.status.ok()) {
      SendTickArray();
    } else if (tick_flight_ != nullptr && tick_rows_ > 0) {
      tick_flight_->rows = 0;  // never sent: must not count as delivered
      tick_rows_ = 0;
    }
    open_flight_ = nullptr;
    if (commits_ && !rewind_requested_) {
      // What was sent is committed whatever ended the replay: the rows before
      // a bad one, or before a stop, are as good as any.
      handed_.finished = summary_.status.ok() && summary_.stop_reason == "end of data";
      CommitAll();
      if (rewind_requested_) return;
    }
    const arrow::Status flushed = ctx_.sink->Flush(plan_.flush_timeout);
    RetireFlights();
    summary_.delivery = ctx_.sink->counts();
    summary_.wall = ctx_.clock->Now() - run_start_;
    if (summary_.status.ok() && !flushed.ok()) summary_.status = flushed;
  }

  void Stop(arrow::Status status, std::string reason) {
    if (summary_.status.ok()) summary_.status = std::move(status);
    if (summary_.stop_reason.empty()) summary_.stop_reason = std::move(reason);
  }

 private:
  // Pins dataset time to wall time once, when the first batch is in hand:
  // anchoring earlier would make the first rows late by the time it takes to
  // open the input and decode its first batch (tens of ms on a big file).
  //
  // A resumed replay keeps its original anchor (the checkpoint's epoch
  // instant for due offset 0), or shifts it so the next row keeps its spacing
  // from the last one sent, counted from now.
  void Anchor() {
    anchored_ = true;
    const Nanos now = ctx_.clock->Now();
    const int64_t now_epoch = ctx_.realtime_now_ns();
    start_ = now;
    run_start_ = now;
    start_epoch_ns_ = now_epoch;
    if (ctx_.resume && ctx_.schedule->paced()) {
      const Nanos last_due = committed_.schedule.last_due;
      const int64_t anchor =
          ctx_.resume_shifts_clock ? now_epoch - last_due.count() : committed_.anchor_epoch_ns;
      start_ = now - Nanos(now_epoch - anchor);
      start_epoch_ns_ = anchor;
    }
    handed_.anchor_epoch_ns = start_epoch_ns_;
    committed_.anchor_epoch_ns = start_epoch_ns_;
    next_progress_ = now;
    last_commit_ = now;
  }

  bool SendObjects(const std::shared_ptr<const EncodedBatch>& batch) {
    Flight* flight = NewFlight(batch);
    open_flight_ = flight;
    for (size_t i = 0; i < batch->size(); ++i) {
      const int64_t time = batch->times[i];
      const Nanos due = ctx_.schedule->Next(time);
      if (!WaitForDue(due)) return false;
      OutRecord record;
      record.value = batch->values.View(i);
      record.value_is_stable = true;
      if (plan_.row.key_column) record.key = batch->keys.Get(i);
      size_t present = 0;
      for (size_t h = 0; h < plan_.header_names.size(); ++h) {
        if (auto value = batch->headers[h].Get(i)) {
          headers_[present].name = plan_.header_names[h];
          headers_[present++].value = *value;
        }
      }
      record.headers = std::span<const kafka::Header>(headers_.data(), present);
      record.timestamp_ms = TimestampFor(due, batch->timestamps_ms.empty() ? 0 : batch->timestamps_ms[i]);
      flight->rows += 1;
      flight->last_time = time;
      flight->last_row = batch->rows[i];
      flight->row_group = batch->row_groups[i];
      if (!Hand(record, flight, due, time, 1, ctx_.schedule->state())) return false;
    }
    open_flight_ = nullptr;
    return true;
  }

  bool AddToTicks(const std::shared_ptr<const EncodedBatch>& batch) {
    for (size_t i = 0; i < batch->size(); ++i) {
      const int64_t time = batch->times[i];
      // A tick sent because this row opens the next one is committed with
      // the schedule as it was before this row.
      if (commits_) tick_schedule_ = ctx_.schedule->state();
      const Nanos due = ctx_.schedule->Next(time);
      if (plan_.runtime && due > *plan_.runtime) {
        Stop(arrow::Status::OK(), "runtime reached");
        return false;
      }
      const int64_t tick = due.count() / plan_.tick.count();
      const std::string_view value = batch->values.View(i);
      if (tick_rows_ > 0 &&
          (tick != tick_ || tick_buffer_.size() + value.size() + 2 > plan_.max_message_bytes)) {
        if (!SendTickArray()) return false;
      }
      if (tick_rows_ == 0) {
        tick_ = tick;
        tick_buffer_.Clear();
        tick_buffer_.Push('[');
        tick_flight_ = NewFlight(nullptr);
        open_flight_ = tick_flight_;
      } else {
        tick_buffer_.Push(',');
      }
      tick_buffer_.Append(value);
      ++tick_rows_;
      tick_flight_->rows += 1;
      tick_flight_->last_time = time;
      tick_flight_->file = batch->file;
      tick_flight_->file_index = batch->file_index;
      tick_flight_->row_group = batch->row_groups[i];
      tick_flight_->last_row = batch->rows[i];
      tick_flight_->pass = batch->pass;
      tick_last_time_ = time;
    }
    return true;
  }

  bool SendTickArray() {
    if (tick_rows_ == 0) return true;
    // The array is due when its tick closes (every row in it is due by then),
    // or at the runtime's end, which every row in it is within.
    Nanos due = ctx_.schedule->paced() ? Nanos((tick_ + 1) * plan_.tick.count()) : Nanos(0);
    if (plan_.runtime) due = std::min(due, *plan_.runtime);
    const int64_t rows = tick_rows_;
    tick_rows_ = 0;
    if (!WaitForDue(due)) {
      tick_flight_->rows = 0;  // never sent: must not count as delivered
      return false;
    }
    tick_buffer_.Push(']');
    OutRecord record;
    record.value = tick_buffer_.view();
    record.headers = std::span<const kafka::Header>(headers_.data(), 0);
    record.timestamp_ms = TimestampFor(due, 0);
    // At the end of the data the schedule has seen no row after the tick.
    const bool closing = summary_.stop_reason == "end of data" || !summary_.status.ok();
    const bool handed = Hand(record, tick_flight_, due, tick_last_time_, rows,
                             closing || !commits_ ? ctx_.schedule->state() : tick_schedule_);
    open_flight_ = nullptr;
    return handed;
  }

  Flight* NewFlight(const std::shared_ptr<const EncodedBatch>& batch) {
    auto flight = std::make_unique<Flight>();
    if (batch) {
      flight->batch = batch;
      flight->file = batch->file;
      flight->file_index = batch->file_index;
      flight->row_group = batch->row_group;
      flight->pass = batch->pass;
    }
    flights_.push_back(std::move(flight));
    return flights_.back().get();
  }

  int64_t TimestampFor(Nanos due, int64_t event_ms) const {
    switch (plan_.row.timestamp) {
      case TimestampMode::kDue:
        return (start_epoch_ns_ + (ctx_.schedule->paced() ? due.count() : (ctx_.clock->Now() - start_).count())) / 1'000'000;
      case TimestampMode::kSend:
        return 0;
      case TimestampMode::kEvent:
      case TimestampMode::kColumn:
        return event_ms;
    }
    return 0;
  }

  // Waits until `due` (wall offset), serving delivery reports on long waits;
  // a row due within plan_.send_ahead of now goes at once, so one wake-up
  // serves every row due in that window. False when the replay must stop
  // first (signal or runtime).
  bool WaitForDue(Nanos due) {
    if (plan_.runtime && due > *plan_.runtime) {
      Stop(arrow::Status::OK(), "runtime reached");
      return false;
    }
    if (!ctx_.schedule->paced()) return WaitForRoom();
    const Nanos deadline = start_ + due;
    for (;;) {
      if (CheckStop()) return false;
      const Nanos now = ctx_.clock->Now();
      if (now + plan_.send_ahead >= deadline) return true;  // never held for room: see RecordSink
      const Nanos remaining = deadline - now;
      if (remaining > std::chrono::milliseconds(2)) {
        ctx_.sink->Poll();
        RetireFlights();
        ReportProgress(now);
        // Rows sent before a lull become visible one interval after them.
        if (!MaybeCommit(now)) return false;
        // Wake before the deadline to poll again; the last stretch is one precise sleep.
        ctx_.clock->SleepUntil(std::min(deadline - std::chrono::milliseconds(1),
                                        now + std::chrono::milliseconds(50)));
      } else {
        ctx_.clock->SleepUntil(deadline);
      }
    }
  }

  // At top speed: waits while the sink has no room (RecordSink::WaitForRoom);
  // false when the replay must stop first.
  bool WaitForRoom() {
    for (;;) {
      if (CheckStop()) return false;
      if (ctx_.sink->WaitForRoom(std::chrono::milliseconds(10))) return true;
      if (!MaybeCommit(ctx_.clock->Now())) return false;
    }
  }

  bool CheckStop() {
    if (!ctx_.stop_requested()) return false;
    Stop(util::Interrupted("interrupted"), "interrupted");
    return true;
  }

  // Hands one message (of `rows` rows, the last of dataset time `time`) to
  // the sink. `schedule_after` is the schedule's state after its last row,
  // which a checkpoint taken after this message records.
  bool Hand(OutRecord record, Flight* flight, Nanos due, int64_t time, int64_t rows,
            const clock::ScheduleState& schedule_after) {
    const Nanos now = ctx_.clock->Now();
    const Nanos shift_before = ctx_.schedule->state().shift;
    if (plan_.trace_headers) {
      // record.headers are the first entries of headers_; the trace goes after them.
      const size_t n = record.headers.size();
      auto format = [](char* buffer, int64_t value) {
        return std::string_view(buffer, static_cast<size_t>(
                                            std::to_chars(buffer, buffer + 24, value).ptr - buffer));
      };
      headers_[n] = {"timecast.due", format(due_text_, start_epoch_ns_ + due.count())};
      headers_[n + 1] = {"timecast.sent",
                         format(sent_text_, start_epoch_ns_ + (now - start_).count())};
      record.headers = std::span<const kafka::Header>(headers_.data(), n + 2);
    }
    if (ctx_.schedule->paced()) {
      const Nanos lateness = now - (start_ + due);
      if (lateness > summary_.lateness.max()) summary_.worst_lateness_at = now - run_start_;
      if (lateness > std::chrono::milliseconds(1)) ++summary_.late_over_1ms;
      summary_.lateness.Record(lateness);
      ctx_.schedule->OnLate(lateness);
    }
    if (!summary_.first_send) summary_.first_send = now - ctx_.start.value_or(run_start_);
    ++flight->pending;
    if (auto status = ctx_.sink->Send(record, flight); !status.ok()) {
      Stop(status, "error");
      return false;
    }
    summary_.rows_sent += static_cast<uint64_t>(rows);
    summary_.messages_sent += 1;
    summary_.bytes_sent += record.value.size();
    last_time_ = time;
    last_due_ = due;
    if (commits_) {
      handed_.pass = pass_;
      handed_.next = {flight->file_index, flight->row_group, flight->last_row + 1};
      handed_file_ = flight->file;
      handed_.last_time = time;
      handed_.schedule = schedule_after;
      if (&schedule_after != &ctx_.schedule->state()) {
        // A copy taken before this message: add what its lateness shifted.
        const Nanos shifted = ctx_.schedule->state().shift - shift_before;
        handed_.schedule.shift += shifted;
        handed_.schedule.last_due += shifted;
      }
      handed_.rows += static_cast<uint64_t>(rows);
      handed_.messages += 1;
      handed_.bytes += record.value.size();
      if (!MaybeCommit(now)) return false;
    }
    if (++since_poll_ >= 512) {
      since_poll_ = 0;
      ctx_.sink->Poll();
      RetireFlights();
      ReportProgress(now);
    }
    return true;
  }

  // Takes the outcome of the commit under way, if it has ended, and starts
  // the next when the interval has passed since the last one began and rows
  // were sent since; false when the replay must stop or rewind.
  bool MaybeCommit(Nanos now) {
    if (!commits_) return true;
    if (committing_ && !TakeCommitOutcome(std::chrono::milliseconds(0))) return false;
    if (committing_ || handed_.messages == committed_.messages ||
        now - last_commit_ < plan_.commit_interval) {
      return true;
    }
    return StartCommit();
  }

  // Commits what was handed over and waits for it (at the end); false when
  // the replay must stop (an error) or rewind to the last commit (aborted).
  bool CommitAll() {
    while (committing_) {
      if (!TakeCommitOutcome(std::chrono::milliseconds(100))) return false;
    }
    if (handed_.messages == committed_.messages && handed_.finished == committed_.finished) {
      return true;
    }
    if (!StartCommit()) return false;
    while (committing_) {
      if (!TakeCommitOutcome(std::chrono::milliseconds(100))) return false;
    }
    return true;
  }

  // Starts committing what was handed over, with its checkpoint; the sink
  // commits in the background while rows go on being handed over.
  bool StartCommit() {
    committing_state_ = handed_;
    committing_state_.transactions = committed_.transactions + 1;
    committing_file_ = handed_file_;
    last_commit_ = ctx_.clock->Now();
    if (auto status = ctx_.sink->StartCommit(committing_state_); !status.ok()) {
      Stop(status, "error");
      return false;
    }
    committing_ = true;
    return true;
  }

  // Takes the outcome of the commit under way once it has ended (waiting up
  // to `wait`); false when the replay must stop or rewind.
  bool TakeCommitOutcome(std::chrono::milliseconds wait) {
    auto outcome = ctx_.sink->AwaitCommit(wait);
    if (!outcome) return true;  // still under way
    committing_ = false;
    summary_.commit_time.Record(ctx_.clock->Now() - last_commit_);
    if (!outcome->ok()) {
      Stop(outcome->status(), "error");
      return false;
    }
    RetireFlights();
    if (**outcome == CommitOutcome::kAborted) {
      ++summary_.transactions_aborted;
      rewind_requested_ = true;
      return false;
    }
    const ReplayState& state = committing_state_;
    ++summary_.transactions_committed;
    committed_ = state;
    summary_.committed_next_row =
        state.finished || state.next.file < 0
            ? (state.finished ? "none, the replay is finished" : "the first row of the pass")
            : source::DescribePosition({nullptr, committing_file_, state.next.row_group, 0},
                                       state.next.row);
    handed_.transactions = state.transactions;
    summary_.committed = committed_;
    return true;
  }

  void ReportProgress(Nanos now) {
    if (ctx_.progress == nullptr || now < next_progress_) return;
    next_progress_ = now + plan_.progress_interval;
    ReplayProgress progress;
    progress.rows_sent = summary_.rows_sent;
    progress.bytes_sent = summary_.bytes_sent;
    progress.dataset_time = last_time_;
    progress.elapsed = now - run_start_;
    progress.lateness_p99 = summary_.lateness.Percentile(0.99);
    progress.due_end = last_due_;
    progress.waiting_since_ns = ctx_.sink->waiting_since_ns();
    ctx_.progress->OnProgress(progress);
  }

  // Drops fully reported flights from the front, advancing the delivered-through mark.
  void RetireFlights() {
    while (!flights_.empty() && flights_.front()->pending == 0 &&
           flights_.front().get() != open_flight_) {
      const Flight& flight = *flights_.front();
      if (flight.failed > 0) delivery_broken_ = true;
      if (!delivery_broken_ && flight.rows > 0) {
        summary_.delivered_through_time = flight.last_time;
        summary_.delivered_through_position = source::DescribePosition(
            {nullptr, flight.file, flight.row_group, 0}, flight.last_row);
        if (summary_.delivered_next) {
          summary_.delivered_next =
              NextRow{flight.pass, {flight.file_index, flight.row_group, flight.last_row + 1}};
        }
      }
      if (flights_.front().get() == tick_flight_) tick_flight_ = nullptr;
      flights_.pop_front();
    }
  }

  const ReplayPlan& plan_;
  const ReplayContext& ctx_;
  ReplaySummary& summary_;
  // Exactly-once: the sink commits, and the sender keeps where the replay is
  // after the last message handed over and after the last commit.
  const bool commits_;
  ReplayState handed_;
  std::shared_ptr<const std::string> handed_file_;  // the file of handed_.next
  ReplayState committed_;
  // The commit under way (the sink's StartCommit .. AwaitCommit): its state
  // becomes committed_ when it commits.
  bool committing_ = false;
  ReplayState committing_state_;
  std::shared_ptr<const std::string> committing_file_;
  Nanos last_commit_{0};  // when the last commit began
  bool rewind_requested_ = false;
  int rewinds_ = 0;
  clock::ScheduleState tick_schedule_;  // before the row that closes a tick
  bool anchored_ = false;
  Nanos start_{0};      // the clock's anchor: where due offset 0 is
  Nanos run_start_{0};  // when this run's sender started
  int64_t start_epoch_ns_ = 0;
  Nanos next_progress_{0};
  int pass_ = 0;
  std::vector<kafka::Header> headers_;
  char due_text_[24];
  char sent_text_[24];
  std::deque<std::unique_ptr<Flight>> flights_;
  // The flight rows are still being added to: never retired while open, even
  // when everything sent so far is delivered.
  Flight* open_flight_ = nullptr;
  bool delivery_broken_ = false;
  int since_poll_ = 0;
  std::optional<int64_t> last_time_;
  Nanos last_due_{0};
  // Tick-array state.
  encode::ByteBuffer tick_buffer_;
  int64_t tick_ = 0;
  int64_t tick_rows_ = 0;
  int64_t tick_last_time_ = 0;
  Flight* tick_flight_ = nullptr;
};

}  // namespace

ReplaySummary RunReplay(const ReplayPlan& plan, const ReplayContext& context) {
  ReplaySummary summary;
  auto pool = std::make_shared<BatchPool>();
  Sender sender(plan, context, summary);
  std::optional<clock::RealtimeScope> realtime;
  // Once, or again after each aborted transaction, from the last commit.
  for (;;) {
    BatchQueue queue(plan.read_ahead_batches);
    const ReadStart start = sender.StartPoint();
    std::thread reader([&] { ReadAhead(plan, context, start, *pool, queue); });
    // After the reader started, so it does not inherit the policy; top speed
    // never sleeps, so it has nothing to gain and would only crowd the producer.
    if (!realtime && plan.realtime_priority > 0 && context.schedule->paced()) {
      realtime.emplace(plan.realtime_priority);
      if (!realtime->status().ok()) summary.scheduling_warning = realtime->status().message();
    }
    bool stopped = false;
    while (auto batch = queue.Pop()) {
      std::shared_ptr<const EncodedBatch> shared(batch->release(), [pool](const EncodedBatch* done) {
        pool->Return(const_cast<EncodedBatch*>(done));
      });
      if (!sender.SendBatch(std::move(shared))) {
        stopped = true;
        break;
      }
    }
    queue.Close();  // unblocks the reader if we stopped early
    reader.join();
    if (sender.rewind_requested()) {
      sender.Rewind();
      continue;
    }
    if (!stopped) {
      // The reader's error (bad row, unreadable file) ends the replay after
      // everything before it was sent.
      if (auto status = queue.final_status(); !status.ok()) {
        sender.Stop(status, "input error");
      } else {
        sender.Stop(arrow::Status::OK(), "end of data");
      }
    }
    sender.Finish();
    if (!sender.rewind_requested()) break;
    sender.Rewind();
  }
  summary.encode = context.encoder->encode_stats();
  return summary;
}

}  // namespace timecast::replay
