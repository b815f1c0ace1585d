#include "dataset/events.h"

#include <arrow/api.h>
#include <fmt/format.h>

#include <limits>
#include <queue>
#include <unordered_map>
#include <vector>

#include "dataset/prepare.h"
#include "source/time_column.h"
#include "util/status.h"

// Statistics versus ComputeIntervalRange: Parquet statistics give min(start)
// and max(end) over every record, rejected ones included. prepare's range is
// over accepted records only, so the two differ exactly when a rejected record
// (e.g. one with a null End_Time) holds the earliest start or the latest end.
// Stream_Time then differs by a scale factor; the order never does.

namespace timecast::dataset {
namespace {

constexpr int8_t kStart = 0;
constexpr int8_t kEnd = 1;

class IntervalSource final : public source::BatchSource {
 public:
  IntervalSource(std::unique_ptr<source::BatchSource> raw, IntervalOptions options,
                 AccidentNormalizer normalizer)
      : raw_(std::move(raw)), options_(std::move(options)), normalizer_(std::move(normalizer)) {
    std::vector<std::shared_ptr<arrow::Field>> fields = {
        arrow::field(options_.event_column, arrow::utf8(), false)};
    if (options_.runtime) {
      fields.push_back(arrow::field(kStreamTimeColumn, arrow::float64(), false));
    }
    if (options_.event_time_column) {
      fields.push_back(arrow::field(*options_.event_time_column,
                                    arrow::timestamp(arrow::TimeUnit::NANO), false));
    }
    for (const auto& field : normalizer_.schema()->fields()) fields.push_back(field);
    schema_ = arrow::schema(std::move(fields));
    runtime_seconds_ =
        options_.runtime ? std::chrono::duration<double>(*options_.runtime).count() : 0.0;
  }

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Result<std::vector<source::InputFile>> Identity() const override {
    return raw_->Identity();
  }

  arrow::Status Rewind() override {
    ARROW_RETURN_NOT_OK(raw_->Rewind());
    pending_ = {};
    current_.reset();
    raw_done_ = false;
    deferred_error_ = arrow::Status::OK();
    previous_start_.reset();
    next_sequence_ = 0;
    emitted_ = 0;
    return arrow::Status::OK();
  }

  arrow::Result<std::optional<source::SourceBatch>> Next() override {
    std::vector<Pick> picks;
    picks.reserve(static_cast<size_t>(options_.batch_rows));
    while (static_cast<int64_t>(picks.size()) < options_.batch_rows) {
      if (!HasStart() && !raw_done_) {
        // After an error the rows before it go out first; the error comes next.
        if (!deferred_error_.ok()) break;
        const arrow::Status loaded = LoadBatch();
        if (!loaded.ok()) {
          deferred_error_ = loaded;
          current_.reset();
          break;
        }
        continue;
      }
      const bool has_start = HasStart();
      // Ends strictly before the next Start go first; on equal times the
      // Start leads (prepare's order).
      if (!pending_.empty() && (!has_start || pending_.top().end < current_->starts[cursor_])) {
        const PendingEnd end = pending_.top();
        pending_.pop();
        picks.push_back({end.batch, end.row, end.end, kEnd});
        continue;
      }
      if (!has_start) break;  // all done
      const auto row = static_cast<uint32_t>(cursor_);
      picks.push_back({current_, row, current_->starts[cursor_], kStart});
      pending_.push({current_->ends[cursor_], next_sequence_++, current_, row});
      ++cursor_;
    }
    if (picks.empty()) {
      if (!deferred_error_.ok()) return deferred_error_;
      return std::nullopt;
    }
    return Build(picks);
  }

 private:
  // One normalized raw batch, shared by the Start and End rows taken from it.
  struct Loaded {
    std::shared_ptr<arrow::RecordBatch> rows;
    std::vector<int64_t> starts, ends;
  };
  struct Pick {
    std::shared_ptr<const Loaded> batch;
    uint32_t row;
    int64_t time;
    int8_t kind;
  };
  struct PendingEnd {
    int64_t end;
    int64_t sequence;  // input order: ties among Ends keep it
    std::shared_ptr<const Loaded> batch;
    uint32_t row;
    bool operator>(const PendingEnd& other) const {
      return end != other.end ? end > other.end : sequence > other.sequence;
    }
  };

  bool HasStart() const { return current_ && cursor_ < limit_; }

  // Reads the next raw batch with rows: applies the rule, reports rejects,
  // checks the start order. Rows from an unsorted one on are cut off and the
  // error deferred until the rows before it have gone out (Next() defers the
  // errors this returns the same way).
  arrow::Status LoadBatch() {
    for (;;) {
      ARROW_ASSIGN_OR_RAISE(auto next, raw_->Next());
      if (!next) {
        raw_done_ = true;
        current_.reset();
        return arrow::Status::OK();
      }
      const source::SourceBatch& batch = *next;
      if (!label_ || label_source_ != batch.file) {
        label_source_ = batch.file;
        label_ = std::make_shared<const std::string>(
            fmt::format("{} (Start/End events)", batch.file ? *batch.file : "<input>"));
      }
      ARROW_ASSIGN_OR_RAISE(auto normalized, normalizer_.Normalize(*batch.batch));
      if (options_.on_reject) {
        for (const Rejection& r : normalized.rejected) {
          options_.on_reject(source::DescribePosition(batch, r.row), r.reason);
        }
      }
      const auto rows = static_cast<int64_t>(normalized.starts.size());
      int64_t limit = rows;
      for (int64_t i = 0; i < rows; ++i) {
        const int64_t start = normalized.starts[static_cast<size_t>(i)];
        if (previous_start_ && start < *previous_start_) {
          deferred_error_ = util::InputError(
              "{}: {} {} is earlier than the previous record's {}: the input is not sorted by "
              "'{}'. Sort it with `timecast prepare --sort --time-column {}`, or prepare the "
              "stream with `timecast prepare` and replay that",
              source::DescribePosition(batch, normalized.accepted_rows[static_cast<size_t>(i)]),
              options_.start_column, source::FormatIsoTime(start, 'T', true),
              source::FormatIsoTime(*previous_start_, 'T', true), options_.start_column,
              options_.start_column);
          limit = i;
          break;
        }
        previous_start_ = start;
      }
      if (limit == 0) {
        if (!deferred_error_.ok()) {
          current_.reset();
          return arrow::Status::OK();
        }
        continue;  // nothing accepted in this batch
      }
      auto loaded = std::make_shared<Loaded>();
      loaded->rows = std::move(normalized.accepted);
      loaded->starts = std::move(normalized.starts);
      loaded->ends = std::move(normalized.ends);
      current_ = std::move(loaded);
      cursor_ = 0;
      limit_ = limit;
      return arrow::Status::OK();
    }
  }

  arrow::Result<std::optional<source::SourceBatch>> Build(const std::vector<Pick>& picks) {
    const auto rows = static_cast<int64_t>(picks.size());
    std::vector<std::shared_ptr<arrow::RecordBatch>> sources;
    std::unordered_map<const Loaded*, uint32_t> source_index;
    std::vector<RowPick> row_picks;
    row_picks.reserve(picks.size());
    arrow::StringBuilder events;
    arrow::DoubleBuilder stream_times;
    arrow::TimestampBuilder event_times(arrow::timestamp(arrow::TimeUnit::NANO),
                                        arrow::default_memory_pool());
    ARROW_RETURN_NOT_OK(events.Reserve(rows));
    ARROW_RETURN_NOT_OK(events.ReserveData(rows * 5));
    ARROW_RETURN_NOT_OK(stream_times.Reserve(rows));
    ARROW_RETURN_NOT_OK(event_times.Reserve(rows));
    for (const Pick& pick : picks) {
      auto [it, added] =
          source_index.try_emplace(pick.batch.get(), static_cast<uint32_t>(sources.size()));
      if (added) sources.push_back(pick.batch->rows);
      row_picks.push_back({it->second, pick.row});
      events.UnsafeAppend(pick.kind == kStart ? std::string_view("Start")
                                              : std::string_view("End"));
      stream_times.UnsafeAppend(StreamSeconds(pick.time, options_.range.first,
                                              options_.range.second, runtime_seconds_));
      event_times.UnsafeAppend(pick.time);
    }
    ARROW_ASSIGN_OR_RAISE(auto gathered, GatherRows(normalizer_.schema(), sources, row_picks));
    std::vector<std::shared_ptr<arrow::Array>> columns;
    columns.emplace_back();
    ARROW_RETURN_NOT_OK(events.Finish(&columns.back()));
    if (options_.runtime) {
      columns.emplace_back();
      ARROW_RETURN_NOT_OK(stream_times.Finish(&columns.back()));
    }
    if (options_.event_time_column) {
      columns.emplace_back();
      ARROW_RETURN_NOT_OK(event_times.Finish(&columns.back()));
    }
    for (const auto& column : gathered->columns()) columns.push_back(column);
    source::SourceBatch out{arrow::RecordBatch::Make(schema_, rows, std::move(columns)), label_, -1,
                            emitted_};
    emitted_ += rows;
    return out;
  }

  std::unique_ptr<source::BatchSource> raw_;
  const IntervalOptions options_;
  const AccidentNormalizer normalizer_;
  std::shared_ptr<arrow::Schema> schema_;
  double runtime_seconds_ = 0;

  std::priority_queue<PendingEnd, std::vector<PendingEnd>, std::greater<>> pending_;
  std::shared_ptr<const Loaded> current_;  // the raw batch whose Starts are next
  int64_t cursor_ = 0;                     // next Start in current_
  int64_t limit_ = 0;                      // current_'s rows before an unsorted one
  bool raw_done_ = false;
  arrow::Status deferred_error_;
  std::optional<int64_t> previous_start_;
  int64_t next_sequence_ = 0;
  int64_t emitted_ = 0;
  std::shared_ptr<const std::string> label_source_;
  std::shared_ptr<const std::string> label_;
};

}  // namespace

arrow::Result<std::unique_ptr<source::BatchSource>> MakeIntervalSource(
    std::unique_ptr<source::BatchSource> raw, IntervalOptions options) {
  ARROW_RETURN_NOT_OK(EnsureComputeInitialized());
  if (options.batch_rows < 1) return util::UsageError("batch_rows must be at least 1");
  if (options.runtime && *options.runtime <= util::Nanos(0)) {
    return util::UsageError("--runtime must be positive");
  }
  const auto schema = raw->schema();
  const std::string* event_time =
      options.event_time_column ? &*options.event_time_column : nullptr;
  for (const std::string* name : {static_cast<const std::string*>(&options.event_column),
                                  event_time}) {
    if (name == nullptr) continue;
    if (name->empty()) return util::UsageError("the event column names must not be empty");
    if (schema->GetFieldIndex(*name) >= 0 || *name == kStreamTimeColumn) {
      return util::UsageError("'{}' is already a column of the input; choose another event column "
                              "name",
                              *name);
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto normalizer,
                        AccidentNormalizer::Make(schema, {options.id_column, options.start_column,
                                                          options.end_column}));
  return std::make_unique<IntervalSource>(std::move(raw), std::move(options),
                                          std::move(normalizer));
}

arrow::Result<IntervalRange> ComputeIntervalRange(source::BatchSource& raw,
                                                  const IntervalOptions& options) {
  ARROW_RETURN_NOT_OK(EnsureComputeInitialized());
  ARROW_ASSIGN_OR_RAISE(auto normalizer,
                        AccidentNormalizer::Make(raw.schema(), {options.id_column,
                                                                options.start_column,
                                                                options.end_column}));
  IntervalRange range;
  range.earliest = std::numeric_limits<int64_t>::max();
  range.latest = std::numeric_limits<int64_t>::min();
  for (;;) {
    ARROW_ASSIGN_OR_RAISE(auto next, raw.Next());
    if (!next) break;
    ARROW_ASSIGN_OR_RAISE(auto normalized, normalizer.Normalize(*next->batch));
    range.rejected += static_cast<int64_t>(normalized.rejected.size());
    range.accepted += static_cast<int64_t>(normalized.starts.size());
    // End >= Start for accepted records: the extremes are a start and an end.
    for (int64_t start : normalized.starts) range.earliest = std::min(range.earliest, start);
    for (int64_t end : normalized.ends) range.latest = std::max(range.latest, end);
  }
  ARROW_RETURN_NOT_OK(raw.Rewind());
  if (range.accepted == 0) {
    return util::InputError("no record with valid {} and {} ({} rejected)", options.start_column,
                            options.end_column, range.rejected);
  }
  return range;
}

}  // namespace timecast::dataset
