#include "outbox_probe.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <memory>

namespace fleetlink::fieldcheck {

OutboxProbeResult probeOutbox(const std::string& path) {
  OutboxProbeResult r;
  std::error_code ec;
  r.exists = std::filesystem::exists(path, ec);
  if (!r.exists) {
    r.detail = "no outbox at " + path;
    return r;
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  if (rc != SQLITE_OK) {
    r.detail = std::string("cannot open: ") + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    return r;
  }
  sqlite3_busy_timeout(db.get(), 2000);
  sqlite3_stmt* raw_stmt = nullptr;
  if (sqlite3_prepare_v2(db.get(), "PRAGMA integrity_check", -1, &raw_stmt, nullptr) != SQLITE_OK) {
    r.detail = std::string("not a readable SQLite database: ") + sqlite3_errmsg(db.get());
    return r;
  }
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw_stmt, &sqlite3_finalize);
  const int step = sqlite3_step(stmt.get());
  if (step != SQLITE_ROW) {
    r.detail = std::string("integrity check failed to run: ") + sqlite3_errmsg(db.get());
    return r;
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
  r.detail = text ? text : "";
  r.healthy = r.detail == "ok";
  return r;
}

}  // namespace fleetlink::fieldcheck
