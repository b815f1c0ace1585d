#include "source/sqlite_source.h"

#include <arrow/builder.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "dataset/sqlite_load.h"
#include "source/time_column.h"
#include "sqlite/database.h"
#include "util/status.h"
#include "util/text.h"

namespace timecast::source {
namespace {

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// SQLite's affinity rules (https://sqlite.org/datatype3.html), plus TIMESTAMP,
// DATE and BOOL as pandas and others declare them.
std::shared_ptr<arrow::DataType> TypeFromDeclared(const std::string& declared) {
  const std::string type = Upper(declared);
  if (type.find("INT") != std::string::npos) return arrow::int64();
  if (type.find("CHAR") != std::string::npos || type.find("CLOB") != std::string::npos ||
      type.find("TEXT") != std::string::npos) {
    return arrow::utf8();
  }
  if (type.find("BLOB") != std::string::npos) return arrow::binary();
  if (type.find("REAL") != std::string::npos || type.find("FLOA") != std::string::npos ||
      type.find("DOUB") != std::string::npos) {
    return arrow::float64();
  }
  if (type.find("TIMESTAMP") != std::string::npos || type.find("DATETIME") != std::string::npos) {
    return arrow::timestamp(arrow::TimeUnit::NANO);
  }
  if (type == "DATE") return arrow::date32();
  if (type.find("BOOL") != std::string::npos) return arrow::boolean();
  return arrow::utf8();  // NUMERIC or untyped: keep the text as stored
}

std::shared_ptr<arrow::DataType> TypeFromRecorded(const std::string& recorded) {
  static const std::map<std::string, std::shared_ptr<arrow::DataType>> kTypes = {
      {"bool", arrow::boolean()},       {"int8", arrow::int8()},        {"int16", arrow::int16()},
      {"int32", arrow::int32()},        {"int64", arrow::int64()},      {"uint8", arrow::uint8()},
      {"uint16", arrow::uint16()},      {"uint32", arrow::uint32()},    {"uint64", arrow::uint64()},
      {"float", arrow::float32()},      {"double", arrow::float64()},   {"string", arrow::utf8()},
      {"large_string", arrow::utf8()},  {"binary", arrow::binary()},    {"date32[day]", arrow::date32()},
      {"timestamp[s]", arrow::timestamp(arrow::TimeUnit::SECOND)},
      {"timestamp[ms]", arrow::timestamp(arrow::TimeUnit::MILLI)},
      {"timestamp[us]", arrow::timestamp(arrow::TimeUnit::MICRO)},
      {"timestamp[ns]", arrow::timestamp(arrow::TimeUnit::NANO)},
  };
  if (auto it = kTypes.find(recorded); it != kTypes.end()) return it->second;
  if (recorded.rfind("timestamp[", 0) == 0) {
    // Zoned timestamps were stored as UTC text; keep the zone.
    const auto comma = recorded.find(", tz=");
    const std::string unit = recorded.substr(10, recorded.find_first_of(",]") - 10);
    const auto time_unit = unit == "s"    ? arrow::TimeUnit::SECOND
                           : unit == "ms" ? arrow::TimeUnit::MILLI
                           : unit == "us" ? arrow::TimeUnit::MICRO
                                          : arrow::TimeUnit::NANO;
    if (comma != std::string::npos) {
      return arrow::timestamp(time_unit, recorded.substr(comma + 5, recorded.size() - comma - 6));
    }
    return arrow::timestamp(time_unit);
  }
  if (recorded.rfind("dictionary<values=string", 0) == 0) return arrow::utf8();
  return nullptr;
}


}  // namespace

bool IsSqliteInput(const std::string& input) { return input.rfind("sqlite:", 0) == 0; }

arrow::Result<SqliteSpec> ParseSqliteSpec(const std::string& input) {
  SqliteSpec spec;
  std::string rest = input.substr(7);
  const auto question = rest.find('?');
  spec.path = rest.substr(0, question);
  if (spec.path.empty()) return util::UsageError("'{}': expected sqlite:PATH?table=NAME", input);
  if (question != std::string::npos) {
    const std::string query = rest.substr(question + 1);
    if (query.rfind("table=", 0) != 0 || query.size() == 6 || query.find('&') != std::string::npos) {
      return util::UsageError("'{}': the only parameter is table=NAME", input);
    }
    spec.table = query.substr(6);
  }
  return spec;
}

SqliteSource::~SqliteSource() = default;

arrow::Result<std::unique_ptr<SqliteSource>> SqliteSource::Open(const SqliteSpec& spec,
                                                                SqliteSourceOptions options) {
  std::unique_ptr<SqliteSource> source(new SqliteSource());
  source->spec_ = spec;
  source->options_ = std::move(options);
  source->name_ = std::make_shared<const std::string>(spec.path + " table " + spec.table);
  ARROW_ASSIGN_OR_RAISE(source->db_, sqlite::Database::Open(spec.path, sqlite::Database::Mode::kReadOnly));
  sqlite::Database& db = *source->db_;
  ARROW_ASSIGN_OR_RAISE(bool exists, db.TableExists(spec.table));
  if (!exists) return util::InputError("'{}' has no table '{}'", spec.path, spec.table);

  std::map<std::string, std::string> recorded;
  ARROW_ASSIGN_OR_RAISE(bool has_types, db.TableExists(dataset::kColumnTypesTable));
  if (has_types) {
    ARROW_ASSIGN_OR_RAISE(auto types, db.Prepare(fmt::format(
        "SELECT column_name, arrow_type FROM {} WHERE table_name = ?", dataset::kColumnTypesTable)));
    sqlite3_bind_text(types->get(), 1, spec.table.c_str(), -1, SQLITE_TRANSIENT);
    for (;;) {
      ARROW_ASSIGN_OR_RAISE(bool row, types->Step());
      if (!row) break;
      recorded[reinterpret_cast<const char*>(sqlite3_column_text(types->get(), 0))] =
          reinterpret_cast<const char*>(sqlite3_column_text(types->get(), 1));
    }
  }
  std::vector<std::shared_ptr<arrow::Field>> table_fields;
  ARROW_ASSIGN_OR_RAISE(auto info,
                        db.Prepare("PRAGMA table_info(" + sqlite::QuoteIdentifier(spec.table) + ")"));
  for (;;) {
    ARROW_ASSIGN_OR_RAISE(bool row, info->Step());
    if (!row) break;
    const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(info->get(), 1));
    const char* declared = reinterpret_cast<const char*>(sqlite3_column_text(info->get(), 2));
    std::shared_ptr<arrow::DataType> type;
    if (auto it = recorded.find(name); it != recorded.end()) type = TypeFromRecorded(it->second);
    if (!type) type = TypeFromDeclared(declared ? declared : "");
    table_fields.push_back(arrow::field(name, type));
  }
  auto table_schema = arrow::schema(table_fields);
  std::vector<std::shared_ptr<arrow::Field>> fields;
  if (source->options_.columns.empty()) {
    fields = table_fields;
  } else {
    for (const auto& name : source->options_.columns) {
      auto field = table_schema->GetFieldByName(name);
      if (!field) {
        return util::InputError("column '{}' not found in {}; its columns are: {}", name,
                                *source->name_, ColumnNames(*table_schema));
      }
      fields.push_back(field);
    }
  }
  source->schema_ = arrow::schema(fields);
  if (!source->options_.order_by.empty() && !table_schema->GetFieldByName(source->options_.order_by)) {
    return util::UsageError("time column '{}' not found in {}", source->options_.order_by,
                            *source->name_);
  }
  ARROW_RETURN_NOT_OK(source->Rewind());
  return source;
}

arrow::Status SqliteSource::Rewind() {
  std::string sql = "SELECT ";
  for (int i = 0; i < schema_->num_fields(); ++i) {
    sql += (i ? ", " : "") + sqlite::QuoteIdentifier(schema_->field(i)->name());
  }
  sql += " FROM " + sqlite::QuoteIdentifier(spec_.table);
  // rowid breaks ties: rows with equal times come in load order.
  if (!options_.order_by.empty()) sql += " ORDER BY " + sqlite::QuoteIdentifier(options_.order_by) + ", rowid";
  cursor_.reset();
  ARROW_ASSIGN_OR_RAISE(cursor_, db_->Prepare(sql));
  next_row_ = 0;
  done_ = false;
  return arrow::Status::OK();
}

arrow::Result<SeekResult> SqliteSource::Seek(const RowPosition& position) {
  if (position.file != 0 || position.row_group >= 0 || position.row < 0) {
    return BatchSource::Seek(position);  // refuses it, naming the position
  }
  ARROW_RETURN_NOT_OK(Rewind());
  while (next_row_ < position.row) {
    ARROW_ASSIGN_OR_RAISE(bool has_row, cursor_->Step());
    if (!has_row) {
      return util::InputError("cannot seek to row {} of {}: it has {} row(s)", position.row,
                              *name_, next_row_);
    }
    ++next_row_;
  }
  return SeekResult{0};
}

arrow::Result<std::vector<InputFile>> SqliteSource::Identity() const {
  InputFile file;
  file.path = spec_.path + "?table=" + spec_.table;
  ARROW_ASSIGN_OR_RAISE(auto count, db_->Prepare("SELECT COUNT(*) FROM " +
                                                 sqlite::QuoteIdentifier(spec_.table)));
  ARROW_ASSIGN_OR_RAISE(bool row, count->Step());
  file.bytes = row ? sqlite3_column_int64(count->get(), 0) : 0;  // rows, for a table
  file.fingerprint = util::Fingerprint(schema_->ToString() + "\n" + std::to_string(file.bytes));
  return std::vector<InputFile>{std::move(file)};
}

arrow::Result<std::optional<SourceBatch>> SqliteSource::Next() {
  if (done_) return std::nullopt;
  std::vector<std::unique_ptr<arrow::ArrayBuilder>> builders;
  for (const auto& field : schema_->fields()) {
    ARROW_ASSIGN_OR_RAISE(auto builder, arrow::MakeBuilder(field->type()));
    builders.push_back(std::move(builder));
  }
  sqlite3_stmt* stmt = cursor_->get();
  const int64_t first_row = next_row_;
  int64_t rows = 0;
  while (rows < options_.batch_rows) {
    ARROW_ASSIGN_OR_RAISE(bool has_row, cursor_->Step());
    if (!has_row) {
      done_ = true;
      break;
    }
    for (int c = 0; c < schema_->num_fields(); ++c) {
      arrow::ArrayBuilder& builder = *builders[static_cast<size_t>(c)];
      const int stored = sqlite3_column_type(stmt, c);
      auto bad = [&](const char* expected) {
        const char* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        return util::InputError("{}, row {}: column '{}' holds '{}', which is not {}", *name_,
                                next_row_, schema_->field(c)->name(), text ? text : "", expected);
      };
      if (stored == SQLITE_NULL) {
        ARROW_RETURN_NOT_OK(builder.AppendNull());
        continue;
      }
      const auto& type = *schema_->field(c)->type();
      arrow::Status appended;
      switch (type.id()) {
        case arrow::Type::BOOL:
          if (stored != SQLITE_INTEGER) return bad("a boolean (0 or 1)");
          appended = static_cast<arrow::BooleanBuilder&>(builder).Append(sqlite3_column_int64(stmt, c) != 0);
          break;
#define TIMECAST_READ_INT(TYPE, BUILDER, CTYPE)                                                \
  case arrow::Type::TYPE:                                                                      \
    if (stored != SQLITE_INTEGER) return bad("an integer");                                    \
    appended = static_cast<arrow::BUILDER&>(builder).Append(static_cast<CTYPE>(sqlite3_column_int64(stmt, c))); \
    break;
          TIMECAST_READ_INT(INT8, Int8Builder, int8_t)
          TIMECAST_READ_INT(INT16, Int16Builder, int16_t)
          TIMECAST_READ_INT(INT32, Int32Builder, int32_t)
          TIMECAST_READ_INT(INT64, Int64Builder, int64_t)
          TIMECAST_READ_INT(UINT8, UInt8Builder, uint8_t)
          TIMECAST_READ_INT(UINT16, UInt16Builder, uint16_t)
          TIMECAST_READ_INT(UINT32, UInt32Builder, uint32_t)
          TIMECAST_READ_INT(UINT64, UInt64Builder, uint64_t)
#undef TIMECAST_READ_INT
        case arrow::Type::FLOAT:
          if (stored != SQLITE_FLOAT && stored != SQLITE_INTEGER) return bad("a number");
          appended = static_cast<arrow::FloatBuilder&>(builder).Append(
              static_cast<float>(sqlite3_column_double(stmt, c)));
          break;
        case arrow::Type::DOUBLE:
          if (stored != SQLITE_FLOAT && stored != SQLITE_INTEGER) return bad("a number");
          appended = static_cast<arrow::DoubleBuilder&>(builder).Append(sqlite3_column_double(stmt, c));
          break;
        case arrow::Type::TIMESTAMP:
        case arrow::Type::DATE32: {
          const char* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          auto nanos = ParseIsoTime(text ? text : "");
          if (!nanos.ok()) return bad("a date/time");
          if (type.id() == arrow::Type::DATE32) {
            appended = static_cast<arrow::Date32Builder&>(builder).Append(
                static_cast<int32_t>(*nanos / 86'400'000'000'000));
          } else {
            appended = static_cast<arrow::TimestampBuilder&>(builder).Append(*nanos / NanosPerUnit(static_cast<const arrow::TimestampType&>(type).unit()));
          }
          break;
        }
        case arrow::Type::BINARY:
          appended = static_cast<arrow::BinaryBuilder&>(builder).Append(
              static_cast<const uint8_t*>(sqlite3_column_blob(stmt, c)), sqlite3_column_bytes(stmt, c));
          break;
        default: {
          const unsigned char* text = sqlite3_column_text(stmt, c);
          appended = static_cast<arrow::StringBuilder&>(builder).Append(
              reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt, c));
        }
      }
      ARROW_RETURN_NOT_OK(appended);
    }
    ++rows;
    ++next_row_;
  }
  if (rows == 0) return std::nullopt;
  std::vector<std::shared_ptr<arrow::Array>> arrays;
  for (auto& builder : builders) {
    ARROW_ASSIGN_OR_RAISE(auto array, builder->Finish());
    arrays.push_back(std::move(array));
  }
  return SourceBatch{arrow::RecordBatch::Make(schema_, rows, std::move(arrays)), name_, -1, first_row};
}

arrow::Result<std::optional<std::pair<int64_t, int64_t>>> SqliteSource::TimeRange(
    const TimeColumnSpec& time) const {
  auto field = schema_->GetFieldByName(time.name);
  if (!field) return std::nullopt;
  ARROW_ASSIGN_OR_RAISE(auto converter, TimeConverter::Make(*field->type(), time));
  const std::string column = sqlite::QuoteIdentifier(time.name);
  ARROW_ASSIGN_OR_RAISE(auto stmt, db_->Prepare(fmt::format("SELECT MIN({0}), MAX({0}) FROM {1}", column,
                                                           sqlite::QuoteIdentifier(spec_.table))));
  ARROW_ASSIGN_OR_RAISE(bool row, stmt->Step());
  if (!row || sqlite3_column_type(stmt->get(), 0) == SQLITE_NULL) return std::nullopt;
  std::pair<int64_t, int64_t> range;
  for (int i = 0; i < 2; ++i) {
    int64_t nanos = 0;
    if (converter.absolute()) {
      ARROW_ASSIGN_OR_RAISE(nanos, ParseIsoTime(reinterpret_cast<const char*>(sqlite3_column_text(stmt->get(), i))));
    } else {
      ARROW_ASSIGN_OR_RAISE(nanos, converter.ParseBound(fmt::format("{}", sqlite3_column_double(stmt->get(), i))));
    }
    (i == 0 ? range.first : range.second) = nanos;
  }
  return range;
}

}  // namespace timecast::source
