// `timecast prepare`: raw accidents (Kaggle-style CSV or Parquet) into the
// stream form `replay` reads, as the prototype's PySpark job built
// `stream_df.parquet`; and `prepare --sort`, a stable sort of any Parquet
// dataset by one time column.
//
// Event mode (the default). Each accepted accident becomes two rows of
// StreamSchema(event_column): a "Start" row at its Start_Time and an "End" row
// at its End_Time, both carrying all its columns. Rows are ordered by
// (event time, Start before End, input order): exactly what a stable sort of
// "all Starts, then all Ends" by event time gives, and what
// `generate --stream` writes. Stream_Time = (t - earliest) / (latest -
// earliest) * runtime seconds over the accepted event times; when every
// event has the same time (latest == earliest) Stream_Time is 0 for all rows.
// Ordering uses the integer nanoseconds, never the rounded Stream_Time.
//
// Rejected, never dropped silently: a record with a missing or unparseable
// ID, Start_Time or End_Time, or with End_Time before Start_Time, is counted
// and written to the rejects file (CSV: Position, Reason, then the input's
// columns as read) and produces no event. End_Time == Start_Time is accepted.
//
// Memory is bounded by `memory_rows` input rows, whatever the input's size:
// the input is cut into runs of that many rows, each sorted in memory and
// spilled to an Arrow IPC file in a temporary directory next to the output,
// then the runs are merged k-way while the output is written. The temporary
// directory is removed on success and on error; the output (and the rejects
// file) appear under their final names only once complete.
#pragma once

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/status.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataset/accidents_schema.h"
#include "source/batch_source.h"
#include "util/duration.h"

namespace timecast::dataset {

// The rejects file of `output` when none is named: "<output>.rejects.csv".
inline constexpr const char* kRejectsSuffix = ".rejects.csv";

enum class PrepareFormat { kAuto, kCsv, kParquet };

struct PrepareOptions {
  std::string input;   // a CSV file, or a Parquet file, directory or glob
  std::string output;  // the Parquet file to write
  PrepareFormat format = PrepareFormat::kAuto;  // kAuto: ".csv" is CSV, the rest Parquet

  // --sort: only sort `input` (Parquet) by `time_column`, stably; no events.
  // Rows whose time is null or out of range are rejected like bad accidents.
  bool sort_only = false;
  std::string time_column;

  // Event mode: Stream_Time runs from 0 to `runtime` (generate's default too).
  util::Nanos runtime = std::chrono::hours(1);
  std::string event_column = kDefaultEventColumn;
  std::string id_column = "ID";
  std::string start_column = "Start_Time";
  std::string end_column = "End_Time";

  std::string rejects;  // empty: output + kRejectsSuffix; written only when rows are rejected
  int64_t row_group_rows = 65'536;  // output rows per Parquet row group
  int64_t memory_rows = 250'000;    // input rows per sorted run: the memory bound
};

struct PrepareResult {
  int64_t input_rows = 0;     // records read
  int64_t accepted_rows = 0;  // records that became output (accidents in event mode)
  int64_t rows_written = 0;   // output rows: 2 x accepted in event mode
  int64_t rejected_rows = 0;
  std::map<std::string, int64_t> rejected_by_kind;  // e.g. "End_Time before Start_Time" -> 12
  std::string rejects_path;   // set when a rejects file was written
  int runs = 0;               // sorted runs merged
  int64_t earliest = 0;       // event mode: the event times mapped to 0 and runtime (ns)
  int64_t latest = 0;
  int64_t bytes = 0;          // size of the output file
  double run_seconds = 0;     // phase 1: read, apply the rule, sort and spill runs
  double merge_seconds = 0;   // phase 2: merge the runs, write the output
};

// Checks the options alone; fails with a usage error naming the bad option.
arrow::Status ValidatePrepareOptions(const PrepareOptions& options);

// Runs prepare (or prepare --sort). Input problems are input errors naming the
// file and the line, row group, row or column; no output file is left behind
// on failure. Stops with util::Interrupted() when util::StopRequested().
arrow::Result<PrepareResult> PrepareDataset(const PrepareOptions& options);

// ---------------------------------------------------------------------------
// The accident rule, shared by prepare and the interval event source
// (events.h) so both accept, convert and reject exactly the same records.

// Registers Arrow's compute kernels (needed since Arrow 21); idempotent.
arrow::Status EnsureComputeInitialized();

struct AccidentColumns {
  std::string id = "ID";
  std::string start = "Start_Time";
  std::string end = "End_Time";
};

// One rejected record of a batch.
struct Rejection {
  int64_t row;         // within the batch
  std::string kind;    // e.g. "unparseable ID", for counting
  std::string reason;  // kind plus the offending value(s), for the rejects file
};

// Converts raw accident batches into the normalized form:
//  - ID: a string "A-123" (Kaggle) or "123" becomes int32 123 (field
//    non-nullable, as in RawAccidentsSchema); integer IDs are kept as they
//    are. Missing or unparseable IDs reject the record. An absent ID column
//    is fine.
//  - Start/End: ISO-8601 text ("2016-02-08 05:46:00", fraction and offset
//    allowed; impossible dates rejected) becomes timestamp[ns] without zone;
//    timestamps of any unit become timestamp[ns] keeping their zone. Nulls,
//    unparseable text and End < Start reject the record.
// All other columns pass through unchanged.
class AccidentNormalizer {
 public:
  // Fails with an input error when a time column is missing or of a type that
  // cannot hold times, or the ID column's type is neither integer nor string.
  static arrow::Result<AccidentNormalizer> Make(const std::shared_ptr<arrow::Schema>& input,
                                                AccidentColumns columns = {});

  // The schema of Normalized::accepted.
  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  int start_index() const { return start_index_; }
  int end_index() const { return end_index_; }

  struct Normalized {
    std::shared_ptr<arrow::RecordBatch> accepted;  // accepted rows, normalized, in input order
    std::vector<int64_t> accepted_rows;            // input row (within the batch) of each
    std::vector<int64_t> starts, ends;             // event times (ns) of each accepted row
    std::vector<Rejection> rejected;               // in input order
  };
  arrow::Result<Normalized> Normalize(const arrow::RecordBatch& batch) const;

 private:
  enum class IdKind { kAbsent, kKeep, kParse };
  enum class TimeKind { kText, kTimestamp };
  struct TimeColumn {
    int index = -1;
    TimeKind kind = TimeKind::kText;
    int64_t nanos_per_unit = 1;
  };
  arrow::Status ConvertTimes(const arrow::Array& column, const TimeColumn& spec,
                             const std::string& name, std::vector<int64_t>* nanos,
                             std::vector<std::string>* problems) const;

  std::shared_ptr<arrow::Schema> schema_;
  AccidentColumns columns_;
  IdKind id_kind_ = IdKind::kAbsent;
  int id_index_ = -1;
  TimeColumn start_, end_;
  int start_index_ = -1;
  int end_index_ = -1;
};

// Reads a Kaggle-shaped accidents CSV (the 47 columns of RawAccidentsSchema,
// in order, with a header line) as a stream of record batches with Arrow's
// streaming CSV reader: ID, Start_Time and End_Time as text (for the rule
// above to parse and reject), the others typed per RawAccidentsSchema,
// "True"/"False" booleans, empty fields null. A wrong header fails naming the
// first differing position and both names; a row with the wrong number of
// fields or a value that does not parse fails naming the file, line and
// column. Batches have row_group -1 and first_row = the 1-based data row
// number of their first row (header excluded), so DescribePosition() names
// "raw.csv, row N": the Nth record, on line N+1 unless a field spans lines.
arrow::Result<std::unique_ptr<source::BatchSource>> OpenAccidentsCsv(const std::string& path);

// Merges picked rows of several batches into one batch, in pick order:
// picks[i] = {source index, row}. Rows are copied with Arrow's Take and
// Concatenate (no per-cell code). All sources share one schema.
struct RowPick {
  uint32_t source;
  uint32_t row;
};
arrow::Result<std::shared_ptr<arrow::RecordBatch>> GatherRows(
    const std::shared_ptr<arrow::Schema>& schema,
    const std::vector<std::shared_ptr<arrow::RecordBatch>>& sources,
    const std::vector<RowPick>& picks);

// Stream_Time of event time `t` for the span [earliest, latest] and `runtime`
// seconds, the very expression `generate --stream` uses (so both agree to the
// last bit); 0 when the span is empty.
inline double StreamSeconds(int64_t t, int64_t earliest, int64_t latest, double runtime_seconds) {
  const double width = static_cast<double>(latest - earliest);
  return width > 0 ? static_cast<double>(t - earliest) / width * runtime_seconds : 0.0;
}

}  // namespace timecast::dataset
