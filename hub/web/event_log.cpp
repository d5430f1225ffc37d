#include "hub/web/event_log.hpp"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/thread_name.hpp"

namespace fleetlink::hub::web {
namespace {

const log::Logger kLog("hub.web.eventlog");
constexpr std::size_t kBatchMax = 5000;
constexpr auto kFlushInterval = std::chrono::milliseconds(100);
constexpr std::int64_t kPruneIntervalMs = 60'000;

std::string newEpoch() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  static const char* hex = "0123456789abcdef";
  std::string out;
  auto v = gen();
  for (int i = 0; i < 16; ++i, v >>= 4) out += hex[v & 15];
  return out;
}

}  // namespace

void EventLog::DbDeleter::operator()(sqlite3* db) const { sqlite3_close_v2(db); }
void EventLog::StmtDeleter::operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }

EventLog::EventLog(const Clock& clock, std::int64_t retention_ms) : clock_(clock), retention_ms_(retention_ms) {}

EventLog::~EventLog() { close(); }

Status EventLog::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Error{msg};
  }
  return okStatus();
}

Expected<EventLog::StmtPtr> EventLog::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
    return Error{sqlite3_errmsg(db_.get())};
  return StmtPtr(s);
}

Expected<std::unique_ptr<EventLog>> EventLog::open(const std::string& path, std::int64_t retention_ms,
                                                   const Clock& clock) {
  std::unique_ptr<EventLog> log(new EventLog(clock, retention_ms));
  log->path_ = path;
  auto fail = [&](const std::string& what) { return Error{what}.context("could not open live event log " + path); };
  if (const auto dir = std::filesystem::path(path).parent_path(); !dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail("cannot create folder " + dir.string() + ": " + ec.message());
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  log->db_.reset(raw);
  if (rc != SQLITE_OK) return fail(raw ? sqlite3_errmsg(raw) : "out of memory");
  sqlite3_busy_timeout(raw, 5000);
  // WAL + NORMAL: a batch is durable against a process crash; the epoch rule covers a power cut.
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                          "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                          "CREATE TABLE IF NOT EXISTS events(stream TEXT NOT NULL, offset INTEGER NOT NULL,"
                          " kind INTEGER NOT NULL, vehicle TEXT NOT NULL, time_ms INTEGER NOT NULL,"
                          " at_ms INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY(stream, offset)) WITHOUT ROWID",
                          "CREATE INDEX IF NOT EXISTS events_at ON events(at_ms)"}) {
    if (auto st = log->exec(sql); !st) return fail(st.error().message);
  }
  std::map<std::string, std::string> meta;
  {
    auto s = log->prepare("SELECT key, value FROM meta");
    if (!s) return fail(s.error().message);
    while (sqlite3_step(s->get()) == SQLITE_ROW)
      meta[reinterpret_cast<const char*>(sqlite3_column_text(s->get(), 0))] =
          reinterpret_cast<const char*>(sqlite3_column_text(s->get(), 1));
  }
  for (auto [field, sql] : {std::pair{&log->insert_, "INSERT OR REPLACE INTO events VALUES(?,?,?,?,?,?,?)"},
                            std::pair{&log->select_, "SELECT offset, kind, vehicle, time_ms, payload FROM events"
                                                     " WHERE stream=? AND offset BETWEEN ? AND ? ORDER BY offset"},
                            std::pair{&log->prune_, "DELETE FROM events WHERE at_ms < ?"},
                            std::pair{&log->meta_set_, "INSERT OR REPLACE INTO meta VALUES(?,?)"}}) {
    auto s = log->prepare(sql);
    if (!s) return fail(s.error().message);
    *field = std::move(*s);
  }
  if (meta["clean"] == "1" && !meta["epoch"].empty()) {
    log->epoch_ = meta["epoch"];
    auto s = log->prepare("SELECT stream, MAX(offset) FROM events GROUP BY stream");
    if (!s) return fail(s.error().message);
    while (sqlite3_step(s->get()) == SQLITE_ROW)
      log->last_offsets_[reinterpret_cast<const char*>(sqlite3_column_text(s->get(), 0))] =
          static_cast<std::uint64_t>(sqlite3_column_int64(s->get(), 1));
    // Streams whose events all aged out still continue their numbering.
    for (const auto& [k, v] : meta)
      if (k.rfind("last:", 0) == 0) {
        auto& o = log->last_offsets_[k.substr(5)];
        o = std::max<std::uint64_t>(o, std::stoull(v));
      }
  } else {
    if (!meta["epoch"].empty())
      kLog.warn("live event log was not closed cleanly; starting a new epoch (clients resync)", {{"path", path}});
    log->epoch_ = newEpoch();
    if (auto st = log->exec("DELETE FROM events; DELETE FROM meta"); !st) return fail(st.error().message);
  }
  log->setMeta("epoch", log->epoch_);
  log->setMeta("clean", "0");
  log->writer_ = std::jthread([l = log.get()](std::stop_token st) {
    nameThisThread("web-eventlog");
    l->run(st);
  });
  return log;
}

void EventLog::setMeta(const std::string& key, const std::string& value) {
  auto* s = meta_set_.get();
  sqlite3_reset(s);
  sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, value.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(s) != SQLITE_DONE) kLog.error("could not write meta", {{"path", path_}, {"error", sqlite3_errmsg(db_.get())}});
}

void EventLog::append(StoredEvent e) {
  std::lock_guard lk(queue_mu_);
  if (closed_) return;
  pending_.push_back(std::move(e));
  if (pending_.size() >= kBatchMax) queue_cv_.notify_one();
}

Status EventLog::writePendingLocked() {
  std::vector<StoredEvent> batch;
  {
    std::lock_guard lk(queue_mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return okStatus();
  const auto now = clock_.nowMs();
  if (auto st = exec("BEGIN"); !st) return st;
  auto* s = insert_.get();
  for (const auto& e : batch) {
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, e.stream.data(), static_cast<int>(e.stream.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(e.offset));
    sqlite3_bind_int(s, 3, e.kind);
    sqlite3_bind_text(s, 4, e.vehicle.data(), static_cast<int>(e.vehicle.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, e.time_ms);
    sqlite3_bind_int64(s, 6, now);
    sqlite3_bind_blob(s, 7, e.payload.data(), static_cast<int>(e.payload.size()), SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
      const std::string err = sqlite3_errmsg(db_.get());
      (void)exec("ROLLBACK");
      return Error{err};
    }
  }
  if (auto st = exec("COMMIT"); !st) return st;
  std::lock_guard lk(queue_mu_);
  written_ += batch.size();
  return okStatus();
}

void EventLog::run(std::stop_token st) {
  std::int64_t last_prune = clock_.nowMs();
  while (!st.stop_requested()) {
    {
      std::unique_lock lk(queue_mu_);
      queue_cv_.wait_for(lk, kFlushInterval, [&] { return pending_.size() >= kBatchMax || closed_; });
      if (closed_) return;
    }
    std::lock_guard db(db_mu_);
    if (auto s = writePendingLocked(); !s)
      kLog.error("could not write live events", {{"path", path_}, {"error", s.error().message}});
    const auto now = clock_.nowMs();
    if (now - last_prune >= kPruneIntervalMs) {
      last_prune = now;
      sqlite3_reset(prune_.get());
      sqlite3_bind_int64(prune_.get(), 1, now - retention_ms_);
      if (sqlite3_step(prune_.get()) != SQLITE_DONE)
        kLog.error("could not prune live events", {{"path", path_}, {"error", sqlite3_errmsg(db_.get())}});
    }
  }
}

Expected<std::vector<StoredEvent>> EventLog::read(const std::string& stream, std::uint64_t from, std::uint64_t to) {
  std::lock_guard db(db_mu_);
  if (auto st = writePendingLocked(); !st) return st.error().context("could not commit live events");
  std::vector<StoredEvent> out;
  auto* s = select_.get();
  sqlite3_reset(s);
  sqlite3_bind_text(s, 1, stream.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(from));
  sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(to));
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    StoredEvent e;
    e.stream = stream;
    e.offset = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
    e.kind = static_cast<std::uint8_t>(sqlite3_column_int(s, 1));
    e.vehicle = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
    e.time_ms = sqlite3_column_int64(s, 3);
    const void* p = sqlite3_column_blob(s, 4);
    e.payload.assign(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s, 4)));
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return Error{sqlite3_errmsg(db_.get())}.context("could not read live events of " + stream);
  return out;
}

void EventLog::close(const std::map<std::string, std::uint64_t>& last_offsets) {
  {
    std::lock_guard lk(queue_mu_);
    if (closed_) return;
    closed_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  std::lock_guard db(db_mu_);
  if (!db_ || !meta_set_) return;  // never opened
  if (auto st = writePendingLocked(); !st) {
    kLog.error("could not write live events at close", {{"path", path_}, {"error", st.error().message}});
    return;  // not clean: the next start begins a new epoch
  }
  // Remember where each stream stopped, so numbering continues even once its events have aged out.
  {
    auto s = prepare("SELECT stream, MAX(offset) FROM events GROUP BY stream");
    if (s)
      while (sqlite3_step(s->get()) == SQLITE_ROW)
        setMeta(std::string("last:") + reinterpret_cast<const char*>(sqlite3_column_text(s->get(), 0)),
                std::to_string(sqlite3_column_int64(s->get(), 1)));
  }
  for (const auto& [stream, offset] : last_offsets) setMeta("last:" + stream, std::to_string(offset));
  setMeta("clean", "1");
}

std::uint64_t EventLog::written() const {
  std::lock_guard lk(queue_mu_);
  return written_;
}

}  // namespace fleetlink::hub::web
