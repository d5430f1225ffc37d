#pragma once
// Progress of one multi-drop route: arrival at a drop when the vehicle is inside its circle (or passes through
// it between two fixes), completion when it leaves, and a delay when a drop will miss its time window (ETA
// from the remaining distance and the recent speed) or has missed it. Pure logic, fed fixes and the time.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/v1/fleetlink.pb.h"
#include "hub/rules/finding.hpp"

namespace fleetlink::hub::routes {

// Parses the `route` argument of routes.assign; errors name the field to fix.
Expected<v1::RouteProgress> parseRoute(const nlohmann::json& route);

class RouteMonitor {
 public:
  struct Options {
    double road_factor = 1.25;        // road distance over straight-line distance, for ETAs
    double min_speed_mps = 5;         // assumed at least this speed when stopped or unknown (about 18 km/h)
  };
  RouteMonitor(v1::RouteProgress route, Options opts);
  RouteMonitor(v1::RouteProgress route) : RouteMonitor(std::move(route), Options{}) {}

  // A live fix in time order. Returns true when the progress changed.
  bool onFix(double lat, double lon, double speed_mps, std::int64_t time_ms, rules::Findings& out);
  // Window checks at hub time `now_ms`. Returns true when the progress changed.
  bool tick(std::int64_t now_ms, rules::Findings& out);

  const v1::RouteProgress& progress() const { return p_; }
  void reassign(const std::string& vehicle, std::int64_t now_ms);
  bool finished() const { return p_.completed() == p_.total(); }

 private:
  void recount(std::int64_t now_ms);
  bool evaluateDelays(std::int64_t now_ms, rules::Findings& out);
  rules::Finding delayFinding(const v1::DropStatus& d, bool active, bool missed, std::int64_t at_ms) const;

  v1::RouteProgress p_;
  Options opts_;
  std::vector<bool> delayed_;        // per drop: has been late or missed (stays counted)
  std::vector<bool> alerted_;        // per drop: a delay alert is open
  bool has_fix_ = false;
  double lat_ = 0, lon_ = 0;
  std::int64_t fix_ms_ = 0;
  double speed_ema_ = 0;
};

}  // namespace fleetlink::hub::routes
