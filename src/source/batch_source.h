// Where replayed rows come from: a stream of Arrow record batches, each
// knowing where in its input it starts, so errors and checkpoints can name
// the file, row group and row.
#pragma once

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include <memory>
#include <optional>
#include <string>

namespace timecast::source {

struct SourceBatch {
  std::shared_ptr<arrow::RecordBatch> batch;  // columns in the requested order
  std::shared_ptr<const std::string> file;    // path (or description) of the input
  int row_group = 0;                          // row group (Parquet); -1 where there are none
  int64_t first_row = 0;                      // index of row 0 within the row group
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
};

}  // namespace timecast::source
