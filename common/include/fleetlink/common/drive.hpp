#pragma once
// Plausible drives from route waypoints: a 1 Hz track with acceleration, cruising, slowing for corners and
// stops, and dwell at stops. Used to generate NMEA logs for gpsfake and by the fleet simulator.
#include <cstdint>
#include <string>
#include <vector>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/common/geo.hpp"

namespace fleetlink::drive {

struct Waypoint {
  geo::LatLon at;
  double stop_s = 0;  // dwell here (a delivery drop); 0 = drive through
};

struct Route {
  std::string name;
  double cruise_kph = 50;
  double accel_mps2 = 1.2;
  double corner_kph = 20;       // speed through corners sharper than 45 degrees
  bool loop = false;            // drive back to the first waypoint at the end
  std::vector<Waypoint> waypoints;
};

struct Sample {
  std::int64_t time_ms;
  geo::LatLon at;
  double speed_mps;
  double heading_deg;
};

// Reads a route TOML file: name, cruise_kph, accel_mps2, corner_kph, loop, [[waypoint]] lat/lon/stop_s.
Expected<Route> loadRoute(const std::string& path);

// Samples a drive along the route at `period_ms`, starting at `start_ms`, for `laps` passes.
std::vector<Sample> simulate(const Route& route, std::int64_t start_ms, int laps = 1, std::int64_t period_ms = 1000);

}  // namespace fleetlink::drive
