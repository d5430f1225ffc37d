#pragma once
// The hub's history behind an interface, so a server database can replace SQLite later. Writes are queued
// and committed in batches by the store's own writer (callers never wait for disk); reads may come from any
// thread and see what has been committed (flush() first to include what was just queued).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/v1/fleetlink.pb.h"
#include "hub/alerts/alert_book.hpp"

namespace fleetlink::hub::store {

// One accepted record. Positions fill the position fields; other kinds carry a JSON `detail`.
struct RecordRow {
  std::string fleet, vehicle, device;
  std::uint64_t epoch = 0, seq = 0;
  std::int64_t time_ms = 0;
  std::string kind;                 // position, panic, duty, health, command_ack, unknown
  double lat = 0, lon = 0;
  float speed_mps = 0, heading_deg = 0, alt_m = 0, h_accuracy_m = 0;
  std::uint32_t satellites = 0;
  std::string detail;
  std::int64_t sent_at_ms = 0;      // the uplink's send time (device clock), for the age-at-commit metric
};

struct TrackPoint {
  std::int64_t time_ms = 0;
  double lat = 0, lon = 0;
  double speed_mps = 0, heading_deg = 0, alt_m = 0;
  std::uint64_t seq = 0;
};

struct EventRow {
  std::int64_t time_ms = 0;
  std::string fleet, vehicle, type, detail;  // detail: JSON text
};

struct EventQuery {
  std::string fleet, vehicle, type;
  std::int64_t from_ms = INT64_MIN, to_ms = INT64_MAX;
  int limit = 1000;
};

struct AlertQuery {
  std::string fleet;
  std::string state;    // "", open, acknowledged, resolved, active
  std::string vehicle, rule;
  std::int64_t since_ms = 0;
  int limit = 200;
};

struct AuditRow {
  std::string fleet;
  std::int64_t at_ms = 0;
  std::string actor, action, args, result;  // args/result: JSON text
  bool ok = true;
};

struct CommandRow {
  std::string fleet, vehicle, command_id, kind, state, detail, issued_by;
  std::int64_t issued_at_ms = 0, updated_at_ms = 0, expires_at_ms = 0;
  std::string payload;  // the serialised Command
};

struct RouteRow {
  std::string fleet, route_id, vehicle;
  std::string definition;  // JSON of the assignment (drops)
  std::string progress;    // serialised RouteProgress
  bool active = true;
  std::int64_t updated_at_ms = 0;
};

struct SettingRow {
  std::string fleet, key, value;
};

struct StoreHealth {
  bool ok = true;
  std::string last_error;
  double last_batch_ms = 0;       // duration of the newest write transaction
  std::uint64_t queued = 0;       // operations waiting
  std::uint64_t committed = 0;    // records committed since start
};

class Store {
 public:
  virtual ~Store() = default;

  virtual void addRecords(std::vector<RecordRow> rows) = 0;
  virtual void addEvent(EventRow row) = 0;
  virtual void putAlert(const alerts::AlertChange& change) = 0;
  virtual void addAudit(AuditRow row) = 0;
  virtual void putCommand(CommandRow row) = 0;
  virtual void putRoute(RouteRow row) = 0;
  virtual void putSetting(SettingRow row) = 0;
  // Waits until everything queued before the call is committed.
  virtual void flush() = 0;

  virtual Expected<std::vector<TrackPoint>> track(const std::string& fleet, const std::string& vehicle,
                                                  std::int64_t from_ms, std::int64_t to_ms, int limit) = 0;
  virtual Expected<std::vector<EventRow>> events(const EventQuery& q) = 0;
  virtual Expected<std::vector<v1::Alert>> alerts(const AlertQuery& q) = 0;
  virtual Expected<std::vector<alerts::AlertChange>> alertHistory(const std::string& fleet,
                                                                  const std::string& alert_id) = 0;
  virtual Expected<std::optional<v1::Alert>> alert(const std::string& fleet, const std::string& alert_id) = 0;
  // Alerts not resolved, with their conditions, to reload at start.
  virtual Expected<std::vector<alerts::AlertChange>> unresolvedAlerts() = 0;
  virtual Expected<std::vector<AuditRow>> audit(const std::string& fleet, std::int64_t since_ms, int limit) = 0;
  virtual Expected<std::vector<CommandRow>> commands(const std::string& fleet, const std::string& vehicle,
                                                     const std::string& state) = 0;
  virtual Expected<std::vector<RouteRow>> routes() = 0;
  virtual Expected<std::vector<SettingRow>> settings() = 0;
  // Sequence numbers stored for one device's epoch (to rebuild de-duplication after a restart).
  virtual Expected<std::vector<std::uint64_t>> seenSeqs(const std::string& device, std::uint64_t epoch) = 0;
  virtual Expected<std::uint64_t> recordCount() = 0;
  virtual StoreHealth health() const = 0;
};

}  // namespace fleetlink::hub::store
