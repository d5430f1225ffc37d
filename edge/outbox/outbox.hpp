#pragma once
// Outbox: the store-and-forward buffer, one SQLite file in WAL mode and the one source of truth for unsent data.
// Every record is committed here before it is published. The broker's PUBACK for the batch that carried it marks
// the row delivered: panics stay until the hub's PanicAck; ordinary rows stay as delivered copies for
// keep_delivered, so a hub that lost what the broker had already acknowledged can have it sent again
// (redeliver()). Copies are never sent on their own and are the first rows removed at the limits. Sequence numbers
// are the table's AUTOINCREMENT ids: strictly increasing, never reused, surviving restarts. The epoch identifies
// this file; a corrupt file is moved aside (kept) and a fresh one starts a new epoch at seq 1.
//
// Durability: ordinary commits use synchronous=NORMAL (they survive a crash or kill -9 at once, and a power cut
// after the next sync(), which the agent calls every outbox.sync_interval); panic commits use synchronous=FULL
// and are on disk before append() returns. A full disk first removes delivered copies, then triggers the drop
// policy (freed pages are reused); what still does not fit is held in memory (bounded, thinned like the file) and
// committed when space returns.
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "edge/outbox/drop_policy.hpp"
#include "edge/outbox/record_class.hpp"
#include "edge/outbox/sqlite_db.hpp"
#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/expected.hpp"
#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::edge {

enum class Durability { Normal, Immediate };

struct OutboxOptions {
  std::string path;
  std::uint64_t max_records = 2'000'000;
  std::uint64_t max_bytes = 512ull << 20;
  std::size_t max_pending = 10'000;  // records held in memory while the disk is full
  std::int64_t max_page_count = 0;   // 0 = no limit; tests set it to make SQLite report a full disk
  // How long a delivered ordinary row is kept for a hub's re-send request (0 = deleted at its PUBACK).
  std::chrono::milliseconds keep_delivered{std::chrono::hours(1)};
};

// One row. `body` is the serialized Record without seq and epoch (added when a batch is built).
struct StoredRecord {
  std::uint64_t seq = 0;
  RecordClass cls = RecordClass::Position;
  std::int64_t created_ms = 0;  // board clock when appended (for ages)
  bool delivered = false;       // panics only: the broker has it, the hub has not acknowledged yet
  std::string body;
};

struct OutboxStats {
  std::uint64_t epoch = 0;
  std::uint64_t records = 0;    // rows in the file still to deliver (and delivered panics awaiting the hub)
  std::uint64_t bytes = 0;      // accounted size of those rows
  std::uint64_t delivered_kept = 0;        // delivered rows kept for re-sending (not in records)
  std::uint64_t delivered_kept_bytes = 0;  // accounted size of those rows
  std::uint64_t pending = 0;    // held in memory (disk full)
  std::uint64_t dropped = 0;    // removed by the drop policy since this outbox was created
  std::uint64_t last_seq = 0;
  Usage usage{};
  std::optional<std::int64_t> oldest_unsent_ms;  // created_ms of the oldest undelivered row or pending record
  bool healthy = true;
  std::string problem;          // why not healthy
  std::string path;
};

struct AppendResult {
  std::vector<std::uint64_t> seqs;  // committed by this call (earlier held records first), ascending
  bool held = false;                // some records could not be written and wait in memory
};

class Outbox {
 public:
  // Opens or creates the outbox. A file SQLite reports corrupt (or that fails quick_check) is renamed to
  // "<path>.corrupt-<time>" with its -wal/-shm and a new outbox with a new epoch is created in its place.
  static Expected<std::unique_ptr<Outbox>> open(OutboxOptions options, const Clock& clock);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Commits the records in order, in one transaction (with held records first). Never throws or loses them:
  // on a full disk they are held in memory and `held` is set.
  AppendResult append(std::vector<v1::Record> records, Durability durability = Durability::Normal);
  // Retries held records (called periodically while unhealthy).
  AppendResult retryHeld();
  // Makes everything committed so far survive a power cut (one synchronous=FULL commit).
  Status sync();

  // Undelivered rows with seq > after_seq, oldest first, at most `limit` rows and about `max_bytes` of bodies.
  std::vector<StoredRecord> readAfter(std::uint64_t after_seq, std::size_t limit, std::size_t max_bytes);
  // The given rows (missing ones and delivered copies skipped; a delivered panic is returned, marked delivered).
  std::vector<StoredRecord> read(const std::vector<std::uint64_t>& seqs);
  std::vector<StoredRecord> panics();
  // The broker acknowledged these seqs of `epoch`: ordinary rows are kept as delivered copies stamped with the
  // board time (deleted at once when keep_delivered is 0), panics marked delivered. A different epoch (the file
  // was replaced meanwhile) is ignored. Copies older than keep_delivered are pruned here, every few seconds.
  Status published(std::uint64_t epoch, const std::vector<std::uint64_t>& seqs);
  // Makes the delivered copies whose PUBACK arrived at or after `since_ms` (board time) undelivered again, so
  // readAfter() returns them and they are sent again. Returns how many.
  std::size_t redeliver(std::int64_t since_ms);
  // The hub acknowledged panic (epoch, seq): the row goes. False when no such unacknowledged panic exists.
  bool panicAcknowledged(std::uint64_t epoch, std::uint64_t seq);

  void setLimits(std::uint64_t max_records, std::uint64_t max_bytes);
  void setMaxPageCount(std::int64_t pages);  // tests: simulate the disk filling up and freeing again

  OutboxStats stats() const;
  std::uint64_t epoch() const;
  // Path of the corrupt file moved aside when this outbox was opened or replaced (empty if none).
  std::string movedAside() const;

  static constexpr std::uint64_t kRowOverhead = 24;  // bytes accounted per row besides its body
  static constexpr std::uint64_t kFullDiskReclaimBytes = 64 * 1024;  // freed at least when the disk is full

 private:
  struct Held {
    RecordClass cls;
    std::int64_t created_ms;
    std::string body;
  };
  Outbox(OutboxOptions options, const Clock& clock);
  Status openFile();          // opens options_.path, creating tables; errors carry corruption as `corrupt_`
  Status replaceCorrupt(const std::string& why);
  Status prepareStatements();
  AppendResult commitHeld(Durability durability);
  bool insertHeld(std::vector<std::uint64_t>& seqs);
  void enforceLimitsLocked();
  // Removes the oldest delivered copies until the whole file fits `max_records`/`max_bytes` or none is left.
  bool evictKept(std::uint64_t max_records, std::uint64_t max_bytes);
  // Runs a DELETE of delivered copies that returns length(body) per row, and accounts for what it removed.
  bool deleteKept(sqlite::Statement& st);
  // Rows and accounted bytes of the whole file: still to deliver plus delivered copies.
  std::pair<std::uint64_t, std::uint64_t> totalsLocked() const;
  // Delivered copies that left the file (deleted, or made undelivered again).
  void forgetKept(std::uint64_t records, std::uint64_t bytes);
  void pruneKept(std::int64_t now);
  bool dropPlan(const DropPlan& plan, bool thin);
  bool deleteRow(std::uint64_t seq);
  void boundHeld();
  void failed(const sqlite::DbError& e, const std::string& what);

  OutboxOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  sqlite::Database db_;
  struct Statements {
    sqlite::Statement insert, read_after, read_one, panics, delete_row, mark_delivered, delete_panic, oldest_unsent,
        oldest_of_class, set_meta, keep_row, prune_kept, evict_kept, redeliver;
  };
  mutable Statements st_;  // stats() runs a prepared query from a const method
  std::uint64_t epoch_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t last_seq_ = 0;
  Usage usage_{};                   // rows still to deliver (and delivered panics), per class
  std::uint64_t kept_records_ = 0;  // delivered copies, outside usage_
  std::uint64_t kept_bytes_ = 0;
  std::int64_t last_prune_ms_ = 0;
  std::deque<Held> held_;
  bool healthy_ = true;
  std::string problem_;
  bool corrupt_ = false;
  std::string moved_aside_;
};

}  // namespace fleetlink::edge
