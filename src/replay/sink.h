// Where replayed records go. Kafka in production; JSON Lines on stdout or a
// file for piping; memory in tests. Every record's delivery is reported back
// through its Flight, so nothing is counted as sent that was not delivered.
#pragma once

#include <arrow/result.h>
#include <arrow/status.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kafka/producer.h"
#include "replay/checkpoint.h"

namespace timecast::replay {

struct EncodedBatch;

// A group of records whose delivery is tracked together: a batch of rows, or
// one tick-array message. The sender counts `pending` up before each Send; the
// sink counts `failed` up, then `pending` down, as delivery reports arrive.
// Both are atomic: an exactly-once sink serves reports on its committing
// thread while the sender goes on. Once `pending` is 0 the sink no longer
// touches the flight.
struct Flight {
  std::atomic<int64_t> pending{0};
  std::atomic<int64_t> failed{0};
  int64_t rows = 0;
  int64_t last_time = 0;  // dataset time of the last row, ns
  std::shared_ptr<const std::string> file;
  int file_index = 0;
  int row_group = 0;
  int64_t last_row = 0;
  int pass = 0;  // the --loop pass of the last row
  // Keeps record bytes alive until delivered when the sink does not copy them.
  std::shared_ptr<const EncodedBatch> batch;
};

struct OutRecord {
  std::string_view value;
  std::optional<std::string_view> key;
  std::span<const kafka::Header> headers;
  int64_t timestamp_ms = 0;  // 0: the sink stamps the send time
  // True when `value` stays valid until delivery (Flight::batch holds it), so
  // the sink may reference it instead of copying.
  bool value_is_stable = false;
};

enum class CommitOutcome {
  kCommitted,  // the records and the checkpoint are durable and visible together
  kAborted,    // both were discarded: the replay goes on from the last committed state
};

struct SinkCounts {
  uint64_t delivered = 0;
  uint64_t failed = 0;
  std::string first_error;
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Hands over one record. Its delivery report reaches `flight` from a later
  // Send, Poll or Flush on the same thread.
  virtual arrow::Status Send(const OutRecord& record, Flight* flight) = 0;
  // Serves pending delivery reports without blocking.
  virtual void Poll() = 0;
  // True when the sink takes another record without making its producer
  // spin; otherwise serves delivery reports for up to `timeout` and says
  // whether there is room now. The sender waits here between records at top
  // speed, so a stop request still gets through. A paced replay never waits
  // here: its schedule already bounds how fast it sends, and a broker's pause
  // must not make rows late (the producer's queue limit still holds).
  virtual bool WaitForRoom(std::chrono::milliseconds /*timeout*/) { return true; }
  // Waits up to `timeout` for every record to be delivered; fails with an
  // undelivered-class error (exit 5) when any was not.
  virtual arrow::Status Flush(std::chrono::milliseconds timeout) = 0;
  virtual SinkCounts counts() const = 0;
  // Since when (epoch ns) the sink has been waiting for its destination to
  // come back, for the status line; 0 while it is not waiting.
  virtual int64_t waiting_since_ns() const { return 0; }

  // True for an exactly-once sink: what it is sent becomes visible only with
  // a commit, all of it or none.
  virtual bool transactional() const { return false; }
  // Starts making everything sent so far durable and visible together with
  // `state`, the checkpoint saying where the replay is after it, and returns
  // at once: records sent while the commit is under way belong to the next
  // transaction. At most one commit is under way; AwaitCommit says how it
  // ended. An error here is one of handing over the rows (as from Send).
  virtual arrow::Status StartCommit(const ReplayState& /*state*/) { return arrow::Status::OK(); }
  // How the commit under way ended, waiting up to `wait` for it; nullopt
  // while it is still under way. On kAborted everything since the last
  // commit was discarded (every record sent before has been reported), also
  // what was sent while the commit was under way, and the sink is ready for
  // the rows again. A commit that cannot reach the brokers keeps trying; it
  // fails (with the open transaction left to be aborted) only when the user
  // stops the replay, or for good when this instance was fenced by a newer one.
  virtual std::optional<arrow::Result<CommitOutcome>> AwaitCommit(
      std::chrono::milliseconds /*wait*/) {
    return arrow::Result<CommitOutcome>(CommitOutcome::kCommitted);
  }
  // For the summary: e.g. "topic accidents at 127.0.0.1:9092", "stdout".
  virtual std::string Describe() const = 0;
};

// Reports the record delivered to its flight at once (for sinks that write synchronously).
inline void Delivered(Flight* flight) { --flight->pending; }

}  // namespace timecast::replay
