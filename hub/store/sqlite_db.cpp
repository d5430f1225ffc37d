#include "hub/store/sqlite_db.hpp"

namespace fleetlink::hub::store {

Expected<std::unique_ptr<Db>> Db::open(const std::string& path, bool read_only) {
  sqlite3* raw = nullptr;
  const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  auto db = std::make_unique<Db>();
  db->db_.reset(raw);
  db->path_ = path;
  if (rc != SQLITE_OK)
    return Error{raw ? sqlite3_errmsg(raw) : "out of memory"}.context("could not open the history database " + path);
  sqlite3_busy_timeout(raw, 5000);
  if (!read_only) {
    // WAL: readers never block the writer; NORMAL sync is durable across process crashes (not power loss of
    // the last few commits), the usual trade for a history store fed at high rate.
    if (auto st = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !st)
      return st.error().context("could not set up " + path);
  }
  return db;
}

Status Db::exec(std::string_view sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return Error{msg};
  }
  return okStatus();
}

Expected<Stmt*> Db::stmt(const std::string& sql) {
  auto it = stmts_.find(sql);
  if (it == stmts_.end()) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
      return Error{errorText()}.context("could not prepare a query on " + path_);
    it = stmts_.emplace(sql, std::make_unique<Stmt>(s)).first;
  }
  it->second->reset();
  return it->second.get();
}

Status Db::transaction(const std::function<Status()>& fn) {
  if (auto st = exec("BEGIN IMMEDIATE"); !st) return st;
  auto st = fn();
  if (!st) {
    (void)exec("ROLLBACK");
    return st;
  }
  if (auto c = exec("COMMIT"); !c) {
    (void)exec("ROLLBACK");
    return c;
  }
  return okStatus();
}

}  // namespace fleetlink::hub::store
