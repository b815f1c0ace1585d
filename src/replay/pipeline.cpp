#include "replay/pipeline.h"

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

void ReadAhead(const ReplayPlan& plan, const ReplayContext& context, BatchPool& pool,
               BatchQueue& queue) {
  // The read-ahead runs seconds ahead of the sender: on a busy machine it is
  // the one that should wait for a core, not the thread keeping deadlines.
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
  for (int pass = 0; plan.loops == 0 || pass < plan.loops; ++pass) {
    if (pass > 0) {
      if (auto status = context.source->Rewind(); !status.ok()) return queue.Close(status);
    }
    context.encoder->StartPass();
    // The sender waits for the first encoded batch before it sends anything,
    // so the very first one is kept small: the first record then goes out
    // after encoding plan.first_batch_rows rows, not a whole source batch
    // (8,192 rows, about 9 MB of JSON for the accidents).
    std::optional<source::SourceBatch> rest;
    bool first_of_replay = pass == 0;
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
      : plan_(plan), ctx_(context), summary_(summary) {
    summary_.paced = ctx_.schedule->paced();
    headers_.resize(plan.header_names.size() + 2);  // + the trace headers
  }

  // Sends every row of `batch`; false when the replay must stop.
  bool SendBatch(std::shared_ptr<const EncodedBatch> batch) {
    if (!anchored_) Anchor();
    if (batch->pass != pass_) {
      ctx_.schedule->StartPass();
      pass_ = batch->pass;
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
    const arrow::Status flushed = ctx_.sink->Flush(plan_.flush_timeout);
    RetireFlights();
    summary_.delivery = ctx_.sink->counts();
    summary_.wall = ctx_.clock->Now() - start_;
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
  void Anchor() {
    anchored_ = true;
    start_ = ctx_.clock->Now();
    start_epoch_ns_ = ctx_.realtime_now_ns();
    next_progress_ = start_;
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
      if (!Hand(record, flight, due, time, 1)) return false;
    }
    open_flight_ = nullptr;
    return true;
  }

  bool AddToTicks(const std::shared_ptr<const EncodedBatch>& batch) {
    for (size_t i = 0; i < batch->size(); ++i) {
      const int64_t time = batch->times[i];
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
      tick_flight_->row_group = batch->row_groups[i];
      tick_flight_->last_row = batch->rows[i];
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
    const bool handed = Hand(record, tick_flight_, due, tick_last_time_, rows);
    open_flight_ = nullptr;
    return handed;
  }

  Flight* NewFlight(const std::shared_ptr<const EncodedBatch>& batch) {
    auto flight = std::make_unique<Flight>();
    if (batch) {
      flight->batch = batch;
      flight->file = batch->file;
      flight->row_group = batch->row_group;
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
    }
  }

  bool CheckStop() {
    if (!ctx_.stop_requested()) return false;
    Stop(util::Interrupted("interrupted"), "interrupted");
    return true;
  }

  bool Hand(OutRecord record, Flight* flight, Nanos due, int64_t time, int64_t rows) {
    const Nanos now = ctx_.clock->Now();
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
      if (lateness > summary_.lateness.max()) summary_.worst_lateness_at = now - start_;
      if (lateness > std::chrono::milliseconds(1)) ++summary_.late_over_1ms;
      summary_.lateness.Record(lateness);
      ctx_.schedule->OnLate(lateness);
    }
    if (!summary_.first_send) summary_.first_send = now - ctx_.start.value_or(start_);
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
    if (++since_poll_ >= 512) {
      since_poll_ = 0;
      ctx_.sink->Poll();
      RetireFlights();
      ReportProgress(now);
    }
    return true;
  }

  void ReportProgress(Nanos now) {
    if (ctx_.progress == nullptr || now < next_progress_) return;
    next_progress_ = now + plan_.progress_interval;
    ReplayProgress progress;
    progress.rows_sent = summary_.rows_sent;
    progress.bytes_sent = summary_.bytes_sent;
    progress.dataset_time = last_time_;
    progress.elapsed = now - start_;
    progress.lateness_p99 = summary_.lateness.Percentile(0.99);
    progress.due_end = last_due_;
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
      }
      if (flights_.front().get() == tick_flight_) tick_flight_ = nullptr;
      flights_.pop_front();
    }
  }

  const ReplayPlan& plan_;
  const ReplayContext& ctx_;
  ReplaySummary& summary_;
  bool anchored_ = false;
  Nanos start_{0};
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
  BatchQueue queue(plan.read_ahead_batches);
  std::thread reader([&] { ReadAhead(plan, context, *pool, queue); });
  // After the reader started, so it does not inherit the policy; top speed
  // never sleeps, so it has nothing to gain and would only crowd the producer.
  std::optional<clock::RealtimeScope> realtime;
  if (plan.realtime_priority > 0 && context.schedule->paced()) {
    realtime.emplace(plan.realtime_priority);
    if (!realtime->status().ok()) summary.scheduling_warning = realtime->status().message();
  }

  Sender sender(plan, context, summary);
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
  summary.encode = context.encoder->encode_stats();
  return summary;
}

}  // namespace timecast::replay
