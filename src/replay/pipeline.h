// The replay engine. A read-ahead thread decodes and encodes batches into a
// bounded queue; the calling thread paces them against the schedule on
// absolute deadlines and hands each record to the sink, measuring how late it
// was. Delivery is tracked per Flight, so the summary can say exactly how far
// the data was delivered, also after an interruption or an error.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "clock/clock.h"
#include "clock/schedule.h"
#include "encode/json_encoder.h"
#include "replay/batch_encoder.h"
#include "replay/sink.h"
#include "source/batch_source.h"
#include "util/histogram.h"

namespace timecast::replay {

enum class OutputFormat {
  kObjects,    // one message per row
  kTickArray,  // the prototype's: all rows due in one tick as one JSON array
};

struct ReplayPlan {
  RowFormat row;
  TimeWindow window;
  std::optional<util::Nanos> runtime;  // stop once this much wall time is scheduled
  int loops = 1;                       // passes over the data; 0: until stopped
  // Reorder rows up to this much dataset time out of place (the encoder must
  // then allow disorder); without it unsorted input is an error.
  std::optional<util::Nanos> max_disorder;
  OutputFormat format = OutputFormat::kObjects;
  util::Nanos tick = std::chrono::milliseconds(100);
  size_t max_message_bytes = 900'000;  // tick arrays are split below this
  std::vector<std::string> header_names;  // names of --header, in order
  // Adds headers timecast.due and timecast.sent (epoch ns, decimal) to every
  // message, so `verify` can measure lateness from what landed.
  bool trace_headers = false;
  size_t read_ahead_batches = 4;
  // Rows in the first encoded batch of a replay (0: as the source gives them),
  // so the first record is not held back by encoding a whole source batch.
  int64_t first_batch_rows = 1024;
  // A row due less than this after now is handed over at once instead of
  // after a sleep of its own. At 20,000 rows/s a wake-up per row costs more
  // CPU in the kernel than everything else replay does; sending up to 1 ms
  // early is invisible downstream, where the producer's linger.ms (5 ms)
  // holds records longer anyway. Early rows count as zero lateness. A tick
  // array may likewise go up to this much before its tick closes.
  util::Nanos send_ahead{0};
  // When paced and > 0, the sending thread runs under SCHED_FIFO at this
  // priority for the replay (clock::RealtimeScope); 0 leaves it alone.
  int realtime_priority = 0;
  std::chrono::milliseconds flush_timeout{30'000};
  // With a transactional sink: how often the rows sent are committed, each
  // commit with a checkpoint of where the replay is after them.
  util::Nanos commit_interval = std::chrono::milliseconds(100);
  util::Nanos progress_interval = std::chrono::milliseconds(250);
  // The dataset span being replayed (for --fit and the progress percentage).
  std::optional<std::pair<int64_t, int64_t>> span;
};

struct ReplayProgress {
  uint64_t rows_sent = 0;
  uint64_t bytes_sent = 0;
  std::optional<int64_t> dataset_time;  // of the last row sent, ns
  util::Nanos elapsed{0};
  util::Nanos lateness_p99{0};
  util::Nanos due_end{0};  // when the current row was due (to estimate the ETA)
  int64_t waiting_since_ns = 0;  // epoch ns since the sink waits for its destination; 0: not
};

// A row to go on from: a --loop pass and the row's position in the input, as
// BatchSource::Seek takes it (`next.file` -1: the pass's first row).
struct NextRow {
  int pass = 0;
  source::RowPosition next{-1, -1, 0};
  bool operator==(const NextRow&) const = default;
};

struct ReplaySummary {
  arrow::Status status;       // OK, or why the replay ended early
  std::string stop_reason;    // "end of data", "runtime reached", "interrupted"
  uint64_t rows_sent = 0;     // handed to the sink
  uint64_t messages_sent = 0;
  uint64_t bytes_sent = 0;    // value bytes
  SinkCounts delivery;
  util::Nanos wall{0};
  std::optional<util::Nanos> first_send;  // from `ReplayContext::start` to the first record
  bool paced = true;
  util::Histogram lateness;   // handed-over time minus due time, per message
  // Wall time since the start at which the worst lateness happened, and the
  // number of messages later than 1 ms: together they tell a one-off stall
  // from a replay that cannot keep up.
  util::Nanos worst_lateness_at{0};
  uint64_t late_over_1ms = 0;
  // Why a requested realtime_priority was not applied; empty when it was
  // (or none was asked for).
  std::string scheduling_warning;
  // The furthest point up to which every row was delivered.
  std::optional<int64_t> delivered_through_time;
  std::string delivered_through_position;
  // Where an at-least-once replay goes on without losing or repeating a row:
  // the row after the delivered-through mark (`next.file` -1: the first row
  // of `pass`), counted in this run's --loop passes. Before anything was
  // delivered, where this run started. Unset with --max-disorder, whose rows
  // go out of input order, so no position has every row before it delivered.
  std::optional<NextRow> delivered_next;
  // Set by the caller for the report: the command that continues this replay
  // from delivered_next (empty: none is offered).
  std::string continue_command;
  encode::EncodeStats encode;
  int passes = 0;
  // With a transactional sink: the last checkpoint committed (the job's
  // totals, where a resume goes on), and the transactions of this run.
  std::optional<ReplayState> committed;
  std::string committed_next_row;  // where a resume goes on, for people
  uint64_t transactions_committed = 0;
  uint64_t transactions_aborted = 0;  // each rewound to the checkpoint before it
  util::Histogram commit_time;
};

class ProgressListener {
 public:
  virtual ~ProgressListener() = default;
  virtual void OnProgress(const ReplayProgress& progress) = 0;
};

struct ReplayContext {
  source::BatchSource* source = nullptr;
  BatchEncoder* encoder = nullptr;
  clock::Schedule* schedule = nullptr;
  clock::Clock* clock = nullptr;
  RecordSink* sink = nullptr;
  std::function<bool()> stop_requested = [] { return false; };
  ProgressListener* progress = nullptr;  // optional
  // Where "first record sent after start" counts from (Clock time); defaults
  // to when RunReplay starts. The CLI passes the process start.
  std::optional<util::Nanos> start;
  // Epoch nanoseconds of the replay's start, for --timestamp due.
  std::function<int64_t()> realtime_now_ns = [] { return clock::RealtimeNow().count(); };
  // A resumed replay: where its checkpoint says it is. The source is sought
  // to the next row, the schedule restored and the counts carried on.
  std::optional<ReplayState> resume;
  // How a resumed replay's clock restarts: false keeps the original anchor
  // (rows already due follow --when-late), true shifts it so the next row
  // keeps its spacing from the last one sent, counted from now.
  bool resume_shifts_clock = false;
  // Without `resume`: the first pass starts at this row (--from-row), sought
  // as a resume seeks, on a fresh clock: the row is due at once, as the first
  // row after --from is. Later --loop passes start from their first row.
  std::optional<source::RowPosition> start_row;
};

// Runs the whole replay. Never throws; the summary carries the outcome.
ReplaySummary RunReplay(const ReplayPlan& plan, const ReplayContext& context);

}  // namespace timecast::replay
