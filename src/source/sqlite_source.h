// A SQLite table read as record batches through one ordered cursor:
// `SELECT ... ORDER BY <time column>` returns every row exactly once, unlike
// the prototype's repeated BETWEEN windows, which sent boundary rows twice.
#pragma once

#include <arrow/result.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "source/batch_source.h"
#include "source/time_column.h"

namespace timecast::sqlite {
class Database;
class Statement;
}  // namespace timecast::sqlite

namespace timecast::source {

struct SqliteSpec {
  std::string path;
  std::string table = "stream";
};

// True for "sqlite:..." inputs.
bool IsSqliteInput(const std::string& input);

// Parses "sqlite:PATH" or "sqlite:PATH?table=NAME". Fails with a usage error
// for other parameters.
arrow::Result<SqliteSpec> ParseSqliteSpec(const std::string& input);

struct SqliteSourceOptions {
  std::vector<std::string> columns;  // empty: all, in table order
  std::string order_by;              // the time column
  int64_t batch_rows = 8192;
};

class SqliteSource final : public BatchSource {
 public:
  // Column types: the Arrow types `timecast load` recorded, or else the
  // declared types as pandas writes them (INTEGER, REAL, TEXT, TIMESTAMP).
  static arrow::Result<std::unique_ptr<SqliteSource>> Open(const SqliteSpec& spec,
                                                           SqliteSourceOptions options);
  ~SqliteSource() override;

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  arrow::Result<std::optional<SourceBatch>> Next() override;
  arrow::Status Rewind() override;
  // Steps the cursor past the rows before `position.row` without converting them.
  arrow::Result<SeekResult> Seek(const RowPosition& position) override;
  // The database file, with the table's schema and row count as its fingerprint.
  arrow::Result<std::vector<InputFile>> Identity() const override;

  // Smallest and largest value of the time column (MIN/MAX, using its index).
  arrow::Result<std::optional<std::pair<int64_t, int64_t>>> TimeRange(
      const TimeColumnSpec& time) const;

 private:
  SqliteSource() = default;
  SqliteSpec spec_;
  SqliteSourceOptions options_;
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<sqlite::Statement> cursor_;
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<const std::string> name_;
  int64_t next_row_ = 0;
  bool done_ = false;
};

}  // namespace timecast::source
