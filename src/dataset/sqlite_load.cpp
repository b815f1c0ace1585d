#include "dataset/sqlite_load.h"

#include <arrow/array.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <vector>

#include "source/time_column.h"
#include "sqlite/database.h"
#include "util/status.h"

namespace timecast::dataset {
namespace {

using sqlite::QuoteIdentifier;

arrow::Result<std::string> DeclaredType(const arrow::DataType& type, const std::string& column) {
  switch (type.id()) {
    case arrow::Type::BOOL:
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
    case arrow::Type::UINT32:
    case arrow::Type::UINT64:
      return "INTEGER";
    case arrow::Type::HALF_FLOAT:
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
      return "REAL";
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
      return "TEXT";
    case arrow::Type::TIMESTAMP:
      return "TIMESTAMP";
    case arrow::Type::DATE32:
    case arrow::Type::DATE64:
      return "DATE";
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
      return "BLOB";
    case arrow::Type::DICTIONARY:
      return DeclaredType(*static_cast<const arrow::DictionaryType&>(type).value_type(), column);
    default:
      return util::UsageError("column '{}' has type {}, which cannot be stored in a SQLite column",
                              column, type.ToString());
  }
}

// Binds row `row` of one Arrow column to parameter `index` of the INSERT.
using Binder = std::function<void(sqlite3_stmt*, int index, int64_t row)>;

Binder MakeBinder(const std::shared_ptr<arrow::Array>& array) {
  const arrow::Array& column = *array;
  switch (column.type_id()) {
    case arrow::Type::BOOL:
      return [&column](sqlite3_stmt* s, int i, int64_t row) {
        sqlite3_bind_int(s, i, static_cast<const arrow::BooleanArray&>(column).Value(row) ? 1 : 0);
      };
#define TIMECAST_BIND_INT(TYPE, ARRAY)                                                     \
  case arrow::Type::TYPE:                                                                  \
    return [&column](sqlite3_stmt* s, int i, int64_t row) {                                \
      sqlite3_bind_int64(s, i,                                                             \
                         static_cast<sqlite3_int64>(                                       \
                             static_cast<const arrow::ARRAY&>(column).Value(row)));        \
    };
      TIMECAST_BIND_INT(INT8, Int8Array)
      TIMECAST_BIND_INT(INT16, Int16Array)
      TIMECAST_BIND_INT(INT32, Int32Array)
      TIMECAST_BIND_INT(INT64, Int64Array)
      TIMECAST_BIND_INT(UINT8, UInt8Array)
      TIMECAST_BIND_INT(UINT16, UInt16Array)
      TIMECAST_BIND_INT(UINT32, UInt32Array)
      TIMECAST_BIND_INT(UINT64, UInt64Array)
#undef TIMECAST_BIND_INT
    case arrow::Type::FLOAT:
      return [&column](sqlite3_stmt* s, int i, int64_t row) {
        const float v = static_cast<const arrow::FloatArray&>(column).Value(row);
        if (std::isfinite(v)) {
          sqlite3_bind_double(s, i, v);
        } else {
          sqlite3_bind_null(s, i);
        }
      };
    case arrow::Type::DOUBLE:
      return [&column](sqlite3_stmt* s, int i, int64_t row) {
        const double v = static_cast<const arrow::DoubleArray&>(column).Value(row);
        if (std::isfinite(v)) {
          sqlite3_bind_double(s, i, v);
        } else {
          sqlite3_bind_null(s, i);
        }
      };
    case arrow::Type::STRING:
      return [&column](sqlite3_stmt* s, int i, int64_t row) {
        // The bytes stay valid until the row is stepped: no copy.
        const std::string_view v = static_cast<const arrow::StringArray&>(column).GetView(row);
        sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
      };
    case arrow::Type::LARGE_STRING:
      return [&column](sqlite3_stmt* s, int i, int64_t row) {
        const std::string_view v = static_cast<const arrow::LargeStringArray&>(column).GetView(row);
        sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
      };
    case arrow::Type::BINARY:
      return [&column](sqlite3_stmt* s, int i, int64_t row) {
        const std::string_view v = static_cast<const arrow::BinaryArray&>(column).GetView(row);
        sqlite3_bind_blob(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
      };
    case arrow::Type::TIMESTAMP:
    case arrow::Type::DATE32:
    case arrow::Type::DATE64: {
      const bool date = column.type_id() != arrow::Type::TIMESTAMP;
      auto converter =
          std::make_shared<source::TimeConverter>(*source::TimeConverter::Make(*column.type(), {}));
      auto nanos = std::make_shared<std::vector<int64_t>>();
      converter->Convert(column, nanos.get(), /*null_as=*/0);
      return [nanos, date](sqlite3_stmt* s, int i, int64_t row) {
        char text[48];
        const size_t size = source::FormatIsoTimeTo(text, (*nanos)[static_cast<size_t>(row)], ' ', true);
        // A date is the first 10 characters: "YYYY-MM-DD".
        sqlite3_bind_text(s, i, text, static_cast<int>(date ? 10 : size), SQLITE_TRANSIENT);
      };
    }
    case arrow::Type::DICTIONARY: {
      const auto& dictionary = static_cast<const arrow::DictionaryArray&>(column);
      auto values = MakeBinder(dictionary.dictionary());
      return [&dictionary, values](sqlite3_stmt* s, int i, int64_t row) {
        values(s, i, dictionary.GetValueIndex(row));
      };
    }
    default:
      return [](sqlite3_stmt* s, int i, int64_t) { sqlite3_bind_null(s, i); };
  }
}

}  // namespace

arrow::Result<LoadSummary> LoadIntoSqlite(source::BatchSource& source, const LoadOptions& options) {
  const auto schema = source.schema();
  std::vector<std::string> declared;
  for (const auto& field : schema->fields()) {
    ARROW_ASSIGN_OR_RAISE(auto type, DeclaredType(*field->type(), field->name()));
    declared.push_back(type);
  }
  ARROW_ASSIGN_OR_RAISE(auto db,
                        sqlite::Database::Open(options.database, sqlite::Database::Mode::kReadWriteCreate));
  // Rollback stays possible (journal in memory); durability waits for the commit.
  ARROW_RETURN_NOT_OK(db->Execute(
      "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536; "
      "PRAGMA locking_mode=EXCLUSIVE"));
  const std::string table = QuoteIdentifier(options.table);
  ARROW_ASSIGN_OR_RAISE(bool exists, db->TableExists(options.table));
  if (exists && options.if_exists == IfExists::kFail) {
    return util::UsageError(
        "table '{}' already exists in '{}'; pass --if-exists replace or --if-exists append",
        options.table, options.database);
  }
  ARROW_RETURN_NOT_OK(db->Execute("BEGIN"));
  auto load = [&]() -> arrow::Result<LoadSummary> {
    LoadSummary summary;
    if (exists && options.if_exists == IfExists::kReplace) {
      ARROW_RETURN_NOT_OK(db->Execute("DROP TABLE " + table));
      exists = false;
    }
    if (!exists) {
      std::string create = "CREATE TABLE " + table + " (";
      for (int i = 0; i < schema->num_fields(); ++i) {
        create += fmt::format("{}{} {}", i ? ", " : "", QuoteIdentifier(schema->field(i)->name()),
                              declared[static_cast<size_t>(i)]);
      }
      ARROW_RETURN_NOT_OK(db->Execute(create + ")"));
      ARROW_RETURN_NOT_OK(db->Execute(fmt::format(
          "CREATE TABLE IF NOT EXISTS {} (table_name TEXT, column_name TEXT, position INTEGER, "
          "arrow_type TEXT); DELETE FROM {} WHERE table_name = '{}'",
          kColumnTypesTable, kColumnTypesTable, options.table)));
      ARROW_ASSIGN_OR_RAISE(auto types,
                            db->Prepare(fmt::format("INSERT INTO {} VALUES (?, ?, ?, ?)", kColumnTypesTable)));
      for (int i = 0; i < schema->num_fields(); ++i) {
        const std::string name = schema->field(i)->name();
        const std::string type = schema->field(i)->type()->ToString();
        sqlite3_bind_text(types->get(), 1, options.table.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(types->get(), 2, name.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(types->get(), 3, i);
        sqlite3_bind_text(types->get(), 4, type.c_str(), -1, SQLITE_TRANSIENT);
        ARROW_RETURN_NOT_OK(types->Step().status());
        ARROW_RETURN_NOT_OK(types->Reset());
      }
    }
    std::string insert = "INSERT INTO " + table + " VALUES (";
    for (int i = 0; i < schema->num_fields(); ++i) insert += i ? ", ?" : "?";
    ARROW_ASSIGN_OR_RAISE(auto statement, db->Prepare(insert + ")"));
    sqlite3_stmt* stmt = statement->get();
    for (;;) {
      ARROW_ASSIGN_OR_RAISE(auto next, source.Next());
      if (!next) break;
      const arrow::RecordBatch& batch = *next->batch;
      // Taken once per batch: RecordBatch::column() is an atomic shared_ptr
      // load behind a global lock, far too slow per cell.
      const std::vector<std::shared_ptr<arrow::Array>> columns = batch.columns();
      std::vector<Binder> binders;
      for (const auto& column : columns) binders.push_back(MakeBinder(column));
      const int column_count = static_cast<int>(columns.size());
      for (int64_t row = 0; row < batch.num_rows(); ++row) {
        for (int c = 0; c < column_count; ++c) {
          if (columns[static_cast<size_t>(c)]->IsNull(row)) {
            sqlite3_bind_null(stmt, c + 1);
          } else {
            binders[static_cast<size_t>(c)](stmt, c + 1, row);
          }
        }
        auto stepped = statement->Step();
        if (!stepped.ok()) {
          return util::WithContext(stepped.status(), source::DescribePosition(*next, row));
        }
        ARROW_RETURN_NOT_OK(statement->Reset());
      }
      summary.rows += batch.num_rows();
    }
    if (!options.index_column.empty() && schema->GetFieldIndex(options.index_column) >= 0) {
      ARROW_RETURN_NOT_OK(db->Execute(fmt::format(
          "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
          QuoteIdentifier("ix_" + options.table + "_" + options.index_column), table,
          QuoteIdentifier(options.index_column))));
      summary.indexed = true;
    }
    return summary;
  };
  auto loaded = load();
  if (!loaded.ok()) {
    (void)db->Execute("ROLLBACK");
    return loaded.status();
  }
  ARROW_RETURN_NOT_OK(db->Execute("COMMIT"));
  return loaded;
}

}  // namespace timecast::dataset
