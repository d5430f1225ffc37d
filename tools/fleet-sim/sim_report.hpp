#pragma once
// The run's JSON summary (--report): per vehicle the epoch, the seqs made and acknowledged by the broker, the
// unacknowledged ranges and every panic, so a test can check that the hub stored each seq exactly once.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fleetlink/common/expected.hpp"
#include "tools/fleet-sim/sim_vehicle.hpp"

namespace fleetlink::sim {

struct RunInfo {
  std::string broker;
  std::vector<std::string> fleets;
  int vehicles = 0;
  int connections = 0;
  int vehicles_per_connection = 1;
  int qos = 1;
  double rate_hz = 1;
  int records_per_message = 1;
  std::uint64_t epoch = 0;
  std::int64_t start_time_ms = 0;
  double elapsed_s = 0;          // wall time from start to the end of the drain
  double active_s = 0;           // wall time of data generation (the run's duration)
  double cpu_s = 0;              // user + system CPU of the simulator
  std::uint64_t connects = 0, disconnects = 0;
  std::uint64_t messages_published = 0, messages_acked = 0, messages_failed = 0;
  std::uint64_t records_published = 0;
  std::uint64_t unknown_command_topics = 0;
};

nlohmann::json buildReport(const RunInfo& run, const std::vector<SimVehicle>& vehicles);
Status writeReport(const std::string& path, const nlohmann::json& report);

}  // namespace fleetlink::sim
