#pragma once
// A thin RAII layer over one SQLite connection: the connection and prepared statements as unique_ptrs with
// deleters, errors as Expected with the SQLite code kept (so callers can tell a full disk from corruption).
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "fleetlink/common/expected.hpp"

namespace fleetlink::edge::sqlite {

struct DbError {
  int code = SQLITE_OK;  // primary result code
  std::string message;
  bool full() const { return code == SQLITE_FULL; }
  bool corrupt() const { return code == SQLITE_CORRUPT || code == SQLITE_NOTADB; }
  Error error() const { return Error{message}; }
};

class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* s) : s_(s) {}
  sqlite3_stmt* get() const { return s_.get(); }
  explicit operator bool() const { return s_ != nullptr; }
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, std::string_view blob);  // as a BLOB
  Statement& bindText(int i, std::string_view text);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  void reset();
  std::int64_t int64(int col) const { return sqlite3_column_int64(s_.get(), col); }
  std::string blob(int col) const;

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  std::unique_ptr<sqlite3_stmt, Finalize> s_;
};

class Database {
 public:
  Database() = default;
  // Opens (creating if needed) the file.
  static Expected<Database> open(const std::string& path);
  sqlite3* get() const { return db_.get(); }
  explicit operator bool() const { return db_ != nullptr; }
  void close() { db_.reset(); }

  // Runs SQL without results; false with last() filled on failure.
  bool exec(const std::string& sql);
  Expected<Statement> prepare(const std::string& sql);
  // A single integer result (PRAGMA, count); nullopt on failure.
  bool queryInt(const std::string& sql, std::int64_t& out);
  bool queryText(const std::string& sql, std::string& out);
  // BEGIN IMMEDIATE; fn; COMMIT - or ROLLBACK when fn returns false. Returns whether it committed.
  bool transaction(const std::function<bool()>& fn);
  // The error of the last failed call on this connection.
  DbError last() const;
  std::int64_t lastInsertRowid() const { return sqlite3_last_insert_rowid(db_.get()); }

 private:
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Close> db_;
  mutable DbError failed_;  // error of a rolled-back transaction, reported once by last()
};

}  // namespace fleetlink::edge::sqlite
