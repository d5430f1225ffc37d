#pragma once
// The SQLite history store: one writer connection owned by a writer thread that commits queued operations
// in batches (every flush_interval or batch_max records), one reader connection shared under a mutex, and a
// retention job that deletes history older than the retention period.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

#include "fleetlink/common/clock.hpp"
#include "hub/store/sqlite_db.hpp"
#include "hub/store/store.hpp"

namespace fleetlink::hub::store {

class SqliteStore final : public Store {
 public:
  struct Options {
    std::string path;
    std::chrono::milliseconds flush_interval{200};
    int batch_max = 5000;
    std::chrono::milliseconds retention{std::chrono::hours(24 * 90)};
    std::chrono::milliseconds retention_every{std::chrono::hours(1)};
    std::size_t max_queued_records = 200'000;  // callers wait beyond this (back-pressure, bounded memory)
  };

  // Opens the database (creating tables) and starts the writer.
  static Expected<std::unique_ptr<SqliteStore>> open(Options opts, const Clock& clock);
  ~SqliteStore() override;
  void stop();  // commits what is queued, then stops the writer

  void addRecords(std::vector<RecordRow> rows) override;
  void addEvent(EventRow row) override;
  void putAlert(const alerts::AlertChange& change) override;
  void addAudit(AuditRow row) override;
  void putCommand(CommandRow row) override;
  void putRoute(RouteRow row) override;
  void putSetting(SettingRow row) override;
  void flush() override;

  Expected<std::vector<TrackPoint>> track(const std::string& fleet, const std::string& vehicle, std::int64_t from_ms,
                                          std::int64_t to_ms, int limit) override;
  Expected<std::vector<EventRow>> events(const EventQuery& q) override;
  Expected<std::vector<v1::Alert>> alerts(const AlertQuery& q) override;
  Expected<std::vector<alerts::AlertChange>> alertHistory(const std::string& fleet, const std::string& alert_id) override;
  Expected<std::optional<v1::Alert>> alert(const std::string& fleet, const std::string& alert_id) override;
  Expected<std::vector<alerts::AlertChange>> unresolvedAlerts() override;
  Expected<std::vector<AuditRow>> audit(const std::string& fleet, std::int64_t since_ms, int limit) override;
  Expected<std::vector<CommandRow>> commands(const std::string& fleet, const std::string& vehicle,
                                             const std::string& state) override;
  Expected<std::vector<RouteRow>> routes() override;
  Expected<std::vector<SettingRow>> settings() override;
  Expected<std::vector<std::uint64_t>> seenSeqs(const std::string& device, std::uint64_t epoch) override;
  Expected<std::uint64_t> recordCount() override;
  StoreHealth health() const override;

  // Deletes history older than the retention period now (the background job calls this periodically).
  Status enforceRetention();

 private:
  using Op = std::variant<std::vector<RecordRow>, EventRow, alerts::AlertChange, AuditRow, CommandRow, RouteRow,
                          SettingRow>;
  SqliteStore(Options opts, const Clock& clock, std::unique_ptr<Db> writer, std::unique_ptr<Db> reader);
  void enqueue(Op op, std::size_t records);
  void writerLoop(std::stop_token st);
  Status writeBatch(std::deque<Op>& ops);
  Status writeOp(const Op& op);

  Options opts_;
  const Clock& clock_;
  std::mutex writer_mu_;  // the writer connection: the writer thread, and the retention job when called directly
  std::unique_ptr<Db> writer_db_;
  std::unique_ptr<Db> reader_db_;
  mutable std::mutex read_mu_;

  mutable std::mutex mu_;
  std::condition_variable_any cv_;        // writer waits for work
  std::condition_variable_any done_cv_;   // flush() and back-pressure wait for commits
  std::deque<Op> queue_;
  std::size_t queued_records_ = 0;
  std::uint64_t enqueued_seq_ = 0, committed_seq_ = 0;
  bool flush_requested_ = false;
  StoreHealth health_;
  std::jthread writer_;
};

}  // namespace fleetlink::hub::store
