#include "replay/reorder.h"

#include "source/batch_source.h"
#include "util/status.h"

namespace timecast::replay {
namespace {

std::string Position(const EncodedBatch& batch, size_t row) {
  return source::DescribePosition({nullptr, batch.file, batch.row_groups[row], 0}, batch.rows[row]);
}

}  // namespace

Reorderer::Reorderer(util::Nanos max_disorder, std::string time_column,
                     const source::TimeConverter& converter,
                     std::function<std::unique_ptr<EncodedBatch>()> make_batch, size_t batch_rows)
    : max_disorder_(max_disorder),
      time_column_(std::move(time_column)),
      converter_(converter),
      make_batch_(std::move(make_batch)),
      batch_rows_(batch_rows) {}

arrow::Status Reorderer::Add(std::shared_ptr<const EncodedBatch> batch) {
  for (size_t row = 0; row < batch->size(); ++row) {
    const int64_t time = batch->times[row];
    if (seen_any_ && time < latest_time_ - max_disorder_.count()) {
      return util::InputError(
          "{}: {} {} is {} earlier than {} ({}), more than --max-disorder {} allows. Sort the "
          "input with `timecast prepare --sort`, or allow more disorder",
          Position(*batch, row), time_column_, converter_.Format(time),
          util::FormatDuration(util::Nanos(latest_time_ - time)), converter_.Format(latest_time_),
          latest_position_, util::FormatDuration(max_disorder_));
    }
    if (!seen_any_ || time > latest_time_) {
      latest_time_ = time;
      latest_position_ = Position(*batch, row);
      seen_any_ = true;
    }
    heap_.push({time, sequence_++, batch, row});
  }
  return arrow::Status::OK();
}

void Reorderer::Release(bool flush, std::vector<std::unique_ptr<EncodedBatch>>* out) {
  // A later row may be as early as latest - max_disorder: everything strictly
  // before that is final. (Equal times are safe too, but waiting costs nothing.)
  const int64_t horizon = latest_time_ - max_disorder_.count();
  while (!heap_.empty() && (flush || heap_.top().time < horizon)) {
    const Pending& next = heap_.top();
    if (building_ && (building_->size() >= batch_rows_ || building_->file != next.batch->file)) {
      out->push_back(std::move(building_));
    }
    if (!building_) {
      building_ = make_batch_();
      building_->Clear();
      building_->file = next.batch->file;
      building_->row_group = next.batch->row_group;
      building_->pass = next.batch->pass;
      building_->headers.resize(next.batch->headers.size());
    }
    CopyRow(next, building_.get());
    heap_.pop();
  }
  // What is released goes out now, not when a batch fills: a row must never
  // wait for later input that may not come (an error, the end of a pass).
  if (building_) out->push_back(std::move(building_));
  if (flush) seen_any_ = false;
}

void Reorderer::CopyRow(const Pending& pending, EncodedBatch* out) {
  const EncodedBatch& in = *pending.batch;
  const size_t row = pending.row;
  out->rows.push_back(in.rows[row]);
  out->row_groups.push_back(in.row_groups[row]);
  out->times.push_back(in.times[row]);
  out->values.bytes().Append(in.values.View(row));
  out->values.EndRow();
  if (in.keys.rows() > 0) {
    const auto key = in.keys.Get(row);
    if (key) out->keys.bytes().Append(*key);
    out->keys.EndRow(!key);
  }
  for (size_t h = 0; h < in.headers.size(); ++h) {
    const auto value = in.headers[h].Get(row);
    if (value) out->headers[h].bytes().Append(*value);
    out->headers[h].EndRow(!value);
  }
  if (!in.timestamps_ms.empty()) out->timestamps_ms.push_back(in.timestamps_ms[row]);
}

}  // namespace timecast::replay
