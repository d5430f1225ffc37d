#pragma once
// The seam between the hub's core (ingest, state, rules, alerts, store, admin) and its front ends (the MQTT
// admin topic, the HTTP API and WebSocket fan-out). The core implements AdminHandler and HealthSource and
// calls every registered LiveSink; front ends only see these interfaces.
#include <cstdint>
#include <string>

#include "fleetlink/v1/admin.pb.h"
#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::hub {

// One change dispatchers may watch, emitted in the order the core applied it.
struct LiveEvent {
  enum class Kind { Position, VehicleStatus, Alert, RouteProgress };
  Kind kind = Kind::Position;
  std::string fleet;
  std::string vehicle;
  std::int64_t time_ms = 0;      // event time (fix time for positions)
  v1::LiveUpdate update;         // Position, VehicleStatus
  v1::Alert alert;               // Alert (every state change)
  v1::RouteProgress route;       // RouteProgress
};

// Receives live events. Called from the core's threads: implementations must not block (queue and return).
class LiveSink {
 public:
  virtual ~LiveSink() = default;
  virtual void publish(const LiveEvent& event) = 0;
};

// Admin actions and queries (docs/admin-actions.md). `fleet` is the fleet the caller is entitled to act on;
// the caller has already checked that entitlement (broker ACL for MQTT, token for HTTP). Thread-safe.
class AdminHandler {
 public:
  virtual ~AdminHandler() = default;
  virtual v1::AdminResponse handle(const std::string& fleet, const v1::AdminRequest& request) = 0;
};

struct HealthReport {
  bool broker_connected = false;
  bool store_ok = false;
  double store_latency_ms = 0;   // recent write-batch latency
  std::int64_t started_at_ms = 0;
  std::uint64_t vehicles_online = 0;
  std::uint64_t open_alerts = 0;
};

class HealthSource {
 public:
  virtual ~HealthSource() = default;
  virtual HealthReport health() const = 0;
};

}  // namespace fleetlink::hub
