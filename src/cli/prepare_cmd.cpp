// `timecast prepare`: raw accidents (CSV or Parquet) into the stream form
// replay reads (a Start and an End row per accident, Stream_Time, sorted), or
// with --sort a stable sort of a Parquet dataset by one time column.
#include <fmt/format.h>

#include <chrono>
#include <string>

#include "cli/commands.h"
#include "dataset/prepare.h"
#include "util/duration.h"
#include "util/signals.h"
#include "util/status.h"

namespace timecast::cli {
namespace {

struct PrepareCliOptions {
  std::string input;
  std::string output;
  std::string format = "auto";
  bool sort = false;
  std::string time_column;
  std::string runtime = "1h";  // generate --stream's default too
  std::string event_column = dataset::kDefaultEventColumn;
  std::string rejects;
  int64_t row_group_rows = 65'536;
  int64_t memory_rows = dataset::PrepareOptions{}.memory_rows;
};

std::string Plural(int64_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

arrow::Status RunPrepareCommand(const PrepareCliOptions& o) {
  util::InstallStopSignalHandlers();
  dataset::PrepareOptions options;
  options.input = o.input;
  options.output = o.output;
  if (o.format == "csv") {
    options.format = dataset::PrepareFormat::kCsv;
  } else if (o.format == "parquet") {
    options.format = dataset::PrepareFormat::kParquet;
  } else if (o.format != "auto") {
    return util::UsageError("--format must be auto, csv or parquet, got '{}'", o.format);
  }
  options.sort_only = o.sort;
  options.time_column = o.time_column;
  ARROW_ASSIGN_OR_RAISE(options.runtime, util::ParseDuration(o.runtime));
  options.event_column = o.event_column;
  options.rejects = o.rejects;
  options.row_group_rows = o.row_group_rows;
  options.memory_rows = o.memory_rows;

  const auto began = std::chrono::steady_clock::now();
  ARROW_ASSIGN_OR_RAISE(dataset::PrepareResult result, dataset::PrepareDataset(options));
  const auto took =
      std::chrono::duration_cast<util::Nanos>(std::chrono::steady_clock::now() - began);

  const std::string what = o.sort ? Plural(result.accepted_rows, "row")
                                  : fmt::format("{} ({})", Plural(result.rows_written, "row"),
                                                Plural(result.accepted_rows, "accident"));
  fmt::print(stderr, "prepare: wrote {} to {} ({:.1f} MiB) in {} ({} in {:.1f}s, merge and write "
             "{:.1f}s)\n",
             what, o.output, static_cast<double>(result.bytes) / (1024.0 * 1024.0),
             util::FormatDuration(took), Plural(result.runs, "sorted run"), result.run_seconds,
             result.merge_seconds);
  if (result.rejected_rows > 0) {
    std::string kinds;
    for (const auto& [kind, count] : result.rejected_by_kind) {
      kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", count, kind);
    }
    fmt::print(stderr, "prepare: rejected {} of {} ({}); see {}\n",
               Plural(result.rejected_rows, "record"), result.input_rows, kinds,
               result.rejects_path);
  }
  return arrow::Status::OK();
}

}  // namespace

CommandAction AddPrepareCommand(CLI::App& app) {
  auto o = std::make_shared<PrepareCliOptions>();
  app.footer(
      "Each accident becomes a Start row at Start_Time and an End row at End_Time (all columns\n"
      "kept, ID 'A-123' as integer 123), sorted by time (stable; Start before End on ties), with\n"
      "Stream_Time = (t - earliest) / (latest - earliest) x runtime seconds (all 0 when every\n"
      "time is equal). The file's key-value metadata records timecast.earliest, timecast.latest,\n"
      "timecast.runtime_seconds, timecast.time_column and timecast.event_column.\n"
      "Records with a missing or unparseable ID or time, or End_Time before Start_Time, are\n"
      "rejected: counted, and written to the rejects file (CSV: Position, Reason, the record).\n"
      "CSV positions are 'row N', the Nth data row (line N+1 unless a field spans lines).\n"
      "--sort only sorts a Parquet dataset by --time-column (stable), e.g. for replay.\n"
      "Memory holds --memory-rows input rows at a time: sorted runs are spilled next to the\n"
      "output and merged. The output appears under its name only when complete.");
  app.add_option("input", o->input,
                 "Raw accidents: a CSV file, or a Parquet file, directory or glob")
      ->required();
  app.add_option("-o,--output", o->output, "Parquet file to write")->required();
  app.add_option("--runtime", o->runtime, "Stream_Time runs from 0 to this (e.g. 90s, 15m, 1h)")
      ->capture_default_str();
  app.add_option("--event-column", o->event_column, "Name of the Start/End column")
      ->capture_default_str();
  app.add_option("--rejects", o->rejects,
                 "Rejects file (default: OUTPUT.rejects.csv; written only when rows are rejected)");
  app.add_option("--format", o->format, "Input format: auto (by extension), csv or parquet")
      ->capture_default_str();
  app.add_option("--row-group-rows", o->row_group_rows, "Output rows per Parquet row group")
      ->capture_default_str();
  app.add_option("--memory-rows", o->memory_rows,
                 "Input rows per sorted run (bounds memory; more rows, fewer runs)")
      ->capture_default_str();
  app.add_flag("--sort", o->sort, "Only sort INPUT (Parquet) by --time-column, stably");
  app.add_option("--time-column", o->time_column, "With --sort: the column to sort by");
  return [o] { return RunPrepareCommand(*o); };
}

}  // namespace timecast::cli
