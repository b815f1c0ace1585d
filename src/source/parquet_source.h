// Parquet files read as a stream of record batches, one row group at a time,
// with column projection: memory stays bounded by a row group's compressed
// column chunks plus one batch, whatever the file's size.
#pragma once

#include <arrow/result.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "source/batch_source.h"
#include "source/time_column.h"

namespace timecast::source {

// A path, a directory (every *.parquet file below it, recursively, skipping
// names starting with '_' or '.', as Spark and Hive lay them out) or a glob,
// as a sorted list of files. Fails with an input error when nothing matches.
arrow::Result<std::vector<std::string>> ExpandParquetInputs(const std::string& spec);

struct ParquetSourceOptions {
  // Columns to read, in this order; empty reads all. A missing column is an
  // input error that lists the columns there are.
  std::vector<std::string> columns;
  // Rows per batch. Small enough that the first row goes out quickly.
  int64_t batch_rows = 8192;
  // Row groups whose time statistics end before this (dataset ns) are skipped
  // unread, for --from. Needs `time` set.
  std::optional<int64_t> skip_before;
  std::optional<TimeColumnSpec> time;
  // Reads the top-level string and binary columns that every row group of
  // every file stores dictionary-encoded as Arrow dictionary arrays: decoding
  // then skips building each row's string, and the JSON encoder escapes each
  // distinct value once per batch. Only for readers that take dictionary
  // columns; the values are the same either way.
  bool read_dictionaries = false;
};

class ParquetSource final : public BatchSource {
 public:
  // Opens every file's footer up front, so a bad file or a schema mismatch
  // fails before anything is sent.
  static arrow::Result<std::unique_ptr<ParquetSource>> Open(std::vector<std::string> files,
                                                            ParquetSourceOptions options);
  ~ParquetSource() override;

  std::shared_ptr<arrow::Schema> schema() const override;
  arrow::Result<std::optional<SourceBatch>> Next() override;
  arrow::Status Rewind() override;
  // Skips whole files and row groups unread; the rows before `position.row`
  // within its row group are left to the caller to drop.
  arrow::Result<SeekResult> Seek(const RowPosition& position) override;
  // Each file's path, size and a fingerprint of its serialized footer.
  arrow::Result<std::vector<InputFile>> Identity() const override;

  // The time column's smallest and largest value over all files, from the
  // row-group statistics (no data read); nullopt when a row group lacks them.
  arrow::Result<std::optional<std::pair<int64_t, int64_t>>> TimeRangeFromStatistics(
      const TimeColumnSpec& time) const;

  int64_t total_rows() const;

  // Skips row groups whose time statistics end before `time` (dataset ns);
  // takes effect for row groups not yet opened. Needs options.time.
  void SkipBefore(int64_t time) { options_.skip_before = time; }

 private:
  struct File;
  ParquetSource() = default;
  arrow::Status OpenRowGroup();

  ParquetSourceOptions options_;
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<std::unique_ptr<File>> files_;
  size_t file_index_ = 0;
  int row_group_ = -1;
  int64_t row_in_group_ = 0;
  std::unique_ptr<arrow::RecordBatchReader> reader_;
};

}  // namespace timecast::source
