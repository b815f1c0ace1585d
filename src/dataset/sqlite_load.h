// `load`: a dataset into the prototype's SQLite staging table, fast: one
// transaction, one prepared INSERT, bulk pragmas, the time index built after
// the rows.
#pragma once

#include <arrow/result.h>

#include <string>

#include "source/batch_source.h"

namespace timecast::dataset {

enum class IfExists { kFail, kReplace, kAppend };

struct LoadOptions {
  std::string database;           // created when missing
  std::string table = "stream";
  IfExists if_exists = IfExists::kFail;
  std::string index_column = "Stream_Time";  // indexed when present; empty: no index
};

struct LoadSummary {
  int64_t rows = 0;
  bool indexed = false;
};

// Column types follow pandas' to_sql (INTEGER, REAL, TEXT, TIMESTAMP as
// "YYYY-MM-DD HH:MM:SS[.ffffff]" text, booleans as 0/1), so the prototype's
// queries work unchanged; the exact Arrow types are kept in the side table
// _timecast_columns so that `replay sqlite:` restores them. Either all rows are
// loaded or the database is left as it was.
arrow::Result<LoadSummary> LoadIntoSqlite(source::BatchSource& source, const LoadOptions& options);

// The name of the side table recording each loaded table's Arrow types.
inline constexpr const char* kColumnTypesTable = "_timecast_columns";

}  // namespace timecast::dataset
