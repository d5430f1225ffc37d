#include "history_check.hpp"

#include <sqlite3.h>

#include <memory>
#include <stdexcept>

namespace fleetlink::test::chaos {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

Db openReadOnly(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + path + ": " + sqlite3_errstr(rc));
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

// Runs `sql` and calls `row` for each result row.
template <typename Fn>
void query(sqlite3* db, const std::string& path, const char* sql, Fn row) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
    throw std::runtime_error(path + ": " + sqlite3_errmsg(db) + " in: " + sql);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
  if (rc != SQLITE_DONE) throw std::runtime_error(path + ": " + sqlite3_errmsg(db) + " in: " + sql);
}

std::string text(sqlite3_stmt* st, int col) {
  const auto* p = sqlite3_column_text(st, col);
  return p ? reinterpret_cast<const char*>(p) : "";
}
std::uint64_t u64(sqlite3_stmt* st, int col) { return static_cast<std::uint64_t>(sqlite3_column_int64(st, col)); }

}  // namespace

EdgeLedger readOutbox(const std::string& path, const std::string& device) {
  auto db = openReadOnly(path);
  EdgeLedger l;
  l.device = device;
  query(db.get(), path, "SELECT key, value FROM meta", [&](sqlite3_stmt* st) {
    const auto key = text(st, 0);
    if (key == "epoch") l.epoch = u64(st, 1);
    if (key == "dropped") l.dropped = u64(st, 1);
  });
  query(db.get(), path, "SELECT seq FROM sqlite_sequence WHERE name = 'records'",
        [&](sqlite3_stmt* st) { l.last_seq = u64(st, 0); });
  query(db.get(), path, "SELECT COUNT(*) FROM records WHERE delivered_ms IS NULL", [&](sqlite3_stmt* st) { l.unsent = u64(st, 0); });
  return l;
}

HistoryCount readHistory(const std::string& path) {
  auto db = openReadOnly(path);
  HistoryCount h;
  query(db.get(), path,
        "SELECT device, epoch, seq, COUNT(*) FROM ("
        " SELECT device, epoch, seq FROM positions"
        " UNION ALL SELECT device, epoch, seq FROM events WHERE seq IS NOT NULL)"
        " GROUP BY device, epoch, seq",
        [&](sqlite3_stmt* st) {
          const auto n = u64(st, 3);
          h.rows += n;
          h.distinct += 1;
          h.duplicated += n - 1;
          h.seqs[{text(st, 0), u64(st, 1)}].insert(u64(st, 2));
        });
  return h;
}

PanicCheck readPanics(const std::string& path) {
  auto db = openReadOnly(path);
  PanicCheck p;
  // The hub keys each panic alert by the record that raised it: "panic|device:epoch:seq".
  query(db.get(), path,
        "SELECT e.device || ':' || e.epoch || ':' || e.seq,"
        " (SELECT COUNT(*) FROM alerts a WHERE a.rule = 'panic'"
        "   AND a.cond_key = 'panic|' || e.device || ':' || e.epoch || ':' || e.seq),"
        " (SELECT MIN(a.alert_id) FROM alerts a WHERE a.rule = 'panic'"
        "   AND a.cond_key = 'panic|' || e.device || ':' || e.epoch || ':' || e.seq)"
        " FROM events e WHERE e.type = 'panic'",
        [&](sqlite3_stmt* st) {
          ++p.panics;
          const auto n = u64(st, 1);
          if (n == 0) {
            p.missing.push_back(text(st, 0));
          } else {
            ++p.with_alert;
            p.extra_alerts += n - 1;
            p.alert_ids.push_back(text(st, 2));
          }
        });
  return p;
}

}  // namespace fleetlink::test::chaos
