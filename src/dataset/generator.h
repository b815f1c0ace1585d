// Synthetic US-accidents data shaped like Kaggle's "US Accidents (2016-2021)",
// for trying timecast without the real file (which cannot be downloaded here).
//
// What the data looks like (so tests and users can rely on it):
//  - Start times between 2016-02-08 and 2021-12-31, growing over the years
//    like Kaggle's yearly counts, with a weekly rhythm (weekends quieter) and
//    a daily one (rush hours). IDs are 1..N in Start_Time order.
//  - Durations lognormal (median about 45 minutes) with a long tail capped at
//    7 days; End_Time > Start_Time unless `dirty`.
//  - Places from an embedded table of cities in the 48 contiguous states and
//    DC, weighted like Kaggle's state shares; City, County, State, Zipcode,
//    Timezone and Airport_Code agree with each other and with the coordinates.
//  - Severity 1..4 (about 1/89/7/3 %), weather with nulls at Kaggle-like
//    rates, booleans mostly false, Day/Night from the sun's altitude.
//  - The same options (seed included) give byte-identical files. Raw and
//    stream output of one seed hold the same accidents.
#pragma once

#include <arrow/result.h>
#include <arrow/status.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "dataset/accidents_schema.h"
#include "util/duration.h"

namespace timecast::dataset {

enum class GenerateFormat { kParquet, kCsv };

// The Parquet key-value metadata of stream output: the dataset times that map
// to Stream_Time 0 and `runtime` (ISO-8601 wall times, like
// "2016-02-08T00:37:08"), the runtime in decimal seconds, and the column
// holding replay seconds ("Stream_Time").
inline constexpr const char* kEarliestMetadataKey = "timecast.earliest";
inline constexpr const char* kLatestMetadataKey = "timecast.latest";
inline constexpr const char* kRuntimeSecondsMetadataKey = "timecast.runtime_seconds";
inline constexpr const char* kTimeColumnMetadataKey = "timecast.time_column";
inline constexpr const char* kEventColumnMetadataKey = "timecast.event_column";

struct GenerateOptions {
  std::string output;      // the file to write; replaced only once it is complete
  int64_t rows = 100'000;  // accidents; 1..2^31-1 (IDs are int32)
  uint64_t seed = 42;
  GenerateFormat format = GenerateFormat::kParquet;

  // Write StreamSchema(event_column) instead of the raw 47 columns: each
  // accident twice (a "Start" row at Start_Time, an "End" row at End_Time),
  // sorted by Stream_Time = (t - earliest) / (latest - earliest) * runtime
  // seconds, Starts before Ends on equal times and by ID otherwise.
  // Parquet only; excludes `dirty`.
  bool stream = false;
  util::Nanos runtime = std::chrono::hours(1);
  std::string event_column = kDefaultEventColumn;

  // Raw output only: about 0.5% of rows get End_Time < Start_Time, 0.1% a
  // null End_Time, and 0.05% an unparseable time ("2019-13-45 99:07:00") in
  // CSV, which is a null time in Parquet.
  bool dirty = false;

  int64_t row_group_rows = 65'536;  // Parquet rows per row group, also the memory bound
};

struct GenerateResult {
  int64_t accidents = 0;
  int64_t rows = 0;   // rows written: accidents, or 2x accidents for stream output
  int64_t bytes = 0;  // size of the written file
};

// Checks the options alone; fails with a usage error naming the bad option.
arrow::Status ValidateGenerateOptions(const GenerateOptions& options);

// Generates and writes the dataset in chunks of `row_group_rows` (memory stays
// bounded whatever `rows` is). Writes to a temporary file next to `output` and
// renames it into place at the end, so a failed or interrupted run leaves no
// half-written file under the final name. Stops with util::Interrupted() when
// util::StopRequested() turns true.
arrow::Result<GenerateResult> GenerateDataset(const GenerateOptions& options);

}  // namespace timecast::dataset
