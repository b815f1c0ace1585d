// Where replayed rows come from: a stream of Arrow record batches, each
// knowing where in its input it starts, so errors and checkpoints can name
// the file, row group and row.
#pragma once

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace timecast::source {

struct SourceBatch {
  std::shared_ptr<arrow::RecordBatch> batch;  // columns in the requested order
  std::shared_ptr<const std::string> file;    // path (or description) of the input
  int row_group = 0;                          // row group (Parquet); -1 where there are none
  int64_t first_row = 0;  // index of row 0 within the row group (or the input, without groups)
  int file_index = 0;     // which of the source's files `file` is
};

// Where a row sits in a source, in the terms Seek takes back: the file's
// index, its row group and the row within it; for sources without row groups
// (row_group -1) `row` counts rows from the start of the input, in the order
// Next() yields them.
struct RowPosition {
  int file = 0;
  int row_group = -1;
  int64_t row = 0;
  bool operator==(const RowPosition&) const = default;
};

// What Seek did: the caller drops this many rows from what Next() returns
// next, so the first row it keeps is the one sought.
struct SeekResult {
  int64_t rows_to_drop = 0;
};

// One file of an input as a resumed replay checks it is unchanged: its path,
// size and a fingerprint of what describes its content (a Parquet footer, a
// SQLite table's schema and row count), 16 hex digits.
struct InputFile {
  std::string path;
  int64_t bytes = 0;
  std::string fingerprint;
  bool operator==(const InputFile&) const = default;
};

// A row's place in the input, for messages: "x.parquet, row group 3, row 1200".
std::string DescribePosition(const SourceBatch& batch, int64_t row);

// "ID, Severity, Start_Time": for messages that list the columns there are.
std::string ColumnNames(const arrow::Schema& schema);

class BatchSource {
 public:
  virtual ~BatchSource() = default;

  // The schema of every batch Next() returns.
  virtual std::shared_ptr<arrow::Schema> schema() const = 0;

  // The next batch, or nullopt after the last. Errors name the input.
  virtual arrow::Result<std::optional<SourceBatch>> Next() = 0;

  // Starts again from the first row (for --loop).
  virtual arrow::Status Rewind() = 0;

  // Positions the source at `position` (a resumed replay). The default
  // rewinds and leaves every earlier row to be dropped, which is right for
  // sources without row groups; Parquet skips whole files and row groups
  // unread. Fails with an input error for a position the input does not have.
  virtual arrow::Result<SeekResult> Seek(const RowPosition& position);

  // The files this source reads, for a checkpoint; empty when the source
  // cannot tell (test doubles).
  virtual arrow::Result<std::vector<InputFile>> Identity() const { return std::vector<InputFile>{}; }
};

}  // namespace timecast::source
