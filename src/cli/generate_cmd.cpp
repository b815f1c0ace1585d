// `timecast generate`: write a synthetic US-accidents dataset (raw Parquet or
// Kaggle-shaped CSV, or the stream form that `replay` reads).
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "dataset/generator.h"
#include "util/duration.h"
#include "util/signals.h"
#include "util/status.h"

namespace timecast::cli {
namespace {

struct GenerateCliOptions {
  std::string output;
  int64_t rows = 100'000;
  uint64_t seed = 42;
  std::string format = "parquet";
  bool stream = false;
  std::string runtime = "1h";
  std::string event_column = dataset::kDefaultEventColumn;
  bool dirty = false;
  int64_t row_group_rows = 65'536;
};

std::string FormatBytes(int64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
  if (b >= 1024.0 * 1024) return fmt::format("{:.1f} MiB", b / (1024.0 * 1024));
  if (b >= 1024.0) return fmt::format("{:.1f} KiB", b / 1024.0);
  return fmt::format("{} B", bytes);
}

arrow::Status RunGenerateCommand(const GenerateCliOptions& o) {
  util::InstallStopSignalHandlers();
  dataset::GenerateOptions options;
  options.output = o.output;
  options.rows = o.rows;
  options.seed = o.seed;
  if (o.format == "csv") {
    options.format = dataset::GenerateFormat::kCsv;
  } else if (o.format != "parquet") {
    return util::UsageError("--format must be parquet or csv, got '{}'", o.format);
  }
  options.stream = o.stream;
  ARROW_ASSIGN_OR_RAISE(options.runtime, util::ParseDuration(o.runtime));
  options.event_column = o.event_column;
  options.dirty = o.dirty;
  options.row_group_rows = o.row_group_rows;

  const auto began = std::chrono::steady_clock::now();
  ARROW_ASSIGN_OR_RAISE(dataset::GenerateResult result, dataset::GenerateDataset(options));
  const auto took = std::chrono::steady_clock::now() - began;
  fmt::print(stderr, "generate: wrote {} rows ({} accident{}) to {}, {}, in {}\n", result.rows,
             result.accidents, result.accidents == 1 ? "" : "s", o.output,
             FormatBytes(result.bytes),
             util::FormatDuration(std::chrono::duration_cast<util::Nanos>(took)));
  return arrow::Status::OK();
}

}  // namespace

CommandAction AddGenerateCommand(CLI::App& app) {
  auto o = std::make_shared<GenerateCliOptions>();
  app.footer(
      "Accidents span 2016-02-08 .. 2021-12-31 with Kaggle-like growth, weekly and daily rhythm,\n"
      "places, weather and nulls. IDs are 1..N in Start_Time order. The same options and seed\n"
      "give byte-identical files; raw and --stream output of one seed hold the same accidents.\n"
      "--stream also records timecast.earliest, timecast.latest, timecast.runtime_seconds,\n"
      "timecast.time_column and timecast.event_column in the file's key-value metadata.\n"
      "The file is written under a temporary name and renamed when complete.\n"
      "--dirty (raw output only): ~0.5% rows with End_Time < Start_Time, ~0.1% null End_Time,\n"
      "~0.05% unparseable times in CSV (null times in Parquet). With --stream it is an error.");
  app.add_option("-o,--output", o->output, "File to write")->required();
  app.add_option("--rows", o->rows, "Number of accidents, at least 1 (2845342 = Kaggle's size)")
      ->capture_default_str();
  app.add_option("--seed", o->seed, "Random seed")->capture_default_str();
  app.add_option("--format", o->format, "parquet or csv (Kaggle-shaped: IDs A-1, True/False)")
      ->capture_default_str();
  app.add_flag("--stream", o->stream,
               "Write the stream form replay reads (Parquet): each accident as a Start and an End "
               "row, sorted by Stream_Time");
  app.add_option("--runtime", o->runtime,
                 "With --stream: Stream_Time runs from 0 to this (e.g. 90s, 15m, 1h)")
      ->capture_default_str();
  app.add_option("--event-column", o->event_column, "With --stream: name of the Start/End column")
      ->capture_default_str();
  app.add_flag("--dirty", o->dirty, "Add bad rows for testing prepare (raw output only)");
  app.add_option("--row-group-rows", o->row_group_rows, "Rows per Parquet row group")
      ->capture_default_str();
  return [o] { return RunGenerateCommand(*o); };
}

}  // namespace timecast::cli
