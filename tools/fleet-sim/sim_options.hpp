#pragma once
// fleetlink-sim's command line: how many vehicles, where they drive, how they talk and misbehave.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fleetlink/common/expected.hpp"
#include "tools/fleet-sim/track.hpp"

namespace fleetlink::sim {

// Past this many connections a simulator (and the broker beside it) would run out of its 20,000 open files.
inline constexpr int kDefaultMaxConnections = 15'000;

struct SimOptions {
  std::string broker_host = "127.0.0.1";
  int broker_port = 1883;
  std::string username, password;
  std::string fleet = "sim";
  int fleets = 1;
  int vehicles = 10;
  std::string vehicle_prefix = "sim";
  double rate_hz = 1.0;
  int records_per_message = 1;
  int backlog_batch = 500;
  int vehicles_per_connection = 0;  // 0 = one each, up to max_connections
  int max_connections = kDefaultMaxConnections;
  std::int64_t panic_every_ms = 0;
  std::int64_t panic_resend_ms = 10'000;
  std::int64_t outage_length_ms = 0;
  std::int64_t outage_every_ms = 0;  // 0 = a single outage per vehicle
  double outage_share = 1.0;          // fraction of vehicles that have outages
  std::int64_t clock_skew_ms = 0;     // each vehicle's clock is off by up to this much, either way
  std::int64_t offline_before_ms = 0; // vehicles start with this much offline backlog (a return after a gap)
  std::int64_t health_every_ms = 60'000;
  std::int64_t duration_ms = 0;       // 0 = until SIGINT/SIGTERM
  std::optional<std::int64_t> start_time_ms;  // simulated UTC start; default now
  int qos = 1;
  std::string report_path;
  TrackSources tracks;
  double spread_m = 150;              // vehicles on one track are shifted by up to this much
  std::uint64_t seed = 1;
  std::optional<std::uint64_t> epoch; // default: the run's start time in seconds, new for every run
  int keepalive_s = 30;
  int connect_rate = 1000;            // new connections per second while ramping up
  std::int64_t drain_timeout_ms = 15'000;
  std::int64_t progress_every_ms = 10'000;
  bool help = false;
  bool version = false;
};

Expected<SimOptions> parseSimOptions(int argc, const char* const* argv);
std::string simUsage();

// Vehicles carried per MQTT connection for this run (never more than max_connections connections).
int effectiveVehiclesPerConnection(const SimOptions& o);

// Parses "2026-03-01T08:00:00Z" (UTC) or milliseconds since the Unix epoch.
std::optional<std::int64_t> parseStartTime(const std::string& text);

}  // namespace fleetlink::sim
