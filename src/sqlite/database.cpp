#include "sqlite/database.h"

#include "util/status.h"

namespace timecast::sqlite {

arrow::Result<std::unique_ptr<Database>> Database::Open(const std::string& path, Mode mode) {
  std::unique_ptr<Database> database(new Database());
  database->path_ = path;
  // NOMUTEX: a connection is only ever used by one thread, and serialized mode
  // takes a lock on every bind and step.
  const int flags = SQLITE_OPEN_NOMUTEX | (mode == Mode::kReadOnly
                                               ? SQLITE_OPEN_READONLY
                                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &database->db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    return util::InputError("cannot open SQLite database '{}': {}", path,
                            database->db_ ? sqlite3_errmsg(database->db_) : sqlite3_errstr(rc));
  }
  return database;
}

Database::~Database() { sqlite3_close(db_); }

arrow::Status Database::Error(std::string_view context) const {
  return util::InputError("{}: {}: {}", path_, context, sqlite3_errmsg(db_));
}

arrow::Status Database::Execute(std::string_view sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return util::InputError("{}: {}: {}", path_, sql.substr(0, 80), text);
  }
  return arrow::Status::OK();
}

arrow::Result<std::unique_ptr<Statement>> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return Error(std::string(sql.substr(0, 80)));
  }
  return std::make_unique<Statement>(stmt, this);
}

arrow::Result<bool> Database::TableExists(const std::string& table) {
  ARROW_ASSIGN_OR_RAISE(auto stmt,
                        Prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?"));
  sqlite3_bind_text(stmt->get(), 1, table.c_str(), static_cast<int>(table.size()), SQLITE_TRANSIENT);
  return stmt->Step();
}

arrow::Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("step");
}

arrow::Status Statement::Reset() {
  if (sqlite3_reset(stmt_) != SQLITE_OK) return db_->Error("reset");
  return arrow::Status::OK();
}

std::string QuoteIdentifier(std::string_view name) {
  std::string quoted = "\"";
  for (const char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace timecast::sqlite
