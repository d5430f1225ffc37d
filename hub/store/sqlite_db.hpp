#pragma once
// A thin owner of one SQLite connection and its prepared statements.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

#include "fleetlink/common/expected.hpp"

namespace fleetlink::hub::store {

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

// A prepared statement reset on each use: bind by 1-based index, step, read columns.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt& reset() {
    sqlite3_reset(s_.get());
    sqlite3_clear_bindings(s_.get());
    next_ = 1;
    return *this;
  }
  Stmt& bind(std::int64_t v) { sqlite3_bind_int64(s_.get(), next_++, v); return *this; }
  Stmt& bind(int v) { sqlite3_bind_int64(s_.get(), next_++, v); return *this; }
  Stmt& bind(std::uint64_t v) { sqlite3_bind_int64(s_.get(), next_++, static_cast<std::int64_t>(v)); return *this; }
  Stmt& bind(double v) { sqlite3_bind_double(s_.get(), next_++, v); return *this; }
  Stmt& bind(std::string_view v) {
    sqlite3_bind_text(s_.get(), next_++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(const std::string& v) { return bind(std::string_view(v)); }
  Stmt& bind(const char* v) { return bind(std::string_view(v)); }
  Stmt& bindBlob(std::string_view v) {
    sqlite3_bind_blob(s_.get(), next_++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bindNull() { sqlite3_bind_null(s_.get(), next_++); return *this; }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(s_.get()); }
  std::int64_t i64(int col) const { return sqlite3_column_int64(s_.get(), col); }
  double f64(int col) const { return sqlite3_column_double(s_.get(), col); }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(s_.get(), col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_.get(), col)))
             : std::string();
  }
  std::string blob(int col) const {
    const void* p = sqlite3_column_blob(s_.get(), col);
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_.get(), col)))
             : std::string();
  }

 private:
  std::unique_ptr<sqlite3_stmt, StmtDeleter> s_;
  int next_ = 1;
};

// Resets a statement when the scope ends, so a half-read query does not keep a read transaction (and an old
// snapshot of the database) open on its connection.
class ResetOnExit {
 public:
  explicit ResetOnExit(Stmt* s) : s_(s) {}
  ~ResetOnExit() { s_->reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Stmt* s_;
};

class Db {
 public:
  // Opens (creating) the file in WAL mode with a busy timeout.
  static Expected<std::unique_ptr<Db>> open(const std::string& path, bool read_only = false);

  Status exec(std::string_view sql);
  // The statement for `sql`, prepared on first use and kept; reset and ready to bind.
  Expected<Stmt*> stmt(const std::string& sql);
  // Runs fn inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK when fn fails).
  Status transaction(const std::function<Status()>& fn);
  std::string errorText() const { return sqlite3_errmsg(db_.get()); }
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_.get(); }

 private:
  struct DbDeleter {
    void operator()(sqlite3* d) const { sqlite3_close_v2(d); }
  };
  std::unique_ptr<sqlite3, DbDeleter> db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Stmt>> stmts_;
};

}  // namespace fleetlink::hub::store
