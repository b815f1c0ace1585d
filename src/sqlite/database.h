// SQLite's C API wrapped once: owning handles, and its errors as arrow::Status
// with SQLite's own text and the database's path.
#pragma once

#include <arrow/result.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

namespace timecast::sqlite {

class Statement;

class Database {
 public:
  enum class Mode { kReadOnly, kReadWriteCreate };
  // Fails with an input error naming the path and SQLite's reason.
  static arrow::Result<std::unique_ptr<Database>> Open(const std::string& path, Mode mode);
  ~Database();

  // Runs one or more statements that return no rows.
  arrow::Status Execute(std::string_view sql);
  arrow::Result<std::unique_ptr<Statement>> Prepare(std::string_view sql);
  // Whether a table of that name exists.
  arrow::Result<bool> TableExists(const std::string& table);

  // An input-class error: "<path>: <context>: <sqlite's message>".
  arrow::Status Error(std::string_view context) const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Database() = default;
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  Statement(sqlite3_stmt* stmt, const Database* db) : stmt_(stmt), db_(db) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Advances: true with a row, false when done; an error names the database.
  arrow::Result<bool> Step();
  arrow::Status Reset();
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
  const Database* db_;
};

// Quotes an identifier for SQL ("a""b" style), so any column name works.
std::string QuoteIdentifier(std::string_view name);

}  // namespace timecast::sqlite
