#include "dataset/prepare.h"

#include <arrow/api.h>
#include <arrow/array/concatenate.h>
#include <arrow/compute/api.h>
#include <arrow/compute/initialize.h>
#include <arrow/csv/api.h>
#include <arrow/csv/writer.h>
#include <arrow/io/file.h>
#include <arrow/ipc/api.h>
#include <arrow/util/compression.h>
#include <arrow/util/key_value_metadata.h>
#include <fmt/format.h>
#include <parquet/arrow/writer.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/properties.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <thread>

#include "dataset/generator.h"
#include "source/parquet_source.h"
#include "source/time_column.h"
#include "util/bounded_queue.h"
#include "util/signals.h"
#include "util/output_file.h"
#include "util/status.h"

namespace timecast::dataset {

namespace fs = std::filesystem;

arrow::Status EnsureComputeInitialized() {
  static const arrow::Status status = arrow::compute::Initialize();
  return status;
}

namespace {

// ---------------------------------------------------------------------------
// Parsing the accident rule's values.

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

// Nanoseconds of ISO-8601 text, or nullopt. Stricter than ParseIsoTime about
// the calendar: "2019-02-30" is not a date (ParseIsoTime only checks day <= 31).
std::optional<int64_t> ParseTimeText(std::string_view text) {
  auto parsed = source::ParseIsoTime(text);
  if (!parsed.ok()) return std::nullopt;
  // ParseIsoTime accepted "YYYY-MM-DD..." so these characters are digits.
  auto number = [&](size_t at, size_t digits) {
    int64_t value = 0;
    for (size_t i = at; i < at + digits; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  const int64_t year = number(0, 4), month = number(5, 2), day = number(8, 2);
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int64_t days = kDaysInMonth[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0);
  if (day > days) return std::nullopt;
  return *parsed;
}

// Kaggle's "A-123", or plain "123", as an int32; nullopt otherwise.
std::optional<int32_t> ParseAccidentId(std::string_view text) {
  if (text.starts_with("A-")) text.remove_prefix(2);
  if (text.empty() || text.size() > 10) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > std::numeric_limits<int32_t>::max()) return std::nullopt;
  return static_cast<int32_t>(value);
}

// A value as it appears in a message: quoted, and cut when very long.
std::string Quote(std::string_view text) {
  constexpr size_t kMax = 60;
  if (text.size() > kMax) return fmt::format("'{}...'", text.substr(0, kMax));
  return fmt::format("'{}'", text);
}

using source::NanosPerUnit;

}  // namespace

// ---------------------------------------------------------------------------
// AccidentNormalizer

arrow::Result<AccidentNormalizer> AccidentNormalizer::Make(
    const std::shared_ptr<arrow::Schema>& input, AccidentColumns columns) {
  AccidentNormalizer n;
  n.columns_ = std::move(columns);
  std::vector<std::shared_ptr<arrow::Field>> fields = input->fields();

  n.id_index_ = input->GetFieldIndex(n.columns_.id);
  if (n.id_index_ >= 0) {
    const auto& type = *input->field(n.id_index_)->type();
    if (arrow::is_integer(type.id())) {
      n.id_kind_ = IdKind::kKeep;
    } else if (type.id() == arrow::Type::STRING || type.id() == arrow::Type::LARGE_STRING) {
      n.id_kind_ = IdKind::kParse;
      fields[static_cast<size_t>(n.id_index_)] =
          arrow::field(n.columns_.id, arrow::int32(), /*nullable=*/false);
    } else {
      return util::InputError("column '{}' is {}; expected integer IDs or text like 'A-123'",
                              n.columns_.id, type.ToString());
    }
  }

  auto time_column = [&](const std::string& name, TimeColumn* spec) -> arrow::Status {
    spec->index = input->GetFieldIndex(name);
    if (spec->index < 0) {
      return util::InputError("column '{}' not found; the columns are: {}", name,
                              source::ColumnNames(*input));
    }
    const auto& type = input->field(spec->index)->type();
    auto& field = fields[static_cast<size_t>(spec->index)];
    if (type->id() == arrow::Type::TIMESTAMP) {
      const auto& ts = static_cast<const arrow::TimestampType&>(*type);
      spec->kind = TimeKind::kTimestamp;
      spec->nanos_per_unit = NanosPerUnit(ts.unit());
      field = arrow::field(name, arrow::timestamp(arrow::TimeUnit::NANO, ts.timezone()));
    } else if (type->id() == arrow::Type::STRING || type->id() == arrow::Type::LARGE_STRING) {
      spec->kind = TimeKind::kText;
      field = arrow::field(name, arrow::timestamp(arrow::TimeUnit::NANO));
    } else {
      return util::InputError(
          "column '{}' is {}; expected a timestamp or ISO-8601 text such as "
          "'2016-02-08 05:46:00'",
          name, type->ToString());
    }
    return arrow::Status::OK();
  };
  ARROW_RETURN_NOT_OK(time_column(n.columns_.start, &n.start_));
  ARROW_RETURN_NOT_OK(time_column(n.columns_.end, &n.end_));
  n.start_index_ = n.start_.index;
  n.end_index_ = n.end_.index;
  n.schema_ = arrow::schema(std::move(fields));  // no metadata: it describes the input file
  return n;
}

// Fills `nanos` (one per row; 0 where the value is bad) and, for bad values,
// `problems` (empty string where fine).
arrow::Status AccidentNormalizer::ConvertTimes(const arrow::Array& column, const TimeColumn& spec,
                                               const std::string& name,
                                               std::vector<int64_t>* nanos,
                                               std::vector<std::string>* problems) const {
  const int64_t rows = column.length();
  nanos->assign(static_cast<size_t>(rows), 0);
  auto fail = [&](int64_t row, std::string problem) {
    if (problems->empty()) problems->resize(static_cast<size_t>(rows));
    (*problems)[static_cast<size_t>(row)] = std::move(problem);
  };
  if (spec.kind == TimeKind::kTimestamp) {
    const auto& typed = static_cast<const arrow::TimestampArray&>(column);
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    for (int64_t i = 0; i < rows; ++i) {
      if (typed.IsNull(i)) {
        fail(i, "missing " + name);
        continue;
      }
      const int64_t value = typed.Value(i);
      if (spec.nanos_per_unit > 1 &&
          (value > kMax / spec.nanos_per_unit || value < -kMax / spec.nanos_per_unit)) {
        fail(i, fmt::format("{} {} out of range", name, value));
        continue;
      }
      (*nanos)[static_cast<size_t>(i)] = value * spec.nanos_per_unit;
    }
    return arrow::Status::OK();
  }
  auto convert = [&](const auto& typed) {
    for (int64_t i = 0; i < rows; ++i) {
      if (typed.IsNull(i)) {
        fail(i, "missing " + name);
        continue;
      }
      const std::string_view text = typed.GetView(i);
      const std::optional<int64_t> parsed = ParseTimeText(text);
      if (!parsed) {
        fail(i, fmt::format("unparseable {} {}", name, Quote(text)));
        continue;
      }
      (*nanos)[static_cast<size_t>(i)] = *parsed;
    }
  };
  if (column.type_id() == arrow::Type::LARGE_STRING) {
    convert(static_cast<const arrow::LargeStringArray&>(column));
  } else {
    convert(static_cast<const arrow::StringArray&>(column));
  }
  return arrow::Status::OK();
}

arrow::Result<AccidentNormalizer::Normalized> AccidentNormalizer::Normalize(
    const arrow::RecordBatch& batch) const {
  const int64_t rows = batch.num_rows();
  Normalized out;
  // Reasons, first problem wins: ID, then Start, then End, then their order.
  std::vector<std::string> reasons;  // empty, or one per row ("" = accepted)
  std::vector<std::string> kinds;
  auto reject = [&](int64_t row, std::string kind, std::string reason) {
    if (reasons.empty()) {
      reasons.resize(static_cast<size_t>(rows));
      kinds.resize(static_cast<size_t>(rows));
    }
    auto& slot = reasons[static_cast<size_t>(row)];
    if (!slot.empty()) return;
    slot = std::move(reason);
    kinds[static_cast<size_t>(row)] = std::move(kind);
  };

  std::vector<std::shared_ptr<arrow::Array>> columns = batch.columns();
  if (id_kind_ == IdKind::kParse) {
    const auto& column = *batch.column(id_index_);
    std::vector<int32_t> ids(static_cast<size_t>(rows), 0);
    auto parse = [&](const auto& typed) {
      for (int64_t i = 0; i < rows; ++i) {
        if (typed.IsNull(i)) {
          reject(i, "missing " + columns_.id, "missing " + columns_.id);
          continue;
        }
        const std::string_view text = typed.GetView(i);
        const auto id = ParseAccidentId(text);
        if (!id) {
          reject(i, "unparseable " + columns_.id,
                 fmt::format("unparseable {} {}", columns_.id, Quote(text)));
          continue;
        }
        ids[static_cast<size_t>(i)] = *id;
      }
    };
    if (column.type_id() == arrow::Type::LARGE_STRING) {
      parse(static_cast<const arrow::LargeStringArray&>(column));
    } else {
      parse(static_cast<const arrow::StringArray&>(column));
    }
    arrow::Int32Builder builder;
    ARROW_RETURN_NOT_OK(builder.AppendValues(ids));
    ARROW_ASSIGN_OR_RAISE(columns[static_cast<size_t>(id_index_)], builder.Finish());
  } else if (id_kind_ == IdKind::kKeep) {
    const auto& column = *batch.column(id_index_);
    if (column.null_count() > 0) {
      for (int64_t i = 0; i < rows; ++i) {
        if (column.IsNull(i)) reject(i, "missing " + columns_.id, "missing " + columns_.id);
      }
    }
  }

  std::vector<int64_t> starts, ends;
  std::vector<std::string> start_problems, end_problems;
  ARROW_RETURN_NOT_OK(ConvertTimes(*batch.column(start_.index), start_, columns_.start, &starts,
                                   &start_problems));
  ARROW_RETURN_NOT_OK(
      ConvertTimes(*batch.column(end_.index), end_, columns_.end, &ends, &end_problems));
  auto kind_of = [](const std::string& problem) {
    // "missing X" / "unparseable X 'text'" / "X 123 out of range": the words before the value.
    const size_t quote = problem.find(" '");
    if (quote != std::string::npos) return problem.substr(0, quote);
    if (problem.ends_with(" out of range")) {
      return problem.substr(0, problem.find(' ')) + " out of range";
    }
    return problem;
  };
  for (int64_t i = 0; i < rows; ++i) {
    const auto row = static_cast<size_t>(i);
    if (!start_problems.empty() && !start_problems[row].empty()) {
      reject(i, kind_of(start_problems[row]), start_problems[row]);
    }
    if (!end_problems.empty() && !end_problems[row].empty()) {
      reject(i, kind_of(end_problems[row]), end_problems[row]);
    }
    if (ends[row] < starts[row] && (start_problems.empty() || start_problems[row].empty()) &&
        (end_problems.empty() || end_problems[row].empty())) {
      reject(i, fmt::format("{} before {}", columns_.end, columns_.start),
             fmt::format("{} {} is before {} {}", columns_.end,
                         source::FormatIsoTime(ends[row], 'T', true), columns_.start,
                         source::FormatIsoTime(starts[row], 'T', true)));
    }
  }

  // The time columns as timestamp[ns]: reuse nanosecond columns as they are.
  auto time_array = [&](const TimeColumn& spec, const std::vector<int64_t>& nanos)
      -> arrow::Result<std::shared_ptr<arrow::Array>> {
    if (spec.kind == TimeKind::kTimestamp && spec.nanos_per_unit == 1) {
      return batch.column(spec.index);
    }
    arrow::TimestampBuilder builder(schema_->field(spec.index)->type(),
                                    arrow::default_memory_pool());
    ARROW_RETURN_NOT_OK(builder.AppendValues(nanos));
    return builder.Finish();
  };
  ARROW_ASSIGN_OR_RAISE(columns[static_cast<size_t>(start_.index)], time_array(start_, starts));
  ARROW_ASSIGN_OR_RAISE(columns[static_cast<size_t>(end_.index)], time_array(end_, ends));
  auto normalized = arrow::RecordBatch::Make(schema_, rows, std::move(columns));

  if (reasons.empty()) {
    out.accepted = std::move(normalized);
    out.accepted_rows.resize(static_cast<size_t>(rows));
    std::iota(out.accepted_rows.begin(), out.accepted_rows.end(), int64_t{0});
    out.starts = std::move(starts);
    out.ends = std::move(ends);
    return out;
  }
  arrow::Int64Builder keep;
  ARROW_RETURN_NOT_OK(keep.Reserve(rows));
  for (int64_t i = 0; i < rows; ++i) {
    const auto row = static_cast<size_t>(i);
    if (reasons[row].empty()) {
      keep.UnsafeAppend(i);
      out.accepted_rows.push_back(i);
      out.starts.push_back(starts[row]);
      out.ends.push_back(ends[row]);
    } else {
      out.rejected.push_back({i, std::move(kinds[row]), std::move(reasons[row])});
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto indices, keep.Finish());
  ARROW_ASSIGN_OR_RAISE(arrow::Datum taken, arrow::compute::Take(normalized, indices));
  out.accepted = taken.record_batch();
  return out;
}

// ---------------------------------------------------------------------------
// GatherRows

arrow::Result<std::shared_ptr<arrow::RecordBatch>> GatherRows(
    const std::shared_ptr<arrow::Schema>& schema,
    const std::vector<std::shared_ptr<arrow::RecordBatch>>& sources,
    const std::vector<RowPick>& picks) {
  const auto total = static_cast<int64_t>(picks.size());
  if (total == 0) return arrow::RecordBatch::MakeEmpty(schema);
  // Rows grouped by source (sources in index order, rows in pick order), and
  // where each pick lands in that grouping.
  std::vector<int64_t> offsets(sources.size() + 1, 0);
  for (const RowPick& pick : picks) ++offsets[pick.source + 1];
  std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
  std::vector<int64_t> cursor(offsets.begin(), offsets.end() - 1);
  std::vector<int64_t> grouped_rows(picks.size());
  arrow::Int64Builder positions;
  ARROW_RETURN_NOT_OK(positions.Reserve(total));
  bool identity = true;
  for (int64_t i = 0; i < total; ++i) {
    const RowPick& pick = picks[static_cast<size_t>(i)];
    const int64_t at = cursor[pick.source]++;
    grouped_rows[static_cast<size_t>(at)] = pick.row;
    positions.UnsafeAppend(at);
    identity &= at == i;
  }

  std::vector<std::shared_ptr<arrow::RecordBatch>> parts;
  for (size_t s = 0; s < sources.size(); ++s) {
    const int64_t begin = offsets[s], end = offsets[s + 1];
    if (begin == end) continue;
    const int64_t first = grouped_rows[static_cast<size_t>(begin)];
    bool contiguous = true;
    for (int64_t k = begin + 1; k < end && contiguous; ++k) {
      contiguous = grouped_rows[static_cast<size_t>(k)] == first + (k - begin);
    }
    if (contiguous) {
      parts.push_back(sources[s]->Slice(first, end - begin));
      continue;
    }
    arrow::Int64Builder rows;
    ARROW_RETURN_NOT_OK(rows.AppendValues(grouped_rows.data() + begin, end - begin));
    ARROW_ASSIGN_OR_RAISE(auto indices, rows.Finish());
    ARROW_ASSIGN_OR_RAISE(arrow::Datum taken, arrow::compute::Take(sources[s], indices));
    parts.push_back(taken.record_batch());
  }

  std::shared_ptr<arrow::RecordBatch> grouped;
  if (parts.size() == 1) {
    grouped = parts[0];
  } else {
    std::vector<std::shared_ptr<arrow::Array>> columns;
    for (int c = 0; c < schema->num_fields(); ++c) {
      arrow::ArrayVector pieces;
      for (const auto& part : parts) pieces.push_back(part->column(c));
      ARROW_ASSIGN_OR_RAISE(auto column, arrow::Concatenate(pieces));
      columns.push_back(std::move(column));
    }
    grouped = arrow::RecordBatch::Make(schema, total, std::move(columns));
  }
  if (identity) return grouped->ReplaceSchema(schema);
  ARROW_ASSIGN_OR_RAISE(auto permutation, positions.Finish());
  ARROW_ASSIGN_OR_RAISE(arrow::Datum taken, arrow::compute::Take(grouped, permutation));
  return taken.record_batch()->ReplaceSchema(schema);
}

// ---------------------------------------------------------------------------
// CSV input

namespace {

// Splits CSV text into records as Arrow's parser does (RFC 4180 quotes, ""
// inside quotes, LF or CRLF line ends, quoted line breaks, empty lines
// skipped), counting lines. Only used to read the header and to find where
// Arrow's reader failed, so plain and simple beats fast.
class CsvScanner {
 public:
  explicit CsvScanner(const std::string& path) : in_(path, std::ios::binary) {
    if (in_.peek() == 0xEF) {  // UTF-8 byte order mark
      char bom[3];
      in_.read(bom, 3);
      if (!(bom[0] == '\xEF' && bom[1] == '\xBB' && bom[2] == '\xBF')) in_.seekg(0);
    }
  }
  bool good() const { return static_cast<bool>(in_); }

  // The next record's fields and the line it starts on; false at the end.
  bool Next(std::vector<std::string>* fields, int64_t* line) {
    fields->clear();
    int c;
    // Skip empty lines.
    while ((c = in_.get()) == '\n' || c == '\r') {
      if (c == '\n') ++line_;
    }
    if (c == std::char_traits<char>::eof()) return false;
    *line = line_;
    fields->emplace_back();
    bool quoted = false;
    for (; c != std::char_traits<char>::eof(); c = in_.get()) {
      const char ch = static_cast<char>(c);
      if (quoted) {
        if (ch == '"') {
          if (in_.peek() == '"') {
            in_.get();
            fields->back().push_back('"');
          } else {
            quoted = false;
          }
        } else {
          if (ch == '\n') ++line_;
          fields->back().push_back(ch);
        }
        continue;
      }
      if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        fields->emplace_back();
      } else if (ch == '\n') {
        ++line_;
        break;
      } else if (ch == '\r') {
        if (in_.peek() == '\n') in_.get();
        ++line_;
        break;
      } else {
        fields->back().push_back(ch);
      }
    }
    return true;
  }

 private:
  std::ifstream in_;
  int64_t line_ = 1;
};

const std::vector<std::string>& TrueValues() {
  static const std::vector<std::string> values = {"True", "true", "TRUE"};
  return values;
}
const std::vector<std::string>& FalseValues() {
  static const std::vector<std::string> values = {"False", "false", "FALSE"};
  return values;
}

// The CSV column types: RawAccidentsSchema's, with the columns the accident
// rule parses itself read as text.
std::shared_ptr<arrow::Schema> CsvReadSchema() {
  const auto raw = RawAccidentsSchema();
  std::vector<std::shared_ptr<arrow::Field>> fields;
  for (const auto& field : raw->fields()) {
    const bool as_text =
        field->name() == "ID" || field->name() == "Start_Time" || field->name() == "End_Time";
    fields.push_back(arrow::field(field->name(), as_text ? arrow::utf8() : field->type()));
  }
  return arrow::schema(std::move(fields));
}

// Whether Arrow's CSV converter would accept `text` as `type` (approximately:
// used only to point at the cell that made it fail).
bool CellParses(std::string_view text, const arrow::DataType& type) {
  if (text.empty()) return true;  // null
  // Parses all of `text` into `value`.
  auto whole = [&](auto& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
  };
  switch (type.id()) {
    case arrow::Type::BOOL: {
      auto in = [&](const std::vector<std::string>& values) {
        return std::find(values.begin(), values.end(), text) != values.end();
      };
      return in(TrueValues()) || in(FalseValues());
    }
    case arrow::Type::INT8: {
      int8_t value = 0;
      return whole(value);
    }
    case arrow::Type::FLOAT: {
      float value = 0;
      return whole(value);
    }
    case arrow::Type::DOUBLE: {
      double value = 0;
      return whole(value);
    }
    case arrow::Type::TIMESTAMP: return source::ParseIsoTime(text).ok();
    default: return true;
  }
}

// Shared between the reader's invalid-row handler (which may run on Arrow's
// threads) and the source: whether the failure was a row of the wrong width.
struct RaggedRowSeen {
  std::atomic<bool> seen{false};
};

class CsvSource final : public source::BatchSource {
 public:
  static arrow::Result<std::unique_ptr<CsvSource>> Open(const std::string& path) {
    std::unique_ptr<CsvSource> source(new CsvSource());
    source->path_ = std::make_shared<const std::string>(path);
    ARROW_RETURN_NOT_OK(source->CheckHeader());
    ARROW_RETURN_NOT_OK(source->Rewind());
    return source;
  }

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Result<std::optional<source::SourceBatch>> Next() override {
    if (!reader_) return std::nullopt;
    std::shared_ptr<arrow::RecordBatch> batch;
    const arrow::Status read = reader_->ReadNext(&batch);
    if (!read.ok()) return Explain(read);
    if (!batch) {
      reader_.reset();
      return std::nullopt;
    }
    ARROW_ASSIGN_OR_RAISE(batch, batch->ReplaceSchema(schema_));
    source::SourceBatch out{batch, path_, -1, rows_read_ + 1};
    rows_read_ += batch->num_rows();
    return out;
  }

  arrow::Status Rewind() override {
    reader_.reset();
    rows_read_ = 0;
    ragged_ = std::make_shared<RaggedRowSeen>();
    auto input = arrow::io::ReadableFile::Open(*path_);
    if (!input.ok()) {
      return util::InputError("cannot open '{}': {}", *path_, input.status().message());
    }
    auto read_options = arrow::csv::ReadOptions::Defaults();
    read_options.use_threads = true;
    read_options.block_size = 1 << 20;
    auto parse_options = arrow::csv::ParseOptions::Defaults();
    parse_options.newlines_in_values = true;  // pandas quotes line breaks inside fields
    parse_options.invalid_row_handler = [ragged = ragged_](const arrow::csv::InvalidRow&) {
      ragged->seen = true;
      return arrow::csv::InvalidRowResult::Error;
    };
    auto convert_options = arrow::csv::ConvertOptions::Defaults();
    for (const auto& field : schema_->fields()) {
      convert_options.column_types[field->name()] = field->type();
    }
    convert_options.null_values = {""};
    convert_options.strings_can_be_null = true;
    convert_options.true_values = TrueValues();
    convert_options.false_values = FalseValues();
    auto reader = arrow::csv::StreamingReader::Make(arrow::io::default_io_context(), *input,
                                                    read_options, parse_options, convert_options);
    if (!reader.ok()) return Explain(reader.status());
    reader_ = *reader;
    return arrow::Status::OK();
  }

 private:
  CsvSource() : schema_(CsvReadSchema()) {}

  arrow::Status CheckHeader() {
    CsvScanner scanner(*path_);
    if (!scanner.good()) return util::InputError("cannot open '{}'", *path_);
    std::vector<std::string> names;
    int64_t line = 0;
    if (!scanner.Next(&names, &line)) {
      return util::InputError("'{}' is empty; expected a CSV header line with the {} columns of "
                              "US Accidents, starting with ID,Severity,Start_Time",
                              *path_, schema_->num_fields());
    }
    const auto expected = static_cast<size_t>(schema_->num_fields());
    for (size_t i = 0; i < std::min(names.size(), expected); ++i) {
      if (names[i] != schema_->field(static_cast<int>(i))->name()) {
        return util::InputError("{}, line {}: header column {} is '{}', expected '{}'", *path_,
                                line, i + 1, names[i], schema_->field(static_cast<int>(i))->name());
      }
    }
    if (names.size() < expected) {
      return util::InputError("{}, line {}: the header has {} columns, expected {}; column {} '{}' "
                              "is missing",
                              *path_, line, names.size(), expected, names.size() + 1,
                              schema_->field(static_cast<int>(names.size()))->name());
    }
    if (names.size() > expected) {
      return util::InputError("{}, line {}: the header has {} columns, expected {}; column {} '{}' "
                              "is extra",
                              *path_, line, names.size(), expected, expected + 1, names[expected]);
    }
    return arrow::Status::OK();
  }

  // Turns the reader's error into one naming the line (and the column),
  // found by scanning the file: Arrow's message lacks them when it reads with
  // threads or when a value fails to convert.
  arrow::Status Explain(const arrow::Status& error) const {
    CsvScanner scanner(*path_);
    std::vector<std::string> fields;
    int64_t line = 0;
    scanner.Next(&fields, &line);  // the header, checked already
    const auto expected = static_cast<size_t>(schema_->num_fields());
    while (scanner.Next(&fields, &line)) {
      if (fields.size() != expected) {
        return util::InputError("{}, line {}: expected {} fields, found {}", *path_, line,
                                expected, fields.size());
      }
      if (ragged_->seen) continue;  // a width problem: no need to look at values
      for (size_t c = 0; c < expected; ++c) {
        const auto& type = *schema_->field(static_cast<int>(c))->type();
        if (!CellParses(fields[c], type)) {
          return util::InputError("{}, line {}, column {} '{}': cannot read {} as {}", *path_,
                                  line, c + 1, schema_->field(static_cast<int>(c))->name(),
                                  Quote(fields[c]), type.ToString());
        }
      }
    }
    return util::InputError("{}, after data row {}: {}", *path_, rows_read_, error.message());
  }

  std::shared_ptr<const std::string> path_;
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<arrow::csv::StreamingReader> reader_;
  std::shared_ptr<RaggedRowSeen> ragged_;
  int64_t rows_read_ = 0;
};

}  // namespace

arrow::Result<std::unique_ptr<source::BatchSource>> OpenAccidentsCsv(const std::string& path) {
  ARROW_ASSIGN_OR_RAISE(auto source, CsvSource::Open(path));
  return std::unique_ptr<source::BatchSource>(std::move(source));
}

// ---------------------------------------------------------------------------
// prepare

namespace {

constexpr const char* kRunTimeColumn = "__timecast_time";
constexpr const char* kRunKindColumn = "__timecast_kind";
constexpr int8_t kStartKind = 0;  // sorts first on equal times
constexpr int8_t kEndKind = 1;
// The final merge reads one batch from each of at most kMaxMergeFanIn runs;
// run batches have memory_rows / kMaxMergeFanIn rows (within these bounds),
// so the merge holds about memory_rows rows, like a run being built.
constexpr size_t kMaxMergeFanIn = 64;
constexpr int64_t kMinRunBatchRows = 1'024;
constexpr int64_t kMaxRunBatchRows = 16'384;

int64_t RunBatchRows(int64_t memory_rows) {
  return std::clamp(memory_rows / static_cast<int64_t>(kMaxMergeFanIn), kMinRunBatchRows,
                    kMaxRunBatchRows);
}

arrow::Status CheckStop(const char* what) {
  if (!util::StopRequested()) return arrow::Status::OK();
  return util::Interrupted(fmt::format("interrupted by {} while {}; no file written",
                                       util::StopSignal() == SIGTERM ? "SIGTERM" : "SIGINT", what));
}

// One input batch after the rule: the accepted rows (payload) and their keys.
struct KeyedRows {
  std::shared_ptr<arrow::RecordBatch> payload;
  std::vector<int64_t> times;      // Start times (event mode) or the sort column (ns)
  std::vector<int64_t> end_times;  // event mode only
};

// Applies the rule to one input batch: event mode (AccidentNormalizer) or
// --sort mode (the time column through TimeConverter; nulls and bad values
// rejected).
class InputRule {
 public:
  static arrow::Result<InputRule> Make(const PrepareOptions& o,
                                       const std::shared_ptr<arrow::Schema>& input) {
    InputRule rule;
    rule.sort_only_ = o.sort_only;
    if (o.sort_only) {
      rule.time_index_ = input->GetFieldIndex(o.time_column);
      if (rule.time_index_ < 0) {
        return util::UsageError("--time-column '{}' is not a column of '{}'; its columns are: {}",
                                o.time_column, o.input, source::ColumnNames(*input));
      }
      rule.time_name_ = o.time_column;
      ARROW_ASSIGN_OR_RAISE(rule.converter_,
                            source::TimeConverter::Make(*input->field(rule.time_index_)->type(),
                                                        {.name = o.time_column}));
      rule.payload_schema_ = input->RemoveMetadata();
      return rule;
    }
    ARROW_ASSIGN_OR_RAISE(rule.normalizer_,
                          AccidentNormalizer::Make(input, {o.id_column, o.start_column,
                                                           o.end_column}));
    rule.payload_schema_ = rule.normalizer_->schema();
    return rule;
  }

  const std::shared_ptr<arrow::Schema>& payload_schema() const { return payload_schema_; }

  arrow::Result<KeyedRows> Apply(const arrow::RecordBatch& batch,
                                 std::vector<Rejection>* rejected) const {
    KeyedRows out;
    if (!sort_only_) {
      ARROW_ASSIGN_OR_RAISE(auto normalized, normalizer_->Normalize(batch));
      out.payload = std::move(normalized.accepted);
      out.times = std::move(normalized.starts);
      out.end_times = std::move(normalized.ends);
      *rejected = std::move(normalized.rejected);
      return out;
    }
    const auto column = batch.column(time_index_);
    int64_t from = 0;
    std::vector<int64_t> bad;
    while (from < batch.num_rows()) {
      const auto rest = column->Slice(from);
      const auto problem = converter_->Convert(*rest, &out.times);
      if (!problem) break;
      const int64_t row = from + problem->row;
      bad.push_back(row);
      rejected->push_back(
          {row, problem->reason, fmt::format("{}: {}", time_name_, problem->reason)});
      from = row + 1;
    }
    if (bad.empty()) {
      ARROW_ASSIGN_OR_RAISE(out.payload, batch.ReplaceSchema(payload_schema_));
      return out;
    }
    arrow::Int64Builder keep;
    size_t next_bad = 0;
    for (int64_t i = 0; i < batch.num_rows(); ++i) {
      if (next_bad < bad.size() && bad[next_bad] == i) {
        ++next_bad;
        continue;
      }
      ARROW_RETURN_NOT_OK(keep.Append(i));
    }
    ARROW_ASSIGN_OR_RAISE(auto indices, keep.Finish());
    ARROW_ASSIGN_OR_RAISE(auto plain, batch.ReplaceSchema(payload_schema_));
    ARROW_ASSIGN_OR_RAISE(arrow::Datum taken, arrow::compute::Take(plain, indices));
    out.payload = taken.record_batch();
    return out;
  }

 private:
  bool sort_only_ = false;
  std::optional<AccidentNormalizer> normalizer_;
  int time_index_ = -1;
  std::string time_name_;
  std::optional<source::TimeConverter> converter_;
  std::shared_ptr<arrow::Schema> payload_schema_;
};

// Writes rejected input rows as CSV (Position, Reason, then the input's
// columns as read) to a temporary file, opened at the first reject and
// renamed into place by Commit().
class RejectsWriter {
 public:
  RejectsWriter(std::string path, std::shared_ptr<arrow::Schema> input_schema)
      : path_(std::move(path)),
        temporary_(fmt::format("{}.tmp-{}", path_, getpid())),
        input_schema_(input_schema->RemoveMetadata()) {}
  ~RejectsWriter() {
    if (file_) {
      (void)file_->Close();
      std::error_code ec;
      fs::remove(temporary_, ec);
    }
  }

  int64_t rows() const { return rows_; }
  const std::map<std::string, int64_t>& by_kind() const { return by_kind_; }

  arrow::Status Write(const source::SourceBatch& input, const std::vector<Rejection>& rejected) {
    if (rejected.empty()) return arrow::Status::OK();
    if (!file_) ARROW_RETURN_NOT_OK(Open());
    arrow::StringBuilder positions, reasons;
    arrow::Int64Builder rows;
    for (const Rejection& r : rejected) {
      ARROW_RETURN_NOT_OK(positions.Append(source::DescribePosition(input, r.row)));
      ARROW_RETURN_NOT_OK(reasons.Append(r.reason));
      ARROW_RETURN_NOT_OK(rows.Append(r.row));
      ++by_kind_[r.kind];
    }
    ARROW_ASSIGN_OR_RAISE(auto indices, rows.Finish());
    ARROW_ASSIGN_OR_RAISE(auto plain, input.batch->ReplaceSchema(input_schema_));
    ARROW_ASSIGN_OR_RAISE(arrow::Datum taken, arrow::compute::Take(plain, indices));
    std::vector<std::shared_ptr<arrow::Array>> columns(2);
    ARROW_RETURN_NOT_OK(positions.Finish(&columns[0]));
    ARROW_RETURN_NOT_OK(reasons.Finish(&columns[1]));
    for (const auto& column : taken.record_batch()->columns()) columns.push_back(column);
    auto batch = arrow::RecordBatch::Make(schema_, static_cast<int64_t>(rejected.size()),
                                          std::move(columns));
    rows_ += batch->num_rows();
    return writer_->WriteRecordBatch(*batch);
  }

  // Closes the file and renames it to its final name. Without rejects, removes
  // a rejects file an earlier run left there, so its presence always tells.
  arrow::Status Commit() {
    std::error_code ec;
    if (!file_) {
      fs::remove(path_, ec);
      return arrow::Status::OK();
    }
    ARROW_RETURN_NOT_OK(writer_->Close());
    ARROW_RETURN_NOT_OK(file_->Close());
    file_.reset();
    fs::rename(temporary_, path_, ec);
    if (ec) return util::UsageError("cannot write '{}': {}", path_, ec.message());
    return arrow::Status::OK();
  }

 private:
  arrow::Status Open() {
    auto opened = arrow::io::FileOutputStream::Open(temporary_);
    if (!opened.ok()) {
      return util::UsageError("cannot write rejects file '{}': {}", path_,
                              opened.status().message());
    }
    file_ = *opened;
    std::vector<std::shared_ptr<arrow::Field>> fields = {arrow::field("Position", arrow::utf8()),
                                                         arrow::field("Reason", arrow::utf8())};
    for (const auto& field : input_schema_->fields()) fields.push_back(field);
    schema_ = arrow::schema(std::move(fields));
    ARROW_ASSIGN_OR_RAISE(writer_, arrow::csv::MakeCSVWriter(file_, schema_));
    return arrow::Status::OK();
  }

  const std::string path_;
  const std::string temporary_;
  const std::shared_ptr<arrow::Schema> input_schema_;
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<arrow::io::FileOutputStream> file_;
  std::shared_ptr<arrow::ipc::RecordBatchWriter> writer_;
  int64_t rows_ = 0;
  std::map<std::string, int64_t> by_kind_;
};

// A directory removed with everything in it when this goes out of scope.
class TemporaryDirectory {
 public:
  explicit TemporaryDirectory(std::string path) : path_(std::move(path)) {}
  ~TemporaryDirectory() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  arrow::Status Create() {
    std::error_code ec;
    fs::create_directory(path_, ec);
    if (ec) return util::UsageError("cannot create '{}': {}", path_, ec.message());
    return arrow::Status::OK();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The schema of run files: event time and kind, then the payload.
std::shared_ptr<arrow::Schema> RunSchema(const arrow::Schema& payload) {
  std::vector<std::shared_ptr<arrow::Field>> fields = {
      arrow::field(kRunTimeColumn, arrow::int64(), false),
      arrow::field(kRunKindColumn, arrow::int8(), false)};
  for (const auto& field : payload.fields()) fields.push_back(field);
  return arrow::schema(std::move(fields));
}

// Run files are Arrow IPC, written in batches of `batch_rows`.
class RunWriter {
 public:
  static arrow::Result<RunWriter> Open(const std::string& path,
                                       const std::shared_ptr<arrow::Schema>& run_schema) {
    RunWriter run;
    auto opened = arrow::io::FileOutputStream::Open(path);
    if (!opened.ok()) {
      return util::UsageError("cannot write '{}': {}", path, opened.status().message());
    }
    run.file_ = *opened;
    ARROW_ASSIGN_OR_RAISE(run.writer_, arrow::ipc::MakeFileWriter(run.file_, run_schema));
    return run;
  }
  arrow::Status Write(const arrow::RecordBatch& batch) { return writer_->WriteRecordBatch(batch); }
  arrow::Status Close() {
    ARROW_RETURN_NOT_OK(writer_->Close());
    return file_->Close();
  }

 private:
  std::shared_ptr<arrow::io::FileOutputStream> file_;
  std::shared_ptr<arrow::ipc::RecordBatchWriter> writer_;
};

// Sorts the accumulated rows of one run by (time, kind, input order) and
// writes them to `path` in batches of `batch_rows`. In event mode each row is
// written twice (Start at times[i], End at end_times[i]). Rows are gathered
// from the pending batches slice by slice: no copy of the whole run.
arrow::Status WriteRun(const std::vector<KeyedRows>& pending,
                       const std::shared_ptr<arrow::Schema>& payload_schema,
                       const std::shared_ptr<arrow::Schema>& run_schema, bool events,
                       int64_t batch_rows, const std::string& path) {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  std::vector<int64_t> times;
  std::vector<RowPick> place;  // accepted row -> (pending batch, row)
  for (const auto& keyed : pending) {
    const auto b = static_cast<uint32_t>(batches.size());
    batches.push_back(keyed.payload);
    times.insert(times.end(), keyed.times.begin(), keyed.times.end());
    for (int64_t r = 0; r < keyed.payload->num_rows(); ++r) {
      place.push_back({b, static_cast<uint32_t>(r)});
    }
  }
  const auto rows = static_cast<int64_t>(times.size());
  if (events) {
    for (const auto& keyed : pending) {
      times.insert(times.end(), keyed.end_times.begin(), keyed.end_times.end());
    }
  }

  // Key order: event index k < rows is row k's Start, k >= rows row k-rows's
  // End; sorting (time, k) is the stable sort of "all Starts, then all Ends".
  std::vector<std::pair<int64_t, uint32_t>> order(times.size());
  for (size_t k = 0; k < times.size(); ++k) order[k] = {times[k], static_cast<uint32_t>(k)};
  std::sort(order.begin(), order.end());

  ARROW_ASSIGN_OR_RAISE(RunWriter run, RunWriter::Open(path, run_schema));
  std::vector<RowPick> picks;
  for (size_t begin = 0; begin < order.size(); begin += static_cast<size_t>(batch_rows)) {
    const size_t end = std::min(order.size(), begin + static_cast<size_t>(batch_rows));
    const auto length = static_cast<int64_t>(end - begin);
    arrow::Int64Builder time_builder;
    arrow::Int8Builder kind_builder;
    ARROW_RETURN_NOT_OK(time_builder.Reserve(length));
    ARROW_RETURN_NOT_OK(kind_builder.Reserve(length));
    picks.clear();
    for (size_t i = begin; i < end; ++i) {
      const auto [time, k] = order[i];
      const bool is_end = static_cast<int64_t>(k) >= rows;
      time_builder.UnsafeAppend(time);
      kind_builder.UnsafeAppend(is_end ? kEndKind : kStartKind);
      picks.push_back(place[is_end ? k - rows : k]);
    }
    ARROW_ASSIGN_OR_RAISE(auto gathered, GatherRows(payload_schema, batches, picks));
    std::vector<std::shared_ptr<arrow::Array>> columns(2);
    ARROW_RETURN_NOT_OK(time_builder.Finish(&columns[0]));
    ARROW_RETURN_NOT_OK(kind_builder.Finish(&columns[1]));
    for (const auto& column : gathered->columns()) columns.push_back(column);
    ARROW_RETURN_NOT_OK(
        run.Write(*arrow::RecordBatch::Make(run_schema, length, std::move(columns))));
  }
  return run.Close();
}

// Reads one run back batch by batch for the merge.
class RunReader {
 public:
  static arrow::Result<std::unique_ptr<RunReader>> Open(const std::string& path) {
    auto reader = std::make_unique<RunReader>();
    ARROW_ASSIGN_OR_RAISE(reader->file_, arrow::io::ReadableFile::Open(path));
    ARROW_ASSIGN_OR_RAISE(reader->reader_, arrow::ipc::RecordBatchFileReader::Open(reader->file_));
    ARROW_RETURN_NOT_OK(reader->Load());
    return reader;
  }

  bool done() const { return batch_ == nullptr; }
  int64_t time() const { return times_->Value(row_); }
  int8_t kind() const { return kinds_->Value(row_); }
  const std::shared_ptr<arrow::RecordBatch>& batch() const { return batch_; }
  int64_t row() const { return row_; }

  // Moves to the next row; false when the batch is used up, and then
  // NextBatch() must be called before the next row is looked at.
  bool Advance() { return ++row_ < batch_->num_rows(); }
  arrow::Status NextBatch() {
    ++batch_index_;
    return Load();
  }

 private:
  arrow::Status Load() {
    row_ = 0;
    batch_.reset();
    while (batch_index_ < reader_->num_record_batches()) {
      ARROW_ASSIGN_OR_RAISE(batch_, reader_->ReadRecordBatch(batch_index_));
      if (batch_->num_rows() > 0) break;
      ++batch_index_;
      batch_.reset();
    }
    if (batch_) {
      times_ = std::static_pointer_cast<arrow::Int64Array>(batch_->column(0));
      kinds_ = std::static_pointer_cast<arrow::Int8Array>(batch_->column(1));
    }
    return arrow::Status::OK();
  }

  std::shared_ptr<arrow::io::ReadableFile> file_;
  std::shared_ptr<arrow::ipc::RecordBatchFileReader> reader_;
  int batch_index_ = 0;
  std::shared_ptr<arrow::RecordBatch> batch_;
  std::shared_ptr<arrow::Int64Array> times_;
  std::shared_ptr<arrow::Int8Array> kinds_;
  int64_t row_ = 0;
};

using BatchQueue = util::BoundedQueue<std::shared_ptr<arrow::RecordBatch>>;

struct OutputLayout {
  bool events = true;
  std::shared_ptr<arrow::Schema> run_schema;
  std::shared_ptr<arrow::Schema> output_schema;
  int64_t earliest = 0, latest = 0;
  double runtime_seconds = 0;
};

// Turns gathered run rows into output rows: (event, Stream_Time, payload) in
// event mode, the payload alone with --sort.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> ToOutput(const arrow::RecordBatch& gathered,
                                                            const OutputLayout& layout) {
  const int64_t rows = gathered.num_rows();
  std::vector<std::shared_ptr<arrow::Array>> columns;
  if (layout.events) {
    const auto& times = static_cast<const arrow::Int64Array&>(*gathered.column(0));
    const auto& kinds = static_cast<const arrow::Int8Array&>(*gathered.column(1));
    arrow::StringBuilder events;
    arrow::DoubleBuilder stream_times;
    ARROW_RETURN_NOT_OK(events.Reserve(rows));
    ARROW_RETURN_NOT_OK(events.ReserveData(rows * 5));
    ARROW_RETURN_NOT_OK(stream_times.Reserve(rows));
    for (int64_t i = 0; i < rows; ++i) {
      events.UnsafeAppend(kinds.Value(i) == kStartKind ? std::string_view("Start")
                                                       : std::string_view("End"));
      stream_times.UnsafeAppend(
          StreamSeconds(times.Value(i), layout.earliest, layout.latest, layout.runtime_seconds));
    }
    columns.resize(2);
    ARROW_RETURN_NOT_OK(events.Finish(&columns[0]));
    ARROW_RETURN_NOT_OK(stream_times.Finish(&columns[1]));
  }
  for (int c = 2; c < gathered.num_columns(); ++c) columns.push_back(gathered.column(c));
  return arrow::RecordBatch::Make(layout.output_schema, rows, std::move(columns));
}

// Merges the runs in (time, kind, run) order into batches of `chunk_rows`
// (run schema) handed to `emit`. Runs hold consecutive input rows in input
// order, so ties resolved by run index keep input order. Memory: one batch
// per run plus one chunk.
using BatchSink = std::function<arrow::Status(std::shared_ptr<arrow::RecordBatch>)>;
arrow::Status MergeRuns(const std::vector<std::string>& run_paths,
                        const std::shared_ptr<arrow::Schema>& run_schema, int64_t chunk_rows,
                        const BatchSink& emit) {
  std::vector<std::unique_ptr<RunReader>> runs;
  for (const auto& path : run_paths) {
    ARROW_ASSIGN_OR_RAISE(auto run, RunReader::Open(path));
    runs.push_back(std::move(run));
  }
  struct Head {
    int64_t time;
    int8_t kind;
    uint32_t run;
    bool operator>(const Head& other) const {
      if (time != other.time) return time > other.time;
      if (kind != other.kind) return kind > other.kind;
      return run > other.run;
    }
  };
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heap;
  for (uint32_t r = 0; r < runs.size(); ++r) {
    if (!runs[r]->done()) heap.push({runs[r]->time(), runs[r]->kind(), r});
  }

  // Per chunk: the run batches its rows come from, and the picks.
  constexpr uint32_t kNoSource = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> source_of_run(runs.size(), kNoSource);
  std::vector<std::shared_ptr<arrow::RecordBatch>> sources;
  std::vector<RowPick> picks;
  picks.reserve(static_cast<size_t>(chunk_rows));
  auto flush = [&]() -> arrow::Status {
    ARROW_ASSIGN_OR_RAISE(auto gathered, GatherRows(run_schema, sources, picks));
    sources.clear();
    picks.clear();
    std::fill(source_of_run.begin(), source_of_run.end(), kNoSource);
    return emit(std::move(gathered));
  };
  int64_t merged = 0;
  while (!heap.empty()) {
    const Head head = heap.top();
    heap.pop();
    RunReader& run = *runs[head.run];
    if (source_of_run[head.run] == kNoSource) {
      source_of_run[head.run] = static_cast<uint32_t>(sources.size());
      sources.push_back(run.batch());
    }
    picks.push_back({source_of_run[head.run], static_cast<uint32_t>(run.row())});
    if (!run.Advance()) {
      ARROW_RETURN_NOT_OK(run.NextBatch());
      source_of_run[head.run] = kNoSource;
    }
    if (!run.done()) heap.push({run.time(), run.kind(), head.run});
    if (static_cast<int64_t>(picks.size()) == chunk_rows) ARROW_RETURN_NOT_OK(flush());
    if (++merged % 65'536 == 0) ARROW_RETURN_NOT_OK(CheckStop("merging"));
  }
  if (!picks.empty()) ARROW_RETURN_NOT_OK(flush());
  return arrow::Status::OK();
}

// Merges groups of kMaxMergeFanIn consecutive runs into longer runs until at
// most kMaxMergeFanIn remain, so the final merge holds a bounded number of
// run batches whatever the input's size. Merging consecutive runs keeps the
// "lower run = earlier input" rule that breaks ties.
arrow::Status ReduceRuns(std::vector<std::string>* run_paths,
                         const std::shared_ptr<arrow::Schema>& run_schema, int64_t batch_rows,
                         const std::string& run_dir) {
  int pass = 0;
  while (run_paths->size() > kMaxMergeFanIn) {
    std::vector<std::string> merged_paths;
    for (size_t begin = 0; begin < run_paths->size(); begin += kMaxMergeFanIn) {
      const size_t end = std::min(run_paths->size(), begin + kMaxMergeFanIn);
      const std::vector<std::string> group(run_paths->begin() + static_cast<ptrdiff_t>(begin),
                                           run_paths->begin() + static_cast<ptrdiff_t>(end));
      const std::string path =
          fmt::format("{}/pass{}-run-{:05}.arrow", run_dir, pass + 1, merged_paths.size());
      ARROW_ASSIGN_OR_RAISE(RunWriter run, RunWriter::Open(path, run_schema));
      ARROW_RETURN_NOT_OK(MergeRuns(group, run_schema, batch_rows,
                                    [&run](std::shared_ptr<arrow::RecordBatch> batch) {
                                      return run.Write(*batch);
                                    }));
      ARROW_RETURN_NOT_OK(run.Close());
      std::error_code ec;
      for (const auto& used : group) fs::remove(used, ec);
      merged_paths.push_back(path);
    }
    *run_paths = std::move(merged_paths);
    ++pass;
  }
  return arrow::Status::OK();
}

// generate's Parquet settings (see generator.cpp, ParquetProperties), so
// prepared and generated stream files are alike.
std::shared_ptr<parquet::WriterProperties> OutputProperties(int64_t row_group_rows,
                                                           int sorting_column) {
  parquet::WriterProperties::Builder builder;
  if (arrow::util::Codec::IsAvailable(arrow::Compression::ZSTD)) {
    builder.compression(arrow::Compression::ZSTD);
  } else if (arrow::util::Codec::IsAvailable(arrow::Compression::SNAPPY)) {
    builder.compression(arrow::Compression::SNAPPY);
  }
  builder.max_row_group_length(row_group_rows);
  for (const char* unique : {"ID", "Start_Time", "End_Time", "Start_Lat", "Start_Lng", "End_Lat",
                             "End_Lng", "Description", "Zipcode", kStreamTimeColumn}) {
    builder.disable_dictionary(unique);
  }
  if (sorting_column >= 0) {
    builder.set_sorting_columns({parquet::SortingColumn{sorting_column, false, false}});
  }
  return builder.build();
}

// Opens the input as a batch source: CSV or Parquet by --format or extension.
// For Parquet, `metadata` receives the first file's key-value metadata.
arrow::Result<std::unique_ptr<source::BatchSource>> OpenInput(
    const PrepareOptions& o, std::shared_ptr<const arrow::KeyValueMetadata>* metadata) {
  bool csv = o.format == PrepareFormat::kCsv;
  if (o.format == PrepareFormat::kAuto) {
    std::string extension = fs::path(o.input).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    csv = extension == ".csv";
  }
  if (csv) {
    if (o.sort_only) {
      return util::UsageError(
          "--sort reads Parquet; run `timecast prepare` on the CSV first (or give --format "
          "parquet if '{}' is Parquet)",
          o.input);
    }
    std::error_code ec;
    if (!fs::exists(o.input, ec)) return util::InputError("'{}': no such file", o.input);
    return OpenAccidentsCsv(o.input);
  }
  ARROW_ASSIGN_OR_RAISE(auto files, source::ExpandParquetInputs(o.input));
  ARROW_ASSIGN_OR_RAISE(auto parquet, source::ParquetSource::Open(files, {.batch_rows = 16'384}));
  // ParquetSource's schema carries no file metadata: read the first footer.
  ARROW_ASSIGN_OR_RAISE(auto first, arrow::io::ReadableFile::Open(files.front()));
  auto footer = parquet::ReadMetaData(first);
  if (footer && footer->key_value_metadata()) *metadata = footer->key_value_metadata();
  return std::unique_ptr<source::BatchSource>(std::move(parquet));
}

struct RunPhase {
  std::vector<std::string> run_paths;
  int64_t input_rows = 0;
  int64_t accepted_rows = 0;
  int64_t earliest = std::numeric_limits<int64_t>::max();
  int64_t latest = std::numeric_limits<int64_t>::min();
};

using KeyedQueue = util::BoundedQueue<KeyedRows>;

// The first `rows` rows of `keyed`, and the rest.
std::pair<KeyedRows, KeyedRows> SplitKeyedRows(KeyedRows keyed, int64_t rows) {
  auto split = [rows](std::vector<int64_t>& values) {
    std::vector<int64_t> tail;
    if (values.empty()) return tail;
    tail.assign(values.begin() + rows, values.end());
    values.resize(static_cast<size_t>(rows));
    return tail;
  };
  KeyedRows tail;
  tail.payload = keyed.payload->Slice(rows);
  tail.times = split(keyed.times);
  tail.end_times = split(keyed.end_times);
  keyed.payload = keyed.payload->Slice(0, rows);
  return {std::move(keyed), std::move(tail)};
}

// Phase 1: a reader thread applies the rule (and writes rejects) while this
// thread cuts the accepted rows into runs, sorts and spills them.
arrow::Status BuildRuns(const PrepareOptions& o, source::BatchSource& input, const InputRule& rule,
                        RejectsWriter& rejects, const std::string& run_dir, RunPhase* phase) {
  KeyedQueue queue(4);
  std::atomic<int64_t> input_rows{0};
  std::thread reader([&] {
    arrow::Status status;
    int64_t batches = 0;
    while (status.ok()) {
      if (++batches % 8 == 0) {
        status = CheckStop("reading");
        if (!status.ok()) break;
      }
      auto next = input.Next();
      if (!next.ok()) {
        status = next.status();
        break;
      }
      if (!next->has_value()) break;
      const source::SourceBatch& batch = **next;
      input_rows += batch.batch->num_rows();
      std::vector<Rejection> rejected;
      auto keyed = rule.Apply(*batch.batch, &rejected);
      if (!keyed.ok()) {
        status = keyed.status();
        break;
      }
      status = rejects.Write(batch, rejected);
      if (status.ok() && keyed->payload->num_rows() > 0 && !queue.Push(std::move(*keyed))) break;
    }
    queue.Close(std::move(status));
  });

  const bool events = !o.sort_only;
  const auto run_schema = RunSchema(*rule.payload_schema());
  std::vector<KeyedRows> pending;
  int64_t pending_rows = 0;
  arrow::Status status;
  auto spill = [&]() -> arrow::Status {
    const std::string path = fmt::format("{}/run-{:05}.arrow", run_dir, phase->run_paths.size());
    ARROW_RETURN_NOT_OK(WriteRun(pending, rule.payload_schema(), run_schema, events,
                                 RunBatchRows(o.memory_rows), path));
    phase->run_paths.push_back(path);
    pending.clear();
    pending_rows = 0;
    return arrow::Status::OK();
  };
  while (auto keyed = queue.Pop()) {
    for (int64_t t : keyed->times) {
      phase->earliest = std::min(phase->earliest, t);
      phase->latest = std::max(phase->latest, t);
    }
    for (int64_t t : keyed->end_times) {
      phase->earliest = std::min(phase->earliest, t);
      phase->latest = std::max(phase->latest, t);
    }
    phase->accepted_rows += keyed->payload->num_rows();
    // Runs hold exactly memory_rows rows (the last one fewer): batches are cut.
    KeyedRows rest = std::move(*keyed);
    while (status.ok()) {
      const int64_t rows = rest.payload->num_rows();
      const int64_t room = o.memory_rows - pending_rows;
      if (rows <= room) {
        pending_rows += rows;
        pending.push_back(std::move(rest));
        if (pending_rows == o.memory_rows) status = spill();
        break;
      }
      auto [head, tail] = SplitKeyedRows(std::move(rest), room);
      pending.push_back(std::move(head));
      pending_rows += room;
      rest = std::move(tail);
      status = spill();
    }
    if (!status.ok()) {
      queue.Close(status);
      break;
    }
  }
  reader.join();
  ARROW_RETURN_NOT_OK(status);
  ARROW_RETURN_NOT_OK(queue.final_status());
  if (!pending.empty()) ARROW_RETURN_NOT_OK(spill());
  phase->input_rows = input_rows;
  return arrow::Status::OK();
}

}  // namespace

arrow::Status ValidatePrepareOptions(const PrepareOptions& o) {
  if (o.input.empty()) return util::UsageError("give the input file (CSV or Parquet)");
  if (o.output.empty()) return util::UsageError("-o/--output must name a file");
  if (o.row_group_rows < 1) {
    return util::UsageError("--row-group-rows must be at least 1, got {}", o.row_group_rows);
  }
  constexpr int64_t kMaxMemoryRows = 1'000'000'000;  // run rows are indexed by uint32 (x2 events)
  if (o.memory_rows < 1 || o.memory_rows > kMaxMemoryRows) {
    return util::UsageError("--memory-rows must be between 1 and {}, got {}", kMaxMemoryRows,
                            o.memory_rows);
  }
  if (o.sort_only) {
    if (o.time_column.empty()) return util::UsageError("--sort needs --time-column COLUMN");
    return arrow::Status::OK();
  }
  if (!o.time_column.empty()) {
    return util::UsageError("--time-column applies to --sort only; events are timed by {} and {}",
                            o.start_column, o.end_column);
  }
  if (o.runtime <= util::Nanos(0)) return util::UsageError("--runtime must be positive");
  if (o.event_column.empty()) return util::UsageError("--event-column must not be empty");
  if (o.event_column == kStreamTimeColumn) {
    return util::UsageError("--event-column '{}' is already a column of the stream",
                            o.event_column);
  }
  return arrow::Status::OK();
}

arrow::Result<PrepareResult> PrepareDataset(const PrepareOptions& o) {
  ARROW_RETURN_NOT_OK(ValidatePrepareOptions(o));
  ARROW_RETURN_NOT_OK(EnsureComputeInitialized());
  std::error_code ec;
  const fs::path output(o.output);
  if (fs::is_directory(output, ec)) {
    return util::UsageError("cannot write '{}': it is a directory", o.output);
  }
  const fs::path parent = output.has_parent_path() ? output.parent_path() : fs::path(".");
  if (!fs::is_directory(parent, ec)) {
    return util::UsageError("cannot write '{}': directory '{}' does not exist", o.output,
                            parent.string());
  }

  std::shared_ptr<const arrow::KeyValueMetadata> input_metadata;
  ARROW_ASSIGN_OR_RAISE(auto input, OpenInput(o, &input_metadata));
  if (!o.sort_only && input->schema()->GetFieldIndex(o.event_column) >= 0) {
    return util::UsageError("--event-column '{}' is already a column of '{}'", o.event_column,
                            o.input);
  }
  if (!o.sort_only && input->schema()->GetFieldIndex(kStreamTimeColumn) >= 0) {
    return util::InputError("'{}' already has a {} column: it looks prepared; use --sort to "
                            "re-sort it",
                            o.input, kStreamTimeColumn);
  }
  ARROW_ASSIGN_OR_RAISE(InputRule rule, InputRule::Make(o, input->schema()));

  PrepareResult result;
  const std::string rejects_path = o.rejects.empty() ? o.output + kRejectsSuffix : o.rejects;
  RejectsWriter rejects(rejects_path, input->schema());
  TemporaryDirectory run_dir(fmt::format("{}.runs-{}", o.output, getpid()));
  ARROW_RETURN_NOT_OK(run_dir.Create());

  auto context = [&](const arrow::Status& status) {
    if (status.code() == arrow::StatusCode::Cancelled) return status;
    return util::WithContext(status, fmt::format("prepare '{}'", o.input));
  };
  const auto began = std::chrono::steady_clock::now();
  auto seconds_since = [](std::chrono::steady_clock::time_point from) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
  };
  RunPhase phase;
  arrow::Status status = BuildRuns(o, *input, rule, rejects, run_dir.path(), &phase);
  if (!status.ok()) return context(status);
  input.reset();
  result.run_seconds = seconds_since(began);
  const auto merge_began = std::chrono::steady_clock::now();
  result.input_rows = phase.input_rows;
  result.accepted_rows = phase.accepted_rows;
  result.rejected_rows = rejects.rows();
  result.rejected_by_kind = rejects.by_kind();
  result.runs = static_cast<int>(phase.run_paths.size());
  ARROW_RETURN_NOT_OK(rejects.Commit());
  if (rejects.rows() > 0) result.rejects_path = rejects_path;
  if (phase.accepted_rows == 0) {
    if (rejects.rows() > 0) {
      return util::InputError("'{}': all {} records were rejected (see '{}'); nothing to write",
                              o.input, rejects.rows(), rejects_path);
    }
    return util::InputError("'{}' holds no records; nothing to write", o.input);
  }

  OutputLayout layout;
  layout.events = !o.sort_only;
  layout.run_schema = RunSchema(*rule.payload_schema());
  std::shared_ptr<const arrow::KeyValueMetadata> metadata;
  int sorting_column = -1;
  if (layout.events) {
    std::vector<std::shared_ptr<arrow::Field>> fields = {
        arrow::field(o.event_column, arrow::utf8(), false),
        arrow::field(kStreamTimeColumn, arrow::float64(), false)};
    for (const auto& field : rule.payload_schema()->fields()) fields.push_back(field);
    layout.output_schema = arrow::schema(std::move(fields));
    layout.earliest = result.earliest = phase.earliest;
    layout.latest = result.latest = phase.latest;
    layout.runtime_seconds = std::chrono::duration<double>(o.runtime).count();
    sorting_column = 1;
    // The keys and formats of generate --stream (generator.cpp, StreamMetadata).
    metadata = arrow::key_value_metadata(
        {kEarliestMetadataKey, kLatestMetadataKey, kRuntimeSecondsMetadataKey,
         kTimeColumnMetadataKey, kEventColumnMetadataKey},
        {source::FormatIsoTime(phase.earliest), source::FormatIsoTime(phase.latest),
         fmt::format("{}", layout.runtime_seconds), kStreamTimeColumn, o.event_column});
  } else {
    layout.output_schema = rule.payload_schema();
    sorting_column = layout.output_schema->GetFieldIndex(o.time_column);
    // Keep the input's own metadata (e.g. a stream file's timecast.* keys).
    if (input_metadata) {
      auto copy = input_metadata->Copy();
      const int arrow_schema = copy->FindKey("ARROW:schema");
      if (arrow_schema >= 0) ARROW_RETURN_NOT_OK(copy->Delete(arrow_schema));
      if (copy->size() > 0) metadata = std::move(copy);
    }
  }

  // Phase 2: this thread encodes and compresses; a merging thread feeds it.
  const std::string temporary = fmt::format("{}.tmp-{}", o.output, getpid());
  auto opened = arrow::io::FileOutputStream::Open(temporary);
  if (!opened.ok()) {
    return util::UsageError("cannot write '{}': {}", o.output, opened.status().message());
  }
  const std::shared_ptr<arrow::io::OutputStream> file = *opened;
  auto write_all = [&]() -> arrow::Status {
    parquet::ArrowWriterProperties::Builder arrow_properties;
    arrow_properties.set_use_threads(true);
    ARROW_ASSIGN_OR_RAISE(
        auto writer,
        parquet::arrow::FileWriter::Open(*layout.output_schema, arrow::default_memory_pool(), file,
                                         OutputProperties(o.row_group_rows, sorting_column),
                                         arrow_properties.build()));
    if (metadata) ARROW_RETURN_NOT_OK(writer->AddKeyValueMetadata(metadata));
    BatchQueue queue(2);
    std::thread merger([&] {
      arrow::Status merged = ReduceRuns(&phase.run_paths, layout.run_schema,
                                        RunBatchRows(o.memory_rows), run_dir.path());
      if (merged.ok()) {
        merged = MergeRuns(phase.run_paths, layout.run_schema, o.row_group_rows,
                           [&](std::shared_ptr<arrow::RecordBatch> gathered) -> arrow::Status {
                             ARROW_ASSIGN_OR_RAISE(auto rows, ToOutput(*gathered, layout));
                             if (!queue.Push(std::move(rows))) {
                               return arrow::Status::Cancelled("writer stopped");
                             }
                             return arrow::Status::OK();
                           });
      }
      queue.Close(std::move(merged));
    });
    arrow::Status write_status;
    while (auto batch = queue.Pop()) {
      // One row group per merged chunk, as generate writes them.
      auto table = arrow::Table::FromRecordBatches(layout.output_schema, {*batch});
      write_status = table.ok() ? writer->WriteTable(**table, o.row_group_rows) : table.status();
      if (!write_status.ok()) {
        queue.Close(write_status);
        break;
      }
      result.rows_written += (*batch)->num_rows();
    }
    merger.join();
    ARROW_RETURN_NOT_OK(write_status);
    ARROW_RETURN_NOT_OK(queue.final_status());
    return writer->Close();
  };
  ARROW_RETURN_NOT_OK(util::CommitTemporaryFile(*file, temporary, o.output, write_all()));
  result.bytes = static_cast<int64_t>(fs::file_size(output, ec));
  result.merge_seconds = seconds_since(merge_began);
  return result;
}

}  // namespace timecast::dataset
