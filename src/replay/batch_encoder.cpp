#include "replay/batch_encoder.h"

#include <arrow/record_batch.h>
#include <arrow/type.h>

#include <algorithm>

#include "util/status.h"

namespace timecast::replay {
namespace {

arrow::Result<int> FindColumn(const arrow::Schema& schema, const std::string& name,
                              std::string_view role) {
  const int index = schema.GetFieldIndex(name);
  if (index < 0) {
    return util::UsageError("{} column '{}' not found; the columns are: {}", role, name,
                            source::ColumnNames(schema));
  }
  return index;
}

}  // namespace

std::vector<std::string> ColumnsToRead(const RowFormat& format,
                                       const std::vector<std::string>& input_columns) {
  std::vector<std::string> columns =
      format.value_columns.empty() ? input_columns : format.value_columns;
  auto add = [&](const std::string& name) {
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
  };
  add(format.time.name);
  if (format.key_column) add(*format.key_column);
  for (const auto& header : format.headers) add(header.second);
  if (format.timestamp == TimestampMode::kColumn) add(format.timestamp_column);
  return columns;
}

arrow::Result<std::unique_ptr<BatchEncoder>> BatchEncoder::Make(
    const std::shared_ptr<arrow::Schema>& schema, const RowFormat& format, TimeWindow window,
    bool allow_disorder) {
  std::unique_ptr<BatchEncoder> encoder(new BatchEncoder());
  encoder->format_ = format;
  encoder->window_ = window;
  encoder->allow_disorder_ = allow_disorder;
  ARROW_ASSIGN_OR_RAISE(encoder->time_index_, FindColumn(*schema, format.time.name, "time"));
  ARROW_ASSIGN_OR_RAISE(encoder->converter_,
                        source::TimeConverter::Make(*schema->field(encoder->time_index_)->type(),
                                                    format.time));

  std::vector<std::shared_ptr<arrow::Field>> value_fields;
  if (format.value_columns.empty()) {
    for (int i = 0; i < schema->num_fields(); ++i) encoder->value_indices_.push_back(i);
  } else {
    for (const auto& name : format.value_columns) {
      ARROW_ASSIGN_OR_RAISE(int index, FindColumn(*schema, name, "value"));
      encoder->value_indices_.push_back(index);
    }
  }
  for (int index : encoder->value_indices_) value_fields.push_back(schema->field(index));
  ARROW_ASSIGN_OR_RAISE(encoder->values_, encode::JsonEncoder::Make(arrow::schema(value_fields)));

  std::vector<std::shared_ptr<arrow::Field>> text_fields;
  if (format.key_column) {
    ARROW_ASSIGN_OR_RAISE(int index, FindColumn(*schema, *format.key_column, "key"));
    encoder->text_indices_.push_back(index);
  }
  for (const auto& [name, column] : format.headers) {
    ARROW_ASSIGN_OR_RAISE(int index, FindColumn(*schema, column, "header '" + name + "'"));
    encoder->text_indices_.push_back(index);
  }
  for (int index : encoder->text_indices_) {
    // Field names may repeat here (a column as key and header): rename positionally.
    text_fields.push_back(schema->field(index)->WithName("c" + std::to_string(text_fields.size())));
  }
  ARROW_ASSIGN_OR_RAISE(encoder->texts_, encode::JsonEncoder::Make(arrow::schema(text_fields)));

  if (format.timestamp == TimestampMode::kEvent) {
    if (!encoder->converter_.absolute()) {
      return util::UsageError(
          "--timestamp event needs a timestamp or date time column; '{}' holds {} (use due, "
          "send or a timestamp column such as Start_Time)",
          format.time.name, schema->field(encoder->time_index_)->type()->ToString());
    }
    encoder->timestamp_index_ = encoder->time_index_;
    encoder->timestamp_converter_ = encoder->converter_;
  } else if (format.timestamp == TimestampMode::kColumn) {
    ARROW_ASSIGN_OR_RAISE(encoder->timestamp_index_,
                          FindColumn(*schema, format.timestamp_column, "timestamp"));
    const auto& type = *schema->field(encoder->timestamp_index_)->type();
    if (type.id() != arrow::Type::TIMESTAMP && type.id() != arrow::Type::DATE32 &&
        type.id() != arrow::Type::DATE64) {
      return util::UsageError("--timestamp column '{}' has type {}; it must be a timestamp or date",
                              format.timestamp_column, type.ToString());
    }
    ARROW_ASSIGN_OR_RAISE(encoder->timestamp_converter_,
                          source::TimeConverter::Make(type, {format.timestamp_column}));
  }
  return encoder;
}

void BatchEncoder::StartPass() {
  previous_time_.reset();
  past_until_ = false;
}

void BatchEncoder::ContinueAfter(int64_t time) {
  if (allow_disorder_) return;
  previous_time_ = time;
  previous_position_ = {std::make_shared<const std::string>("the checkpoint's last row"), -1, 0};
}

arrow::Status BatchEncoder::Encode(const source::SourceBatch& source, int pass, EncodedBatch* out) {
  out->Clear();
  out->file = source.file;
  out->file_index = source.file_index;
  out->row_group = source.row_group;
  out->pass = pass;
  out->headers.resize(format_.headers.size());
  const arrow::RecordBatch& batch = *source.batch;

  // A bad value ends the batch there: the rows before it are still encoded
  // (and sent), then the error is returned.
  int64_t rows = batch.num_rows();
  arrow::Status error;
  scratch_times_.clear();
  if (auto bad = converter_.Convert(*batch.column(time_index_), &scratch_times_)) {
    rows = bad->row;
    error = util::InputError("{}: {} in column '{}'", source::DescribePosition(source, bad->row),
                             bad->reason, format_.time.name);
  }
  scratch_timestamps_.clear();
  if (timestamp_index_ >= 0) {
    // Null event timestamps become 0: librdkafka then stamps the send time.
    if (auto bad = timestamp_converter_->Convert(*batch.column(timestamp_index_),
                                                 &scratch_timestamps_, /*null_as=*/0);
        bad && bad->row < rows) {
      rows = bad->row;
      error = util::InputError("{}: {} in timestamp column '{}'",
                               source::DescribePosition(source, bad->row), bad->reason,
                               batch.schema()->field(timestamp_index_)->name());
    }
  }

  ARROW_ASSIGN_OR_RAISE(auto value_batch, batch.SelectColumns(value_indices_));
  ARROW_RETURN_NOT_OK(values_->Bind(*value_batch));
  std::shared_ptr<arrow::RecordBatch> text_batch;
  if (!text_indices_.empty()) {
    ARROW_ASSIGN_OR_RAISE(text_batch, batch.SelectColumns(text_indices_));
    ARROW_RETURN_NOT_OK(texts_->Bind(*text_batch));
  }

  for (int64_t row = 0; row < rows; ++row) {
    const int64_t time = scratch_times_[static_cast<size_t>(row)];
    if (window_.from && time < *window_.from) continue;
    if (window_.until && time >= *window_.until) {
      if (!allow_disorder_) {
        past_until_ = true;
        break;
      }
      continue;
    }
    if (!allow_disorder_ && previous_time_ && time < *previous_time_) {
      return util::InputError(
          "{}: {} {} is earlier than the previous row's {} ({}): the input is not sorted by "
          "'{}'. Sort it with `timecast prepare --sort`, or let replay reorder within a bound "
          "with --max-disorder DURATION",
          source::DescribePosition(source, row), format_.time.name, converter_.Format(time),
          converter_.Format(*previous_time_), previous_position_.Describe(), format_.time.name);
    }
    if (!allow_disorder_) {
      previous_time_ = time;
      previous_position_ = {source.file, source.row_group, source.first_row + row};
    }
    out->rows.push_back(source.first_row + row);
    out->row_groups.push_back(source.row_group);
    out->times.push_back(time);
    values_->AppendRow(row, &out->values.bytes());
    out->values.EndRow();
    int text = 0;
    if (format_.key_column) {
      const bool present = texts_->AppendCellText(text++, row, &out->keys.bytes());
      out->keys.EndRow(!present);
    }
    for (auto& header : out->headers) {
      const bool present = texts_->AppendCellText(text++, row, &header.bytes());
      header.EndRow(!present);
    }
    if (timestamp_index_ >= 0) {
      out->timestamps_ms.push_back(scratch_timestamps_[static_cast<size_t>(row)] / 1'000'000);
    }
  }
  return error;
}

}  // namespace timecast::replay
