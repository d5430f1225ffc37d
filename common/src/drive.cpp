#include "fleetlink/common/drive.hpp"

#include <algorithm>
#include <cmath>
#include <toml++/toml.h>

namespace fleetlink::drive {

Expected<Route> loadRoute(const std::string& path) {
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Error{path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description())};
  }
  Route r;
  r.name = doc["name"].value_or(std::string("route"));
  r.cruise_kph = doc["cruise_kph"].value_or(50.0);
  r.accel_mps2 = doc["accel_mps2"].value_or(1.2);
  r.corner_kph = doc["corner_kph"].value_or(20.0);
  r.loop = doc["loop"].value_or(false);
  if (auto* arr = doc["waypoint"].as_array()) {
    for (auto& n : *arr) {
      auto* t = n.as_table();
      if (!t) return Error{path + ":" + std::to_string(n.source().begin.line) + ": waypoint must be a table"};
      Waypoint w;
      auto lat = (*t)["lat"].value<double>();
      auto lon = (*t)["lon"].value<double>();
      if (!lat || !lon || !geo::isValid({*lat, *lon}))
        return Error{path + ":" + std::to_string(n.source().begin.line) + ": waypoint needs valid lat and lon"};
      w.at = {*lat, *lon};
      w.stop_s = (*t)["stop_s"].value_or(0.0);
      r.waypoints.push_back(w);
    }
  }
  if (r.waypoints.size() < 2) return Error{path + ": a route needs at least two [[waypoint]] entries"};
  if (r.cruise_kph <= 0 || r.accel_mps2 <= 0) return Error{path + ": cruise_kph and accel_mps2 must be positive"};
  return r;
}

std::vector<Sample> simulate(const Route& route, std::int64_t start_ms, int laps, std::int64_t period_ms) {
  std::vector<Sample> out;
  std::vector<Waypoint> pts;
  for (int lap = 0; lap < laps; ++lap) {
    for (std::size_t i = 0; i < route.waypoints.size(); ++i) {
      if (lap > 0 && i == 0 && !route.loop) continue;
      pts.push_back(route.waypoints[i]);
    }
    if (route.loop) pts.push_back(route.waypoints.front());
  }
  if (pts.size() < 2) return out;

  const double dt = static_cast<double>(period_ms) / 1000.0;
  const double cruise = route.cruise_kph / 3.6;
  const double corner = route.corner_kph / 3.6;
  const double a = route.accel_mps2;
  std::int64_t t = start_ms;
  double v = 0;
  geo::LatLon pos = pts[0].at;
  double heading = geo::bearingDeg(pts[0].at, pts[1].at);

  auto emit = [&] { out.push_back({t, pos, v, heading}); t += period_ms; };

  for (std::size_t i = 0; i + 1 < pts.size(); ++i) {
    const geo::LatLon to = pts[i + 1].at;
    // Speed allowed when reaching `to`: 0 at stops and the end, corner speed at sharp turns.
    double end_speed = cruise;
    if (pts[i + 1].stop_s > 0 || i + 2 == pts.size()) {
      end_speed = 0;
    } else {
      const double turn = geo::headingDeltaDeg(geo::bearingDeg(pts[i].at, to), geo::bearingDeg(to, pts[i + 2].at));
      if (turn > 45) end_speed = std::min(cruise, corner);
    }
    double remaining = geo::distanceM(pos, to);
    while (remaining > 0.5) {
      heading = geo::bearingDeg(pos, to);
      // Brake so as to reach end_speed at the waypoint: v^2 = end^2 + 2 a d, measured from where this
      // step ends so the discrete steps never arrive faster than one step's deceleration.
      const double ahead = std::max(0.0, remaining - v * dt);
      const double brake_limit = std::sqrt(end_speed * end_speed + 2 * a * ahead);
      const double target = std::min(cruise, brake_limit);
      if (v < target) v = std::min(target, v + a * dt);
      else v = std::max(target, v - a * dt);
      v = std::max(v, 0.5);  // creep rather than stall just short of the point
      double step = v * dt;
      if (step >= remaining) {
        pos = to;
        remaining = 0;
      } else {
        pos = geo::destination(pos, heading, step);
        remaining = geo::distanceM(pos, to);
      }
      emit();
    }
    if (end_speed == 0) {
      v = 0;
      const int dwell = static_cast<int>(std::ceil(pts[i + 1].stop_s / dt));
      for (int k = 0; k < std::max(dwell, 1); ++k) emit();
    }
  }
  return out;
}

}  // namespace fleetlink::drive
