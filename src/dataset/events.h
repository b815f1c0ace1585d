// Start/End events straight from raw interval records, for
// `timecast replay raw.parquet --start-column Start_Time --end-column End_Time`:
// the same rows, in the same order, with the same Stream_Time as
// `timecast prepare` followed by replay of its output, without the
// intermediate file.
//
// Each accepted record is emitted twice: a Start row at its start time and an
// End row at its end time. Order: (event time, Start before End, input order),
// as prepare sorts. The raw input must be sorted by the start column; pending
// Ends wait in a min-heap keyed (end, input order), so memory is bounded by
// the records open at once (plus the raw batches they live in), not by the
// file size. Records are accepted, converted and rejected by prepare's rule
// (dataset::AccidentNormalizer): a missing or unparseable ID or time, or an
// end before its start, skips the record and is reported to `on_reject`.
#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "dataset/accidents_schema.h"
#include "source/batch_source.h"
#include "util/duration.h"

namespace timecast::dataset {

struct IntervalOptions {
  std::string start_column = "Start_Time";
  std::string end_column = "End_Time";
  std::string id_column = "ID";  // "A-123" text becomes int32 123, as prepare does; may be absent
  std::string event_column = kDefaultEventColumn;

  // The RUNTIME for Stream_Time = (t - range.first) / (range.second -
  // range.first) * runtime seconds (0 for all when the range is empty);
  // nullopt: no Stream_Time column.
  std::optional<util::Nanos> runtime;
  // Earliest start and latest end (ns) over the accepted records, provided
  // by the caller: ComputeIntervalRange() gives prepare's exact values;
  // Parquet statistics give the same unless a rejected record holds the
  // extreme (see the .cpp).
  std::pair<int64_t, int64_t> range{0, 0};

  // When set, a timestamp[ns] column of this name, after Stream_Time, holds
  // each event's own time (the start for Start rows, the end for End rows):
  // a time column to pace on without Stream_Time. Not part of prepare's output.
  std::optional<std::string> event_time_column;

  // Called once per skipped record per pass, in input order, with its
  // position ("raw.parquet, row group 2, row 17") and the reason
  // ("End_Time 2016-02-08T01:00:00 is before Start_Time 2016-02-08T02:00:00").
  std::function<void(std::string_view position, std::string_view reason)> on_reject;

  int64_t batch_rows = 8192;  // rows per output batch
};

// Wraps `raw` (sorted by options.start_column). The output schema is
// event_column (utf8 "Start"/"End"), Stream_Time (float64, when runtime is
// set), event_time_column (when set), then raw's columns with the ID and the
// two time columns converted as prepare converts them. Batches are labelled
// "<raw file> (Start/End events)", row group -1, first_row = index of the
// event in the output. An unsorted start fails with an input error naming the
// raw file, row group and row, after the rows before it have been emitted.
// Rewind() rewinds `raw` and starts over (replay --loop).
// Fails with a usage/input error when the columns are missing or of the wrong
// type, or the event column clashes with one of raw's.
arrow::Result<std::unique_ptr<source::BatchSource>> MakeIntervalSource(
    std::unique_ptr<source::BatchSource> raw, IntervalOptions options);

struct IntervalRange {
  int64_t earliest = 0;  // smallest start of an accepted record (ns)
  int64_t latest = 0;    // largest end of an accepted record (ns)
  int64_t accepted = 0;
  int64_t rejected = 0;
};

// Reads `raw` to its end (then rewinds it) applying prepare's rule, for the
// exact range prepare would record. Cheap when `raw` reads only the ID and
// time columns (e.g. a ParquetSource with columns {ID, Start_Time, End_Time}).
// Fails with an input error when no record is accepted.
arrow::Result<IntervalRange> ComputeIntervalRange(source::BatchSource& raw,
                                                  const IntervalOptions& options);

}  // namespace timecast::dataset
