// `timecast load`: a Parquet dataset into the prototype's SQLite staging table.
#include <fmt/core.h>

#include <chrono>

#include "cli/commands.h"
#include "dataset/sqlite_load.h"
#include "source/parquet_source.h"
#include "util/duration.h"
#include "util/status.h"

namespace timecast::cli {
namespace {

struct LoadOptions {
  std::string input;
  std::string output;
  std::string table = "stream";
  std::string if_exists = "fail";
  std::string index = "Stream_Time";
};

arrow::Status RunLoad(const LoadOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  dataset::LoadOptions load;
  load.database = o.output;
  load.table = o.table;
  load.index_column = o.index;
  if (o.if_exists == "replace") {
    load.if_exists = dataset::IfExists::kReplace;
  } else if (o.if_exists == "append") {
    load.if_exists = dataset::IfExists::kAppend;
  } else if (o.if_exists != "fail") {
    return util::UsageError("--if-exists must be fail, replace or append; got '{}'", o.if_exists);
  }
  ARROW_ASSIGN_OR_RAISE(auto files, source::ExpandParquetInputs(o.input));
  ARROW_ASSIGN_OR_RAISE(auto source, source::ParquetSource::Open(files, {.batch_rows = 16384}));
  ARROW_ASSIGN_OR_RAISE(auto summary, dataset::LoadIntoSqlite(*source, load));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const double seconds = std::chrono::duration<double>(elapsed).count();
  fmt::print(stderr, "load: {} rows into {} table {}{} in {} ({:.0f} rows/s)\n", summary.rows,
             o.output, o.table, summary.indexed ? " (indexed on " + o.index + ")" : "",
             util::FormatDuration(std::chrono::duration_cast<util::Nanos>(elapsed)),
             seconds > 0 ? static_cast<double>(summary.rows) / seconds : 0.0);
  return arrow::Status::OK();
}

}  // namespace

CommandAction AddLoadCommand(CLI::App& app) {
  auto o = std::make_shared<LoadOptions>();
  app.add_option("input", o->input, "Parquet file, directory or glob")->required();
  app.add_option("-o,--output", o->output, "SQLite database (created if missing)")->required();
  app.add_option("--table", o->table, "Table name")->capture_default_str();
  app.add_option("--if-exists", o->if_exists, "When the table exists: fail, replace or append")
      ->capture_default_str();
  app.add_option("--index", o->index, "Column to index (empty: none; skipped when absent)")
      ->capture_default_str();
  return [o] { return RunLoad(*o); };
}

}  // namespace timecast::cli
