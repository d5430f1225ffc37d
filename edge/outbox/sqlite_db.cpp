#include "edge/outbox/sqlite_db.hpp"

namespace fleetlink::edge::sqlite {

Statement& Statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(s_.get(), i, v);
  return *this;
}

Statement& Statement::bind(int i, std::string_view blob) {
  sqlite3_bind_blob64(s_.get(), i, blob.data(), blob.size(), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bindText(int i, std::string_view text) {
  sqlite3_bind_text64(s_.get(), i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

int Statement::step() { return sqlite3_step(s_.get()); }

void Statement::reset() {
  sqlite3_reset(s_.get());
  sqlite3_clear_bindings(s_.get());
}

std::string Statement::blob(int col) const {
  const void* p = sqlite3_column_blob(s_.get(), col);
  const int n = sqlite3_column_bytes(s_.get(), col);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

Expected<Database> Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  Database db;
  db.db_.reset(raw);
  if (rc != SQLITE_OK) {
    return Error{std::string(raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))}.context("could not open " + path);
  }
  sqlite3_extended_result_codes(raw, 0);
  return db;
}

bool Database::exec(const std::string& sql) {
  return sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
}

Expected<Statement> Database::prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return Error{sqlite3_errmsg(db_.get())}.context("could not prepare \"" + sql + "\"");
  }
  return Statement(s);
}

bool Database::queryInt(const std::string& sql, std::int64_t& out) {
  auto st = prepare(sql);
  if (!st) return false;
  const int rc = st->step();
  if (rc == SQLITE_ROW) out = st->int64(0);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

bool Database::queryText(const std::string& sql, std::string& out) {
  auto st = prepare(sql);
  if (!st) return false;
  const int rc = st->step();
  if (rc == SQLITE_ROW) {
    const auto* t = sqlite3_column_text(st->get(), 0);
    out = t ? reinterpret_cast<const char*>(t) : "";
  }
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

bool Database::transaction(const std::function<bool()>& fn) {
  if (!exec("BEGIN IMMEDIATE")) return false;
  if (fn() && exec("COMMIT")) return true;
  // Keep the error of the failed step: ROLLBACK would overwrite it.
  const DbError e = last();
  exec("ROLLBACK");
  failed_ = e;
  return false;
}

DbError Database::last() const {
  if (failed_.code != SQLITE_OK) {
    DbError e = failed_;
    failed_ = {};
    return e;
  }
  return DbError{sqlite3_errcode(db_.get()), sqlite3_errmsg(db_.get())};
}

}  // namespace fleetlink::edge::sqlite
