// A replay's checkpoint: where it is, as exactly as a resumed replay needs to
// continue with the next row, and what it was replaying, so a resume can
// refuse an input or options that changed. An exactly-once replay writes one
// into the same Kafka transaction as the rows it covers (replay/kafka_sink.h),
// so rows and checkpoint become visible, or are discarded, together.
//
// The encoding is one JSON object (docs/REPLAY.md, "Checkpoints"), readable
// by people (`timecast checkpoint show`) and by other tools.
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clock/schedule.h"
#include "source/batch_source.h"

namespace timecast::replay {

// Where a running replay is after the last row it sent.
struct ReplayState {
  int pass = 0;                      // --loop pass of the next row
  // The next row to read in that pass; file -1: the pass's first row.
  source::RowPosition next{-1, -1, 0};
  std::optional<int64_t> last_time;  // dataset time of the last row sent, ns
  clock::ScheduleState schedule;     // after the last row sent
  // The wall instant (epoch ns) that due offset 0 stands for: the clock's anchor.
  int64_t anchor_epoch_ns = 0;
  // What the job has sent, over all its runs: rows, messages, value bytes,
  // and the transactions that committed them.
  uint64_t rows = 0;
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t transactions = 0;
  bool finished = false;  // the replay ended: a resume has nothing left to send
  bool operator==(const ReplayState&) const = default;
};

// An option that shapes what is sent, as given (e.g. {"--topic", "accidents"}).
using ShapeOption = std::pair<std::string, std::string>;

struct Checkpoint {
  static constexpr int kFormat = 1;
  std::string job;
  std::string timecast_version;
  int64_t written_at_ns = 0;  // epoch ns
  std::vector<source::InputFile> input;
  std::vector<ShapeOption> shape;
  // For people: the next row ("x.parquet, row group 1, row 32325") and the
  // dataset time of the last row sent, in the time column's terms.
  std::string next_row;
  std::string last_time;
  ReplayState state;
};

std::string EncodeCheckpoint(const Checkpoint& checkpoint);

// Fails with an input error naming `where` (e.g. "topic timecast-checkpoints
// [0] at offset 17") and what is wrong.
arrow::Result<Checkpoint> DecodeCheckpoint(std::string_view json, std::string_view where);

// Why a resume with `input` and `shape` cannot continue `saved`: one clause
// per difference ("--speed was 60, is now 30"; "file a.parquet changed: ...").
// Empty when it can.
std::vector<std::string> CheckpointDifferences(const Checkpoint& saved,
                                               const std::vector<source::InputFile>& input,
                                               const std::vector<ShapeOption>& shape);

}  // namespace timecast::replay
