#include "hub/store/sqlite_store.hpp"

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"
#include "fleetlink/common/thread_name.hpp"
#include "fleetlink/common/wire.hpp"

namespace fleetlink::hub::store {
namespace {

const log::Logger kLog("hub.store");

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS positions (
  id INTEGER PRIMARY KEY, fleet TEXT NOT NULL, vehicle TEXT NOT NULL, device TEXT NOT NULL,
  epoch INTEGER NOT NULL, seq INTEGER NOT NULL, time_ms INTEGER NOT NULL,
  lat REAL, lon REAL, speed_mps REAL, heading_deg REAL, alt_m REAL, h_accuracy_m REAL, satellites INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS positions_record ON positions(device, epoch, seq);
CREATE INDEX IF NOT EXISTS positions_track ON positions(fleet, vehicle, time_ms);
CREATE INDEX IF NOT EXISTS positions_time ON positions(time_ms);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY, fleet TEXT NOT NULL, vehicle TEXT NOT NULL, device TEXT,
  epoch INTEGER, seq INTEGER, time_ms INTEGER NOT NULL, type TEXT NOT NULL, detail TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS events_record ON events(device, epoch, seq);
CREATE INDEX IF NOT EXISTS events_vehicle ON events(fleet, vehicle, time_ms);
CREATE INDEX IF NOT EXISTS events_type ON events(fleet, type, time_ms);
CREATE INDEX IF NOT EXISTS events_time ON events(time_ms);
CREATE TABLE IF NOT EXISTS alerts (
  alert_id TEXT PRIMARY KEY, fleet TEXT NOT NULL, vehicle TEXT NOT NULL, rule TEXT NOT NULL,
  severity INTEGER NOT NULL, state INTEGER NOT NULL, opened_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL,
  cond_key TEXT, cond_since_ms INTEGER, cond_until_ms INTEGER, alert BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_state ON alerts(fleet, state, opened_at_ms);
CREATE TABLE IF NOT EXISTS alert_history (
  id INTEGER PRIMARY KEY, alert_id TEXT NOT NULL, fleet TEXT NOT NULL, state INTEGER NOT NULL,
  transition TEXT NOT NULL, actor TEXT, note TEXT, at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS alert_history_alert ON alert_history(alert_id, id);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY, fleet TEXT NOT NULL, at_ms INTEGER NOT NULL, actor TEXT, action TEXT NOT NULL,
  args TEXT, result TEXT, ok INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS audit_time ON audit(fleet, at_ms);
CREATE TABLE IF NOT EXISTS commands (
  command_id TEXT PRIMARY KEY, fleet TEXT NOT NULL, vehicle TEXT NOT NULL, kind TEXT, state TEXT NOT NULL,
  detail TEXT, issued_at_ms INTEGER, updated_at_ms INTEGER, expires_at_ms INTEGER, issued_by TEXT, payload BLOB);
CREATE INDEX IF NOT EXISTS commands_vehicle ON commands(fleet, vehicle, issued_at_ms);
CREATE TABLE IF NOT EXISTS routes (
  fleet TEXT NOT NULL, route_id TEXT NOT NULL, vehicle TEXT NOT NULL, definition TEXT, progress BLOB,
  active INTEGER NOT NULL, updated_at_ms INTEGER, PRIMARY KEY (fleet, route_id));
CREATE TABLE IF NOT EXISTS settings (
  fleet TEXT NOT NULL, key TEXT NOT NULL, value TEXT, PRIMARY KEY (fleet, key));
)sql";

metrics::Histogram& batchSeconds() {
  static auto& h = metrics::global().histogram("fleetlink_hub_store_batch_seconds", "duration of one write transaction");
  return h;
}
metrics::Histogram& ageAtCommit() {
  static auto& h = metrics::global().histogram(
      "fleetlink_hub_record_age_at_commit_seconds", "time from the uplink's send time to its commit in the history",
      {}, {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60});
  return h;
}
metrics::Counter& storedRecords(const char* result) {
  return metrics::global().counter("fleetlink_hub_store_records_total", "records written to the history",
                                   {{"result", result}});
}

}  // namespace

Expected<std::unique_ptr<SqliteStore>> SqliteStore::open(Options opts, const Clock& clock) {
  auto w = Db::open(opts.path);
  if (!w) return w.error();
  if (auto st = (*w)->exec(kSchema); !st) return st.error().context("could not create tables in " + opts.path);
  auto r = Db::open(opts.path);
  if (!r) return r.error();
  std::unique_ptr<SqliteStore> s(new SqliteStore(std::move(opts), clock, std::move(*w), std::move(*r)));
  if (auto st = s->enforceRetention(); !st) kLog.warn("retention job failed", {{"error", st.error().message}});
  s->writer_ = std::jthread([p = s.get()](std::stop_token tok) {
    nameThisThread("store-writer");
    p->writerLoop(tok);
  });
  return s;
}

SqliteStore::SqliteStore(Options opts, const Clock& clock, std::unique_ptr<Db> writer, std::unique_ptr<Db> reader)
    : opts_(std::move(opts)), clock_(clock), writer_db_(std::move(writer)), reader_db_(std::move(reader)) {}

SqliteStore::~SqliteStore() { stop(); }

void SqliteStore::stop() {
  if (!writer_.joinable()) return;
  writer_.request_stop();
  cv_.notify_all();
  writer_.join();
}

void SqliteStore::enqueue(Op op, std::size_t records) {
  std::unique_lock lock(mu_);
  // Back-pressure: when the disk falls behind, the ingest thread waits here instead of growing memory.
  done_cv_.wait(lock, [&] { return queued_records_ < opts_.max_queued_records || !writer_.joinable(); });
  queue_.push_back(std::move(op));
  queued_records_ += records;
  ++enqueued_seq_;
  if (queued_records_ >= static_cast<std::size_t>(opts_.batch_max)) cv_.notify_one();
}

void SqliteStore::addRecords(std::vector<RecordRow> rows) {
  if (rows.empty()) return;
  const std::size_t n = rows.size();
  enqueue(std::move(rows), n);
}
void SqliteStore::addEvent(EventRow row) { enqueue(std::move(row), 1); }
void SqliteStore::putAlert(const alerts::AlertChange& change) { enqueue(change, 1); }
void SqliteStore::addAudit(AuditRow row) { enqueue(std::move(row), 1); }
void SqliteStore::putCommand(CommandRow row) { enqueue(std::move(row), 1); }
void SqliteStore::putRoute(RouteRow row) { enqueue(std::move(row), 1); }
void SqliteStore::putSetting(SettingRow row) { enqueue(std::move(row), 1); }

void SqliteStore::flush() {
  std::unique_lock lock(mu_);
  const std::uint64_t target = enqueued_seq_;
  if (committed_seq_ >= target) return;
  flush_requested_ = true;
  cv_.notify_one();
  done_cv_.wait_for(lock, std::chrono::seconds(30), [&] { return committed_seq_ >= target || !writer_.joinable(); });
}

void SqliteStore::writerLoop(std::stop_token st) {
  auto last_retention = std::chrono::steady_clock::now();
  while (true) {
    std::deque<Op> batch;
    std::uint64_t batch_seq = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, st, opts_.flush_interval, [&] {
        return flush_requested_ || queued_records_ >= static_cast<std::size_t>(opts_.batch_max);
      });
      // Up to batch_max records per transaction.
      std::size_t records = 0;
      while (!queue_.empty() && records < static_cast<std::size_t>(opts_.batch_max)) {
        const auto* rows = std::get_if<std::vector<RecordRow>>(&queue_.front());
        records += rows ? rows->size() : 1;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_records_ -= std::min(queued_records_, records);
      batch_seq = committed_seq_ + batch.size();
      if (queue_.empty()) flush_requested_ = false;
      if (batch.empty() && st.stop_requested()) break;
    }
    if (!batch.empty()) {
      const auto t0 = std::chrono::steady_clock::now();
      auto status = writeBatch(batch);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      batchSeconds().observe(ms / 1000.0);
      std::lock_guard lock(mu_);
      committed_seq_ = batch_seq;
      health_.last_batch_ms = ms;
      health_.ok = status.ok();
      if (!status) {
        health_.last_error = status.error().message;
        kLog.error("history write failed; the batch is lost", {{"error", status.error().message},
                                                                 {"path", opts_.path}});
      }
      done_cv_.notify_all();
    } else {
      std::lock_guard lock(mu_);
      done_cv_.notify_all();
    }
    if (std::chrono::steady_clock::now() - last_retention >= opts_.retention_every) {
      last_retention = std::chrono::steady_clock::now();
      if (auto s = enforceRetention(); !s) kLog.warn("retention job failed", {{"error", s.error().message}});
    }
  }
}

Status SqliteStore::writeBatch(std::deque<Op>& ops) {
  const std::int64_t now = clock_.nowMs();
  std::uint64_t inserted = 0, ignored = 0;
  std::lock_guard writer_lock(writer_mu_);
  auto st = writer_db_->transaction([&]() -> Status {
    for (const auto& op : ops) {
      if (const auto* rows = std::get_if<std::vector<RecordRow>>(&op)) {
        auto pos = writer_db_->stmt(
            "INSERT OR IGNORE INTO positions(fleet, vehicle, device, epoch, seq, time_ms, lat, lon, speed_mps, "
            "heading_deg, alt_m, h_accuracy_m, satellites) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
        auto ev = writer_db_->stmt(
            "INSERT OR IGNORE INTO events(fleet, vehicle, device, epoch, seq, time_ms, type, detail) "
            "VALUES (?,?,?,?,?,?,?,?)");
        if (!pos) return pos.error();
        if (!ev) return ev.error();
        for (const auto& r : *rows) {
          Stmt& s = r.kind == "position" ? **pos : **ev;
          s.reset().bind(r.fleet).bind(r.vehicle).bind(r.device).bind(r.epoch).bind(r.seq).bind(r.time_ms);
          if (r.kind == "position")
            s.bind(r.lat).bind(r.lon).bind(static_cast<double>(r.speed_mps)).bind(static_cast<double>(r.heading_deg))
                .bind(static_cast<double>(r.alt_m)).bind(static_cast<double>(r.h_accuracy_m))
                .bind(static_cast<std::int64_t>(r.satellites));
          else
            s.bind(r.kind).bind(r.detail);
          if (s.step() != SQLITE_DONE) return Error{writer_db_->errorText()}.context("could not store a record");
          if (sqlite3_changes(writer_db_->handle()) > 0) ++inserted; else ++ignored;
          if (r.sent_at_ms > 0) ageAtCommit().observe(static_cast<double>(now - r.sent_at_ms) / 1000.0);
        }
      } else if (const auto* e = std::get_if<EventRow>(&op)) {
        auto s = writer_db_->stmt("INSERT INTO events(fleet, vehicle, time_ms, type, detail) VALUES (?,?,?,?,?)");
        if (!s) return s.error();
        ResetOnExit reset_on_exit(*s);
        (*s)->bind(e->fleet).bind(e->vehicle).bind(e->time_ms).bind(e->type).bind(e->detail);
        if ((*s)->step() != SQLITE_DONE) return Error{writer_db_->errorText()}.context("could not store an event");
      } else if (const auto* c = std::get_if<alerts::AlertChange>(&op)) {
        const auto& a = c->alert;
        auto s = writer_db_->stmt(
            "INSERT INTO alerts(alert_id, fleet, vehicle, rule, severity, state, opened_at_ms, updated_at_ms, cond_key, "
            "cond_since_ms, cond_until_ms, alert) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(alert_id) DO UPDATE SET "
            "state=excluded.state, updated_at_ms=excluded.updated_at_ms, cond_until_ms=excluded.cond_until_ms, "
            "alert=excluded.alert");
        if (!s) return s.error();
        ResetOnExit reset_on_exit(*s);
        (*s)->bind(a.alert_id()).bind(a.fleet_id()).bind(a.vehicle_id()).bind(a.rule())
            .bind(static_cast<int>(a.severity())).bind(static_cast<int>(a.state())).bind(a.opened_at_ms())
            .bind(a.updated_at_ms()).bind(c->cond_key).bind(c->cond_since_ms).bind(c->cond_until_ms)
            .bindBlob(a.SerializeAsString());
        if ((*s)->step() != SQLITE_DONE) return Error{writer_db_->errorText()}.context("could not store an alert");
        auto h = writer_db_->stmt(
            "INSERT INTO alert_history(alert_id, fleet, state, transition, actor, note, at_ms) VALUES (?,?,?,?,?,?,?)");
        if (!h) return h.error();
        (*h)->bind(a.alert_id()).bind(a.fleet_id()).bind(static_cast<int>(a.state())).bind(c->transition)
            .bind(c->actor).bind(c->note).bind(c->at_ms);
        if ((*h)->step() != SQLITE_DONE) return Error{writer_db_->errorText()}.context("could not store alert history");
      } else if (const auto* au = std::get_if<AuditRow>(&op)) {
        auto s = writer_db_->stmt("INSERT INTO audit(fleet, at_ms, actor, action, args, result, ok) VALUES (?,?,?,?,?,?,?)");
        if (!s) return s.error();
        ResetOnExit reset_on_exit(*s);
        (*s)->bind(au->fleet).bind(au->at_ms).bind(au->actor).bind(au->action).bind(au->args).bind(au->result)
            .bind(au->ok ? 1 : 0);
        if ((*s)->step() != SQLITE_DONE) return Error{writer_db_->errorText()}.context("could not store the audit log");
      } else if (const auto* cm = std::get_if<CommandRow>(&op)) {
        auto s = writer_db_->stmt(
            "INSERT INTO commands(command_id, fleet, vehicle, kind, state, detail, issued_at_ms, updated_at_ms, "
            "expires_at_ms, issued_by, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(command_id) DO UPDATE SET "
            "state=excluded.state, detail=excluded.detail, updated_at_ms=excluded.updated_at_ms");
        if (!s) return s.error();
        ResetOnExit reset_on_exit(*s);
        (*s)->bind(cm->command_id).bind(cm->fleet).bind(cm->vehicle).bind(cm->kind).bind(cm->state).bind(cm->detail)
            .bind(cm->issued_at_ms).bind(cm->updated_at_ms).bind(cm->expires_at_ms).bind(cm->issued_by)
            .bindBlob(cm->payload);
        if ((*s)->step() != SQLITE_DONE) return Error{writer_db_->errorText()}.context("could not store a command");
      } else if (const auto* rt = std::get_if<RouteRow>(&op)) {
        auto s = writer_db_->stmt(
            "INSERT INTO routes(fleet, route_id, vehicle, definition, progress, active, updated_at_ms) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(fleet, route_id) DO UPDATE SET vehicle=excluded.vehicle, "
            "definition=excluded.definition, progress=excluded.progress, active=excluded.active, "
            "updated_at_ms=excluded.updated_at_ms");
        if (!s) return s.error();
        ResetOnExit reset_on_exit(*s);
        (*s)->bind(rt->fleet).bind(rt->route_id).bind(rt->vehicle).bind(rt->definition).bindBlob(rt->progress)
            .bind(rt->active ? 1 : 0).bind(rt->updated_at_ms);
        if ((*s)->step() != SQLITE_DONE) return Error{writer_db_->errorText()}.context("could not store a route");
      } else if (const auto* se = std::get_if<SettingRow>(&op)) {
        auto s = writer_db_->stmt("INSERT OR REPLACE INTO settings(fleet, key, value) VALUES (?,?,?)");
        if (!s) return s.error();
        ResetOnExit reset_on_exit(*s);
        (*s)->bind(se->fleet).bind(se->key).bind(se->value);
        if ((*s)->step() != SQLITE_DONE) return Error{writer_db_->errorText()}.context("could not store a setting");
      }
    }
    return okStatus();
  });
  if (st) {
    static auto& inserted_total = storedRecords("inserted");
    static auto& duplicate_total = storedRecords("duplicate");
    inserted_total.inc(inserted);
    duplicate_total.inc(ignored);
    std::lock_guard lock(mu_);
    health_.committed += inserted;
  }
  return st;
}

Status SqliteStore::enforceRetention() {
  const std::int64_t cutoff = clock_.nowMs() - opts_.retention.count();
  std::lock_guard lock(writer_mu_);
  return writer_db_->transaction([&]() -> Status {
    for (const char* sql : {"DELETE FROM positions WHERE time_ms < ?", "DELETE FROM events WHERE time_ms < ?",
                            "DELETE FROM alert_history WHERE alert_id IN (SELECT alert_id FROM alerts WHERE state = 3 "
                            "AND updated_at_ms < ?)",
                            "DELETE FROM alerts WHERE state = 3 AND updated_at_ms < ?",
                            "DELETE FROM audit WHERE at_ms < ?",
                            "DELETE FROM commands WHERE updated_at_ms < ? AND state IN ('acknowledged','rejected','expired')"}) {
      auto s = writer_db_->stmt(sql);
      if (!s) return s.error();
      ResetOnExit reset_on_exit(*s);
      (*s)->bind(cutoff);
      if ((*s)->step() != SQLITE_DONE) return Error{writer_db_->errorText()}.context("retention");
    }
    return okStatus();
  });
}

// ---- reads ----------------------------------------------------------------------------------------

Expected<std::vector<TrackPoint>> SqliteStore::track(const std::string& fleet, const std::string& vehicle,
                                                     std::int64_t from_ms, std::int64_t to_ms, int limit) {
  std::lock_guard lock(read_mu_);
  auto s = reader_db_->stmt(
      "SELECT time_ms, lat, lon, speed_mps, heading_deg, alt_m, seq FROM positions WHERE fleet=? AND vehicle=? AND "
      "time_ms>=? AND time_ms<=? ORDER BY time_ms, id LIMIT ?");
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  (*s)->bind(fleet).bind(vehicle).bind(from_ms).bind(to_ms).bind(limit);
  std::vector<TrackPoint> out;
  while ((*s)->step() == SQLITE_ROW) {
    TrackPoint p;
    p.time_ms = (*s)->i64(0);
    p.lat = (*s)->f64(1);
    p.lon = (*s)->f64(2);
    p.speed_mps = (*s)->f64(3);
    p.heading_deg = (*s)->f64(4);
    p.alt_m = (*s)->f64(5);
    p.seq = static_cast<std::uint64_t>((*s)->i64(6));
    out.push_back(p);
  }
  return out;
}

Expected<std::vector<EventRow>> SqliteStore::events(const EventQuery& q) {
  std::lock_guard lock(read_mu_);
  std::string sql = "SELECT time_ms, fleet, vehicle, type, detail FROM events WHERE fleet=? AND time_ms>=? AND time_ms<=?";
  if (!q.vehicle.empty()) sql += " AND vehicle=?";
  if (!q.type.empty()) sql += " AND type=?";
  sql += " ORDER BY time_ms, id LIMIT ?";
  auto s = reader_db_->stmt(sql);
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  (*s)->bind(q.fleet).bind(q.from_ms).bind(q.to_ms);
  if (!q.vehicle.empty()) (*s)->bind(q.vehicle);
  if (!q.type.empty()) (*s)->bind(q.type);
  (*s)->bind(q.limit);
  std::vector<EventRow> out;
  while ((*s)->step() == SQLITE_ROW)
    out.push_back({(*s)->i64(0), (*s)->text(1), (*s)->text(2), (*s)->text(3), (*s)->text(4)});
  return out;
}

Expected<std::vector<v1::Alert>> SqliteStore::alerts(const AlertQuery& q) {
  std::lock_guard lock(read_mu_);
  std::string sql = "SELECT alert FROM alerts WHERE fleet=? AND opened_at_ms>=?";
  if (q.state == "active") sql += " AND state IN (1,2)";
  else if (!q.state.empty()) sql += " AND state=?";
  if (!q.vehicle.empty()) sql += " AND vehicle=?";
  if (!q.rule.empty()) sql += " AND rule=?";
  sql += " ORDER BY opened_at_ms DESC LIMIT ?";
  auto s = reader_db_->stmt(sql);
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  (*s)->bind(q.fleet).bind(q.since_ms);
  if (q.state == "open") (*s)->bind(1);
  else if (q.state == "acknowledged") (*s)->bind(2);
  else if (q.state == "resolved") (*s)->bind(3);
  if (!q.vehicle.empty()) (*s)->bind(q.vehicle);
  if (!q.rule.empty()) (*s)->bind(q.rule);
  (*s)->bind(q.limit);
  std::vector<v1::Alert> out;
  while ((*s)->step() == SQLITE_ROW) {
    v1::Alert a;
    if (a.ParseFromString((*s)->blob(0))) out.push_back(std::move(a));
  }
  return out;
}

Expected<std::optional<v1::Alert>> SqliteStore::alert(const std::string& fleet, const std::string& alert_id) {
  std::lock_guard lock(read_mu_);
  auto s = reader_db_->stmt("SELECT alert FROM alerts WHERE fleet=? AND alert_id=?");
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  (*s)->bind(fleet).bind(alert_id);
  if ((*s)->step() != SQLITE_ROW) return std::optional<v1::Alert>();
  v1::Alert a;
  if (!a.ParseFromString((*s)->blob(0))) return Error{"stored alert " + alert_id + " is unreadable"};
  return std::optional<v1::Alert>(std::move(a));
}

Expected<std::vector<alerts::AlertChange>> SqliteStore::alertHistory(const std::string& fleet,
                                                                     const std::string& alert_id) {
  std::lock_guard lock(read_mu_);
  auto s = reader_db_->stmt(
      "SELECT state, transition, actor, note, at_ms FROM alert_history WHERE fleet=? AND alert_id=? ORDER BY id");
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  (*s)->bind(fleet).bind(alert_id);
  std::vector<alerts::AlertChange> out;
  while ((*s)->step() == SQLITE_ROW) {
    alerts::AlertChange c;
    c.alert.set_alert_id(alert_id);
    c.alert.set_state(static_cast<v1::AlertState>((*s)->i64(0)));
    c.transition = (*s)->text(1);
    c.actor = (*s)->text(2);
    c.note = (*s)->text(3);
    c.at_ms = (*s)->i64(4);
    out.push_back(std::move(c));
  }
  return out;
}

Expected<std::vector<alerts::AlertChange>> SqliteStore::unresolvedAlerts() {
  std::lock_guard lock(read_mu_);
  auto s = reader_db_->stmt("SELECT alert, cond_key, cond_since_ms FROM alerts WHERE state IN (1,2)");
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  std::vector<alerts::AlertChange> out;
  while ((*s)->step() == SQLITE_ROW) {
    alerts::AlertChange c;
    if (!c.alert.ParseFromString((*s)->blob(0))) continue;
    c.cond_key = (*s)->text(1);
    c.cond_since_ms = (*s)->i64(2);
    out.push_back(std::move(c));
  }
  return out;
}

Expected<std::vector<AuditRow>> SqliteStore::audit(const std::string& fleet, std::int64_t since_ms, int limit) {
  std::lock_guard lock(read_mu_);
  auto s = reader_db_->stmt(
      "SELECT fleet, at_ms, actor, action, args, result, ok FROM audit WHERE fleet=? AND at_ms>=? ORDER BY id DESC LIMIT ?");
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  (*s)->bind(fleet).bind(since_ms).bind(limit);
  std::vector<AuditRow> out;
  while ((*s)->step() == SQLITE_ROW)
    out.push_back({(*s)->text(0), (*s)->i64(1), (*s)->text(2), (*s)->text(3), (*s)->text(4), (*s)->text(5),
                   (*s)->i64(6) != 0});
  return out;
}

Expected<std::vector<CommandRow>> SqliteStore::commands(const std::string& fleet, const std::string& vehicle,
                                                        const std::string& state) {
  std::lock_guard lock(read_mu_);
  std::string sql =
      "SELECT fleet, vehicle, command_id, kind, state, detail, issued_by, issued_at_ms, updated_at_ms, expires_at_ms, "
      "payload FROM commands WHERE 1=1";
  if (!fleet.empty()) sql += " AND fleet=?";
  if (!vehicle.empty()) sql += " AND vehicle=?";
  if (!state.empty()) sql += " AND state=?";
  sql += " ORDER BY issued_at_ms DESC LIMIT 1000";
  auto s = reader_db_->stmt(sql);
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  if (!fleet.empty()) (*s)->bind(fleet);
  if (!vehicle.empty()) (*s)->bind(vehicle);
  if (!state.empty()) (*s)->bind(state);
  std::vector<CommandRow> out;
  while ((*s)->step() == SQLITE_ROW) {
    CommandRow c{(*s)->text(0), (*s)->text(1), (*s)->text(2), (*s)->text(3), (*s)->text(4), (*s)->text(5),
                 (*s)->text(6), (*s)->i64(7), (*s)->i64(8), (*s)->i64(9), (*s)->blob(10)};
    out.push_back(std::move(c));
  }
  return out;
}

Expected<std::vector<RouteRow>> SqliteStore::routes() {
  std::lock_guard lock(read_mu_);
  auto s = reader_db_->stmt("SELECT fleet, route_id, vehicle, definition, progress, active, updated_at_ms FROM routes");
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  std::vector<RouteRow> out;
  while ((*s)->step() == SQLITE_ROW)
    out.push_back({(*s)->text(0), (*s)->text(1), (*s)->text(2), (*s)->text(3), (*s)->blob(4), (*s)->i64(5) != 0,
                   (*s)->i64(6)});
  return out;
}

Expected<std::vector<SettingRow>> SqliteStore::settings() {
  std::lock_guard lock(read_mu_);
  auto s = reader_db_->stmt("SELECT fleet, key, value FROM settings");
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  std::vector<SettingRow> out;
  while ((*s)->step() == SQLITE_ROW) out.push_back({(*s)->text(0), (*s)->text(1), (*s)->text(2)});
  return out;
}

Expected<std::vector<std::uint64_t>> SqliteStore::seenSeqs(const std::string& device, std::uint64_t epoch) {
  std::lock_guard lock(read_mu_);
  auto s = reader_db_->stmt(
      "SELECT seq FROM positions WHERE device=? AND epoch=? UNION ALL SELECT seq FROM events WHERE device=? AND epoch=?");
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  (*s)->bind(device).bind(epoch).bind(device).bind(epoch);
  std::vector<std::uint64_t> out;
  while ((*s)->step() == SQLITE_ROW) out.push_back(static_cast<std::uint64_t>((*s)->i64(0)));
  return out;
}

Expected<std::uint64_t> SqliteStore::recordCount() {
  std::lock_guard lock(read_mu_);
  auto s = reader_db_->stmt("SELECT (SELECT COUNT(*) FROM positions) + (SELECT COUNT(*) FROM events WHERE seq IS NOT NULL)");
  if (!s) return s.error();
  ResetOnExit reset_on_exit(*s);
  if ((*s)->step() != SQLITE_ROW) return Error{reader_db_->errorText()};
  return static_cast<std::uint64_t>((*s)->i64(0));
}

StoreHealth SqliteStore::health() const {
  std::lock_guard lock(mu_);
  StoreHealth h = health_;
  h.queued = queue_.size();
  return h;
}

}  // namespace fleetlink::hub::store
