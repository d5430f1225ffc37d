#pragma once
// The persisted tail of every live-event stream, so a client that reconnects after longer than the in-memory
// history still gets exactly what it missed. One SQLite file (WAL) owned by this class; appends are queued and
// committed in batches by a writer thread; old events are deleted after the retention time.
//
// Offsets are only meaningful within one epoch. The epoch is kept across a clean stop (every offset handed out
// is then on disk); after a crash a new epoch starts, the old events are discarded and clients that resume
// with the old epoch are told to resync rather than given a stream with a hole in it.
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/expected.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace fleetlink::hub::web {

struct StoredEvent {
  std::string stream;
  std::uint64_t offset = 0;
  std::uint8_t kind = 0;
  std::string vehicle;
  std::int64_t time_ms = 0;
  std::string payload;  // protobuf bytes
};

class EventLog {
 public:
  static Expected<std::unique_ptr<EventLog>> open(const std::string& path, std::int64_t retention_ms,
                                                  const Clock& clock);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  const std::string& epoch() const { return epoch_; }
  // Last offset of every stream found at open (same epoch only).
  const std::map<std::string, std::uint64_t>& lastOffsets() const { return last_offsets_; }

  // Queues an event for the next batch. Never blocks on disk.
  void append(StoredEvent e);
  // Events of `stream` with from <= offset <= to, in order (pending appends are committed first).
  Expected<std::vector<StoredEvent>> read(const std::string& stream, std::uint64_t from, std::uint64_t to);
  // Commits what is pending, stops the writer, records where each stream stopped (`last_offsets`, from the
  // fan-out, covers streams whose events have all aged out) and marks the epoch as cleanly closed.
  void close(const std::map<std::string, std::uint64_t>& last_offsets = {});
  std::uint64_t written() const;

 private:
  struct DbDeleter {
    void operator()(sqlite3* db) const;
  };
  struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const;
  };
  using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

  EventLog(const Clock& clock, std::int64_t retention_ms);
  Status exec(const char* sql);
  Expected<StmtPtr> prepare(const char* sql);
  Status writePendingLocked();  // db_mu_ held
  void run(std::stop_token st);
  void setMeta(const std::string& key, const std::string& value);

  const Clock& clock_;
  std::int64_t retention_ms_;
  std::string path_;
  std::string epoch_;
  std::map<std::string, std::uint64_t> last_offsets_;

  std::mutex db_mu_;  // the connection and its statements
  std::unique_ptr<sqlite3, DbDeleter> db_;
  StmtPtr insert_, select_, prune_, meta_set_;

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<StoredEvent> pending_;
  std::uint64_t written_ = 0;
  bool closed_ = false;
  std::jthread writer_;
};

}  // namespace fleetlink::hub::web
