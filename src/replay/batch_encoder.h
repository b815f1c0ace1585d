// Turns source batches into EncodedBatches: the time column as dataset ns, the
// --from/--until window, the time-order check, and each row's JSON value, key,
// headers and event timestamp. Runs on the read-ahead thread.
#pragma once

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "encode/json_encoder.h"
#include "replay/encoded_batch.h"
#include "source/batch_source.h"
#include "source/time_column.h"

namespace timecast::replay {

enum class TimestampMode {
  kDue,     // the wall-clock instant the row was scheduled for
  kSend,    // when it was handed to the producer
  kEvent,   // the time column's own value (needs a timestamp or date column)
  kColumn,  // another timestamp or date column
};

struct RowFormat {
  source::TimeColumnSpec time;
  // Columns of the JSON value, in order; empty means every column of the input.
  std::vector<std::string> value_columns;
  std::optional<std::string> key_column;
  std::vector<std::pair<std::string, std::string>> headers;  // header name, column
  TimestampMode timestamp = TimestampMode::kDue;
  std::string timestamp_column;  // for kColumn
};

// Columns to read from the input for `format`: the value columns (all when
// empty and `input_columns` lists them) plus the time, key, header and
// timestamp columns, without repeats.
std::vector<std::string> ColumnsToRead(const RowFormat& format,
                                       const std::vector<std::string>& input_columns);

struct TimeWindow {
  std::optional<int64_t> from;   // rows before this are skipped
  std::optional<int64_t> until;  // rows at or after this end the replay
};

class BatchEncoder {
 public:
  // `schema` is what the source yields. Fails with a usage error for a
  // missing time/key/header column (listing the columns there are) or a
  // time column of unusable type.
  static arrow::Result<std::unique_ptr<BatchEncoder>> Make(
      const std::shared_ptr<arrow::Schema>& schema, const RowFormat& format, TimeWindow window,
      bool allow_disorder);

  // Encodes the rows of `batch` inside the window into `out` (cleared first).
  // Fails with an input error naming file, row group and row for a null or
  // NaN time, or (unless disorder is allowed) a time before the previous row's;
  // `out` then holds the rows before the bad one, which are still to be sent.
  arrow::Status Encode(const source::SourceBatch& batch, int pass, EncodedBatch* out);

  // True once a row at or after --until was seen in sorted input: nothing
  // later can be inside the window.
  bool past_until() const { return past_until_; }

  // A new --loop pass starts: time order restarts.
  void StartPass();
  // A resumed pass goes on after a row of dataset time `time`: the next row
  // must not be earlier.
  void ContinueAfter(int64_t time);

  const source::TimeConverter& converter() const { return converter_; }
  const encode::EncodeStats& encode_stats() const { return values_->stats(); }

 private:
  BatchEncoder() = default;

  RowFormat format_;
  TimeWindow window_;
  bool allow_disorder_ = false;
  int time_index_ = -1;
  std::vector<int> value_indices_;
  std::vector<int> text_indices_;  // key first (if any), then headers
  int timestamp_index_ = -1;
  source::TimeConverter converter_;
  std::optional<source::TimeConverter> timestamp_converter_;
  std::unique_ptr<encode::JsonEncoder> values_;
  std::unique_ptr<encode::JsonEncoder> texts_;
  std::vector<int64_t> scratch_times_;
  std::vector<int64_t> scratch_timestamps_;
  std::optional<int64_t> previous_time_;
  struct Position {
    std::shared_ptr<const std::string> file;
    int row_group = 0;
    int64_t row = 0;
    std::string Describe() const {
      return source::DescribePosition({nullptr, file, row_group, 0}, row);
    }
  };
  Position previous_position_;
  bool past_until_ = false;
};

}  // namespace timecast::replay
