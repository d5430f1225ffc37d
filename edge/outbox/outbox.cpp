#include "edge/outbox/outbox.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"

namespace fleetlink::edge {
namespace {

const log::Logger kLog("edge.outbox");
namespace fs = std::filesystem;

std::uint64_t newEpoch() {
  // Random and below 2^53 so it survives JSON tooling unchanged; never 0 (proto3's "unset").
  std::random_device rd;
  const std::uint64_t v = ((static_cast<std::uint64_t>(rd()) << 32) | rd()) & ((1ull << 53) - 1);
  return v == 0 ? 1 : v;
}

metrics::Counter& droppedCounter(RecordClass c) {
  return metrics::global().counter("fleetlink_edge_outbox_dropped_total",
                                   "Records removed by the outbox drop policy", {{"class", className(c)}});
}

std::uint64_t rowCost(const std::string& body) { return body.size() + Outbox::kRowOverhead; }

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  cls INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  delivered INTEGER NOT NULL DEFAULT 0,
  body BLOB NOT NULL,
  delivered_ms INTEGER);
-- Panics are few; this partial index finds them without scanning a large backlog.
CREATE INDEX IF NOT EXISTS records_panic ON records(seq) WHERE cls = 0;
)sql";

// After the migration (delivered_ms came later). Both indexes cover only the rows they serve, so the normal
// drain does not grow with the delivered copies kept behind it.
constexpr const char* kIndexes = R"sql(
-- Delivered ordinary rows kept for re-sending, oldest delivery first: pruning, eviction and redeliver().
CREATE INDEX IF NOT EXISTS records_delivered ON records(delivered_ms) WHERE delivered_ms IS NOT NULL;
-- Rows still to send: the backlog read and the oldest unsent row skip the delivered copies.
CREATE INDEX IF NOT EXISTS records_unsent ON records(seq) WHERE delivered = 0;
)sql";

// Delivered copies past keep_delivered are pruned at most this often (from published()).
constexpr std::int64_t kPruneEveryMs = 5000;
// Like the drop policy, eviction of delivered copies aims this far below the limits.
constexpr double kEvictHeadroom = 0.05;

}  // namespace

Outbox::Outbox(OutboxOptions options, const Clock& clock) : options_(std::move(options)), clock_(clock) {}

Outbox::~Outbox() {
  std::lock_guard lock(mu_);
  st_ = {};
  db_.close();
}

Expected<std::unique_ptr<Outbox>> Outbox::open(OutboxOptions options, const Clock& clock) {
  std::unique_ptr<Outbox> ob(new Outbox(std::move(options), clock));
  std::lock_guard lock(ob->mu_);
  if (auto st = ob->openFile(); !st) {
    if (!ob->corrupt_) return st.error();
    if (auto r = ob->replaceCorrupt(st.error().message); !r) return r.error();
  }
  return ob;
}

Status Outbox::openFile() {
  corrupt_ = false;
  const fs::path path(options_.path);
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec) return Error{ec.message()}.context("could not create the folder of the outbox " + options_.path);
  auto db = sqlite::Database::open(options_.path);
  if (!db) return db.error();
  db_ = std::move(*db);
  auto fail = [&](const std::string& what) -> Status {
    const auto e = db_.last();
    corrupt_ = e.corrupt();
    return Error{e.message}.context(what + " (" + options_.path + ")");
  };
  std::string mode;
  if (!db_.queryText("PRAGMA journal_mode=WAL", mode)) return fail("could not switch the outbox to WAL");
  if (mode != "wal") return Error{"journal mode is " + mode}.context("could not switch the outbox to WAL");
  // NORMAL in WAL mode: a commit survives a process crash at once and a power cut after the next WAL sync
  // (sync() and checkpoints). Panics switch to FULL for their commit.
  // A small page cache: the outbox appends at one end and deletes at the other, so little is ever re-read, and
  // the agent's memory stays small on a board.
  if (!db_.exec("PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=4194304; PRAGMA temp_store=MEMORY; "
                "PRAGMA cache_size=-512"))
    return fail("could not configure the outbox");
  if (options_.max_page_count > 0 &&
      !db_.exec("PRAGMA max_page_count=" + std::to_string(options_.max_page_count)))
    return fail("could not limit the outbox size");
  std::string check;
  if (!db_.queryText("PRAGMA quick_check", check)) return fail("could not check the outbox");
  if (check != "ok") {
    corrupt_ = true;
    return Error{"integrity check failed: " + check};
  }
  if (!db_.exec(kSchema)) return fail("could not create the outbox tables");
  // Files written before delivered copies were kept lack delivered_ms: add it (every row there is undelivered or
  // a delivered panic, which NULL describes).
  std::int64_t has_delivered_ms = 0;
  if (!db_.queryInt("SELECT count(*) FROM pragma_table_info('records') WHERE name = 'delivered_ms'", has_delivered_ms))
    return fail("could not read the outbox schema");
  if (has_delivered_ms == 0) {
    if (!db_.exec("ALTER TABLE records ADD COLUMN delivered_ms INTEGER")) return fail("could not upgrade the outbox");
    kLog.info("outbox upgraded: delivered records are now kept for re-sending", {{"path", options_.path}});
  }
  if (!db_.exec(kIndexes)) return fail("could not create the outbox indexes");
  std::int64_t epoch = 0;
  if (!db_.queryInt("SELECT value FROM meta WHERE key='epoch'", epoch)) return fail("could not read the outbox epoch");
  if (epoch == 0) {
    epoch = static_cast<std::int64_t>(newEpoch());
    if (!db_.exec("INSERT INTO meta(key, value) VALUES('epoch', " + std::to_string(epoch) + "), ('created_ms', " +
                  std::to_string(clock_.nowMs()) + "), ('dropped', 0)"))
      return fail("could not initialise the outbox");
    kLog.info("created a new outbox", {{"path", options_.path}, {"epoch", std::to_string(epoch)}});
  }
  epoch_ = static_cast<std::uint64_t>(epoch);
  std::int64_t dropped = 0, last_seq = 0;
  if (!db_.queryInt("SELECT value FROM meta WHERE key='dropped'", dropped) ||
      !db_.queryInt("SELECT seq FROM sqlite_sequence WHERE name='records'", last_seq))
    return fail("could not read the outbox counters");
  dropped_ = static_cast<std::uint64_t>(dropped);
  last_seq_ = static_cast<std::uint64_t>(last_seq);
  usage_ = {};
  kept_records_ = 0;
  kept_bytes_ = 0;
  {
    auto q = db_.prepare("SELECT cls, count(*), sum(length(body)) FROM records WHERE delivered_ms IS NULL GROUP BY cls");
    if (!q) return q.error();
    int rc;
    while ((rc = q->step()) == SQLITE_ROW) {
      const auto cls = q->int64(0);
      if (cls < 0 || cls >= kRecordClasses) continue;
      auto& u = usage_[static_cast<std::size_t>(cls)];
      u.records = static_cast<std::uint64_t>(q->int64(1));
      u.bytes = static_cast<std::uint64_t>(q->int64(2)) + u.records * kRowOverhead;
    }
    if (rc != SQLITE_DONE) return fail("could not count the outbox");
  }
  {
    auto q = db_.prepare("SELECT count(*), coalesce(sum(length(body)), 0) FROM records WHERE delivered_ms IS NOT NULL");
    if (!q) return q.error();
    if (q->step() != SQLITE_ROW) return fail("could not count the outbox");
    kept_records_ = static_cast<std::uint64_t>(q->int64(0));
    kept_bytes_ = static_cast<std::uint64_t>(q->int64(1)) + kept_records_ * kRowOverhead;
  }
  if (auto st = prepareStatements(); !st) return st;
  pruneKept(clock_.nowMs());
  return okStatus();
}

Status Outbox::prepareStatements() {
  struct Def {
    sqlite::Statement* st;
    const char* sql;
  };
  const Def defs[] = {
      {&st_.insert, "INSERT INTO records(cls, created_ms, delivered, body) VALUES(?1, ?2, 0, ?3)"},
      {&st_.read_after,
       "SELECT seq, cls, created_ms, delivered, body FROM records INDEXED BY records_unsent "
       "WHERE seq > ?1 AND delivered = 0 ORDER BY seq LIMIT ?2"},
      {&st_.read_one, "SELECT seq, cls, created_ms, delivered, body FROM records WHERE seq = ?1 AND delivered_ms IS NULL"},
      {&st_.panics, "SELECT seq, cls, created_ms, delivered, body FROM records INDEXED BY records_panic WHERE cls = 0 ORDER BY seq"},
      {&st_.delete_row, "DELETE FROM records WHERE seq = ?1 AND cls != 0 RETURNING cls, length(body)"},
      {&st_.mark_delivered, "UPDATE records SET delivered = 1 WHERE seq = ?1 AND cls = 0"},
      {&st_.delete_panic, "DELETE FROM records WHERE seq = ?1 AND cls = 0 RETURNING length(body)"},
      {&st_.oldest_unsent, "SELECT created_ms FROM records INDEXED BY records_unsent WHERE delivered = 0 ORDER BY seq LIMIT 1"},
      {&st_.oldest_of_class, "SELECT seq FROM records WHERE cls = ?1 AND delivered_ms IS NULL ORDER BY seq LIMIT ?2"},
      {&st_.set_meta, "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value"},
      {&st_.keep_row,
       "UPDATE records SET delivered = 1, delivered_ms = ?2 WHERE seq = ?1 AND cls != 0 AND delivered = 0 "
       "RETURNING cls, length(body)"},
      {&st_.prune_kept, "DELETE FROM records INDEXED BY records_delivered WHERE delivered_ms < ?1 RETURNING length(body)"},
      {&st_.evict_kept,
       "DELETE FROM records WHERE seq IN (SELECT seq FROM records INDEXED BY records_delivered "
       "WHERE delivered_ms IS NOT NULL ORDER BY delivered_ms, seq LIMIT ?1) RETURNING length(body)"},
      {&st_.redeliver,
       "UPDATE records INDEXED BY records_delivered SET delivered = 0, delivered_ms = NULL WHERE delivered_ms >= ?1 "
       "RETURNING cls, length(body)"},
  };
  for (const auto& d : defs) {
    auto s = db_.prepare(d.sql);
    if (!s) {
      corrupt_ = db_.last().corrupt();
      return s.error().context("outbox " + options_.path);
    }
    *d.st = std::move(*s);
  }
  return okStatus();
}

Status Outbox::replaceCorrupt(const std::string& why) {
  st_ = {};
  db_.close();
  const std::string aside = options_.path + ".corrupt-" + std::to_string(clock_.nowMs());
  std::error_code ec;
  fs::rename(options_.path, aside, ec);
  if (ec) return Error{ec.message()}.context("outbox " + options_.path + " is corrupt and could not be moved aside");
  for (const char* suffix : {"-wal", "-shm"}) {
    std::error_code ignored;
    if (fs::exists(options_.path + suffix)) fs::rename(options_.path + suffix, aside + suffix, ignored);
  }
  kLog.error("outbox was corrupt: moved aside and kept, starting a new epoch",
             {{"path", options_.path}, {"kept_as", aside}, {"problem", why}});
  metrics::global().counter("fleetlink_edge_outbox_replaced_total", "Corrupt outbox files moved aside").inc();
  moved_aside_ = aside;
  if (auto st = openFile(); !st) return st.error().context("could not create a new outbox after corruption");
  return okStatus();
}

void Outbox::failed(const sqlite::DbError& e, const std::string& what) {
  healthy_ = false;
  problem_ = what + ": " + e.message;
  if (e.corrupt()) corrupt_ = true;
}

void Outbox::boundHeld() {
  if (held_.size() <= options_.max_pending) return;
  // Same order as the file's drop policy: thin positions (every second one, oldest first), then health, duty.
  for (RecordClass c : kDropOrder) {
    bool keep = false;
    for (auto it = held_.begin(); it != held_.end() && held_.size() > options_.max_pending;) {
      if (it->cls != c) {
        ++it;
        continue;
      }
      if (c == RecordClass::Position && !keep) {
        keep = true;
        ++it;
        continue;
      }
      keep = false;
      it = held_.erase(it);
      ++dropped_;
      droppedCounter(c).inc();
    }
    // A second pass drops what thinning kept.
    for (auto it = held_.begin(); it != held_.end() && held_.size() > options_.max_pending;) {
      if (it->cls == c) {
        it = held_.erase(it);
        ++dropped_;
        droppedCounter(c).inc();
      } else {
        ++it;
      }
    }
    if (held_.size() <= options_.max_pending) return;
  }
}

bool Outbox::insertHeld(std::vector<std::uint64_t>& seqs) {
  seqs.clear();
  const bool committed = db_.transaction([&] {
    for (const auto& h : held_) {
      st_.insert.bind(1, static_cast<std::int64_t>(h.cls)).bind(2, h.created_ms).bind(3, h.body);
      const int rc = st_.insert.step();
      st_.insert.reset();
      if (rc != SQLITE_DONE) return false;
      seqs.push_back(static_cast<std::uint64_t>(db_.lastInsertRowid()));
    }
    return true;
  });
  if (!committed) {
    seqs.clear();
    return false;
  }
  for (const auto& h : held_) {
    auto& u = usage_[static_cast<std::size_t>(h.cls)];
    ++u.records;
    u.bytes += rowCost(h.body);
  }
  if (!seqs.empty()) last_seq_ = seqs.back();
  held_.clear();
  return true;
}

AppendResult Outbox::commitHeld(Durability durability) {
  AppendResult result;
  if (held_.empty()) return result;
  if (!db_) {
    result.held = true;
    return result;
  }
  if (durability == Durability::Immediate) db_.exec("PRAGMA synchronous=FULL");
  bool ok = insertHeld(result.seqs);
  if (!ok) {
    auto e = db_.last();
    if (e.full()) {
      // Make room inside the file: freed pages are reused without growing it.
      std::uint64_t held_bytes = 0;
      for (const auto& h : held_) held_bytes += rowCost(h.body);
      std::uint64_t records = 0, bytes = 0;
      for (const auto& u : usage_) {
        records += u.records;
        bytes += u.bytes;
      }
      // New rows go to the end of the table, so room must come from whole pages: drop a contiguous stretch of
      // the oldest rows (not thinned) worth several pages, which SQLite then reuses from its freelist.
      const std::uint64_t want_bytes = std::max<std::uint64_t>(2 * held_bytes, kFullDiskReclaimBytes);
      // Delivered copies first: that much of the oldest, then all of them, before any record still to send.
      for (int attempt = 0; attempt < 2 && !ok && e.full() && kept_records_ > 0; ++attempt) {
        const auto kept_before = kept_records_;
        const std::uint64_t total = records + kept_records_, total_bytes = bytes + kept_bytes_;
        const bool evicted = attempt == 0 ? evictKept(total, total_bytes > want_bytes ? total_bytes - want_bytes : 0)
                                          : evictKept(records, bytes);
        if (!evicted) break;
        kLog.warn("disk full: removed delivered copies kept for re-sending to make room",
                  {{"path", options_.path}, {"removed", std::to_string(kept_before - kept_records_)}});
        ok = insertHeld(result.seqs);
        if (!ok) e = db_.last();
      }
      const DropPlan plan =
          ok || !e.full() ? DropPlan{} : planDrop(usage_, records, bytes > want_bytes ? bytes - want_bytes : 0, 0.0);
      if (!plan.empty() && dropPlan(plan, /*thin=*/false)) {
        kLog.warn("disk full: thinned the outbox to make room", {{"path", options_.path}, {"removed", std::to_string(plan.total())}});
        ok = insertHeld(result.seqs);
        if (!ok) e = db_.last();
      }
    } else if (e.corrupt()) {
      if (replaceCorrupt(e.message)) ok = insertHeld(result.seqs);
      if (!ok) e = db_.last();
    }
    if (!ok) {
      failed(e, e.full() ? "disk full, records held in memory until space returns" : "could not write the outbox");
      kLog.error("could not commit records, holding them in memory",
                 {{"path", options_.path}, {"held", std::to_string(held_.size())}, {"error", e.message}});
      metrics::global().counter("fleetlink_edge_outbox_write_errors_total", "Failed outbox commits").inc();
    }
  }
  if (durability == Durability::Immediate) db_.exec("PRAGMA synchronous=NORMAL");
  if (ok) {
    if (!healthy_) kLog.info("outbox writable again", {{"path", options_.path}});
    healthy_ = true;
    problem_.clear();
    enforceLimitsLocked();
  }
  result.held = !held_.empty();
  return result;
}

AppendResult Outbox::append(std::vector<v1::Record> records, Durability durability) {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.nowMs();
  for (auto& r : records) {
    r.clear_seq();
    r.clear_epoch();
    held_.push_back({classOf(r), now, r.SerializeAsString()});
  }
  boundHeld();
  return commitHeld(durability);
}

AppendResult Outbox::retryHeld() {
  std::lock_guard lock(mu_);
  return commitHeld(Durability::Normal);
}

Status Outbox::sync() {
  std::lock_guard lock(mu_);
  if (!db_) return Error{"outbox not open"};
  db_.exec("PRAGMA synchronous=FULL");
  const bool ok = db_.transaction([&] {
    st_.set_meta.bindText(1, "synced_ms").bind(2, clock_.nowMs());
    const int rc = st_.set_meta.step();
    st_.set_meta.reset();
    return rc == SQLITE_DONE;
  });
  const auto e = ok ? sqlite::DbError{} : db_.last();
  db_.exec("PRAGMA synchronous=NORMAL");
  if (!ok) return e.error().context("could not sync the outbox " + options_.path);
  return okStatus();
}

std::pair<std::uint64_t, std::uint64_t> Outbox::totalsLocked() const {
  std::uint64_t records = kept_records_, bytes = kept_bytes_;
  for (const auto& u : usage_) {
    records += u.records;
    bytes += u.bytes;
  }
  return {records, bytes};
}

void Outbox::forgetKept(std::uint64_t records, std::uint64_t bytes) {
  kept_records_ -= std::min(kept_records_, records);
  kept_bytes_ -= std::min(kept_bytes_, bytes);
  if (kept_records_ == 0) kept_bytes_ = 0;
}

void Outbox::enforceLimitsLocked() {
  const auto [records, bytes] = totalsLocked();
  if (records <= options_.max_records && bytes <= options_.max_bytes) return;
  // Delivered copies go first, so they never cost a record that is still to be sent.
  if (kept_records_ > 0) {
    const auto kept_before = kept_records_;
    const double keep = 1.0 - kEvictHeadroom;
    if (evictKept(static_cast<std::uint64_t>(static_cast<double>(options_.max_records) * keep),
                  static_cast<std::uint64_t>(static_cast<double>(options_.max_bytes) * keep))) {
      kLog.info("outbox over its limits: removed delivered copies kept for re-sending",
                {{"path", options_.path}, {"removed", std::to_string(kept_before - kept_records_)},
                 {"still_kept", std::to_string(kept_records_)}});
    }
  }
  // Whatever copies are left fit within the limits (with headroom); without any left this is the plan as before.
  const auto sub = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
  const DropPlan plan = planDrop(usage_, sub(options_.max_records, kept_records_), sub(options_.max_bytes, kept_bytes_));
  if (plan.empty()) return;
  if (dropPlan(plan, /*thin=*/true)) {
    kLog.warn("outbox over its limits: dropped old records",
              {{"path", options_.path},
               {"positions", std::to_string(plan.drop[static_cast<std::size_t>(RecordClass::Position)])},
               {"health", std::to_string(plan.drop[static_cast<std::size_t>(RecordClass::Health)])},
               {"duty", std::to_string(plan.drop[static_cast<std::size_t>(RecordClass::Duty)])}});
  }
}

bool Outbox::dropPlan(const DropPlan& plan, bool thin) {
  Usage usage = usage_;
  std::uint64_t dropped = dropped_;
  std::array<std::uint64_t, kRecordClasses> per_class{};
  const bool ok = db_.transaction([&] {
    for (RecordClass c : kDropOrder) {
      const std::uint64_t n = plan.drop[static_cast<std::size_t>(c)];
      if (n == 0) continue;
      std::vector<std::uint64_t> oldest;
      const bool thinned = thin && c == RecordClass::Position;
      const std::uint64_t look = thinned ? 2 * n : n;
      st_.oldest_of_class.bind(1, static_cast<std::int64_t>(c)).bind(2, static_cast<std::int64_t>(look));
      int rc;
      while ((rc = st_.oldest_of_class.step()) == SQLITE_ROW) oldest.push_back(static_cast<std::uint64_t>(st_.oldest_of_class.int64(0)));
      st_.oldest_of_class.reset();
      if (rc != SQLITE_DONE) return false;
      const auto victims = thinned ? thinOldest(oldest, n)
                                                      : std::vector<std::uint64_t>(oldest.begin(), oldest.begin() + static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(n, oldest.size())));
      for (auto seq : victims) {
        st_.delete_row.bind(1, static_cast<std::int64_t>(seq));
        rc = st_.delete_row.step();
        if (rc == SQLITE_ROW) {
          auto& u = usage[static_cast<std::size_t>(c)];
          --u.records;
          u.bytes -= std::min<std::uint64_t>(u.bytes, static_cast<std::uint64_t>(st_.delete_row.int64(1)) + kRowOverhead);
          ++dropped;
          ++per_class[static_cast<std::size_t>(c)];
          rc = st_.delete_row.step();
        }
        st_.delete_row.reset();
        if (rc != SQLITE_DONE) return false;
      }
    }
    st_.set_meta.bindText(1, "dropped").bind(2, static_cast<std::int64_t>(dropped));
    const int rc = st_.set_meta.step();
    st_.set_meta.reset();
    return rc == SQLITE_DONE;
  });
  if (!ok) return false;
  usage_ = usage;
  dropped_ = dropped;
  for (RecordClass c : kDropOrder) droppedCounter(c).inc(per_class[static_cast<std::size_t>(c)]);
  return true;
}

namespace {
StoredRecord rowOf(const sqlite::Statement& s) {
  return {static_cast<std::uint64_t>(s.int64(0)), static_cast<RecordClass>(s.int64(1)), s.int64(2), s.int64(3) != 0,
          s.blob(4)};
}
}  // namespace

std::vector<StoredRecord> Outbox::readAfter(std::uint64_t after_seq, std::size_t limit, std::size_t max_bytes) {
  std::lock_guard lock(mu_);
  std::vector<StoredRecord> out;
  if (!db_) return out;
  st_.read_after.bind(1, static_cast<std::int64_t>(after_seq)).bind(2, static_cast<std::int64_t>(limit));
  std::size_t bytes = 0;
  while (st_.read_after.step() == SQLITE_ROW) {
    out.push_back(rowOf(st_.read_after));
    bytes += out.back().body.size();
    if (bytes >= max_bytes) break;
  }
  st_.read_after.reset();
  return out;
}

std::vector<StoredRecord> Outbox::read(const std::vector<std::uint64_t>& seqs) {
  std::lock_guard lock(mu_);
  std::vector<StoredRecord> out;
  if (!db_) return out;
  for (auto seq : seqs) {
    st_.read_one.bind(1, static_cast<std::int64_t>(seq));
    if (st_.read_one.step() == SQLITE_ROW) out.push_back(rowOf(st_.read_one));
    st_.read_one.reset();
  }
  return out;
}

std::vector<StoredRecord> Outbox::panics() {
  std::lock_guard lock(mu_);
  std::vector<StoredRecord> out;
  if (!db_ || usage_[0].records == 0) return out;
  while (st_.panics.step() == SQLITE_ROW) out.push_back(rowOf(st_.panics));
  st_.panics.reset();
  return out;
}

Status Outbox::published(std::uint64_t epoch, const std::vector<std::uint64_t>& seqs) {
  std::lock_guard lock(mu_);
  if (epoch != epoch_ || !db_) return okStatus();
  const std::int64_t now = clock_.nowMs();
  const bool keep = options_.keep_delivered.count() > 0;
  // Kept rows are stamped with the board time of the ack; with keep_delivered 0 they are deleted as they come.
  auto& st = keep ? st_.keep_row : st_.delete_row;
  Usage usage = usage_;
  std::uint64_t kept_records = kept_records_, kept_bytes = kept_bytes_;
  const bool ok = db_.transaction([&] {
    for (auto seq : seqs) {
      st.bind(1, static_cast<std::int64_t>(seq));
      if (keep) st.bind(2, now);
      int rc = st.step();
      bool done = false;
      if (rc == SQLITE_ROW) {
        done = true;
        const std::uint64_t cost = static_cast<std::uint64_t>(st.int64(1)) + kRowOverhead;
        auto& u = usage[static_cast<std::size_t>(st.int64(0))];
        --u.records;
        u.bytes -= std::min(u.bytes, cost);
        if (keep) {
          ++kept_records;
          kept_bytes += cost;
        }
        rc = st.step();
      }
      st.reset();
      if (rc != SQLITE_DONE) return false;
      if (!done) {
        // A panic (kept until the hub acknowledges it) or a row already gone or delivered (dropped, or
        // acknowledged twice).
        st_.mark_delivered.bind(1, static_cast<std::int64_t>(seq));
        rc = st_.mark_delivered.step();
        st_.mark_delivered.reset();
        if (rc != SQLITE_DONE) return false;
      }
    }
    return true;
  });
  if (!ok) {
    const auto e = db_.last();
    if (e.corrupt()) corrupt_ = true;
    return e.error().context("could not mark published records in " + options_.path);
  }
  usage_ = usage;
  kept_records_ = kept_records;
  kept_bytes_ = kept_bytes;
  // Cheap (one indexed DELETE) but not worth doing for every batch.
  if (now - last_prune_ms_ >= kPruneEveryMs || now < last_prune_ms_) pruneKept(now);
  return okStatus();
}

bool Outbox::deleteKept(sqlite::Statement& st) {
  std::uint64_t records = 0, bytes = 0;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    ++records;
    bytes += static_cast<std::uint64_t>(st.int64(0)) + kRowOverhead;
  }
  st.reset();
  // The statement is atomic: on an error nothing was deleted.
  if (rc != SQLITE_DONE) return false;
  forgetKept(records, bytes);
  return records > 0;
}

void Outbox::pruneKept(std::int64_t now) {
  last_prune_ms_ = now;
  if (kept_records_ == 0 || !db_) return;
  const auto keep = options_.keep_delivered.count();
  // keep_delivered 0 (changed since these rows were kept): every copy goes.
  st_.prune_kept.bind(1, keep > 0 ? now - keep : std::numeric_limits<std::int64_t>::max());
  if (!deleteKept(st_.prune_kept) && db_.last().corrupt()) corrupt_ = true;
}

bool Outbox::evictKept(std::uint64_t max_records, std::uint64_t max_bytes) {
  bool any = false;
  while (kept_records_ > 0) {
    const auto [records, bytes] = totalsLocked();
    if (records <= max_records && bytes <= max_bytes) break;
    const double need_records = records > max_records ? static_cast<double>(records - max_records) : 0.0;
    const double need_bytes = bytes > max_bytes ? static_cast<double>(bytes - max_bytes) : 0.0;
    const double avg = static_cast<double>(kept_bytes_) / static_cast<double>(kept_records_);
    const double want = std::max(need_records, avg > 0 ? std::ceil(need_bytes / avg) : 0.0);
    const auto n = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(want), 1, kept_records_);
    st_.evict_kept.bind(1, static_cast<std::int64_t>(n));
    if (!deleteKept(st_.evict_kept)) break;
    any = true;
  }
  return any;
}

std::size_t Outbox::redeliver(std::int64_t since_ms) {
  std::lock_guard lock(mu_);
  if (!db_ || kept_records_ == 0) return 0;
  auto& st = st_.redeliver;
  st.bind(1, since_ms);
  Usage usage = usage_;
  std::uint64_t records = 0, bytes = 0;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    const std::uint64_t cost = static_cast<std::uint64_t>(st.int64(1)) + kRowOverhead;
    auto& u = usage[static_cast<std::size_t>(st.int64(0))];
    ++u.records;
    u.bytes += cost;
    ++records;
    bytes += cost;
  }
  st.reset();
  if (rc != SQLITE_DONE) {
    const auto e = db_.last();
    if (e.corrupt()) corrupt_ = true;
    kLog.error("could not mark delivered records for re-sending", {{"path", options_.path}, {"error", e.message}});
    return 0;
  }
  usage_ = usage;
  forgetKept(records, bytes);
  return static_cast<std::size_t>(records);
}

bool Outbox::panicAcknowledged(std::uint64_t epoch, std::uint64_t seq) {
  std::lock_guard lock(mu_);
  if (epoch != epoch_ || !db_) return false;
  bool found = false;
  std::uint64_t bytes = 0;
  const bool ok = db_.transaction([&] {
    st_.delete_panic.bind(1, static_cast<std::int64_t>(seq));
    int rc = st_.delete_panic.step();
    if (rc == SQLITE_ROW) {
      found = true;
      bytes = static_cast<std::uint64_t>(st_.delete_panic.int64(0)) + kRowOverhead;
      rc = st_.delete_panic.step();
    }
    st_.delete_panic.reset();
    return rc == SQLITE_DONE;
  });
  if (!ok || !found) return false;
  auto& u = usage_[static_cast<std::size_t>(RecordClass::Panic)];
  --u.records;
  u.bytes -= std::min(u.bytes, bytes);
  return true;
}

void Outbox::setLimits(std::uint64_t max_records, std::uint64_t max_bytes) {
  std::lock_guard lock(mu_);
  options_.max_records = max_records;
  options_.max_bytes = max_bytes;
  enforceLimitsLocked();
}

void Outbox::setMaxPageCount(std::int64_t pages) {
  std::lock_guard lock(mu_);
  options_.max_page_count = pages;
  db_.exec("PRAGMA max_page_count=" + std::to_string(pages > 0 ? pages : 4294967294LL));
}

OutboxStats Outbox::stats() const {
  std::lock_guard lock(mu_);
  OutboxStats s;
  s.epoch = epoch_;
  s.usage = usage_;
  for (const auto& u : usage_) {
    s.records += u.records;
    s.bytes += u.bytes;
  }
  s.delivered_kept = kept_records_;
  s.delivered_kept_bytes = kept_bytes_;
  s.pending = held_.size();
  s.dropped = dropped_;
  s.last_seq = last_seq_;
  s.healthy = healthy_;
  s.problem = problem_;
  s.path = options_.path;
  if (db_) {
    auto& q = st_.oldest_unsent;
    if (q.step() == SQLITE_ROW) s.oldest_unsent_ms = q.int64(0);
    q.reset();
  }
  if (!held_.empty() && (!s.oldest_unsent_ms || held_.front().created_ms < *s.oldest_unsent_ms)) {
    s.oldest_unsent_ms = held_.front().created_ms;
  }
  return s;
}

std::uint64_t Outbox::epoch() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

std::string Outbox::movedAside() const {
  std::lock_guard lock(mu_);
  return moved_aside_;
}

}  // namespace fleetlink::edge
