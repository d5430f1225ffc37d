#pragma once
// Route distance: driving distance over `route_distance_max_km` on one assigned route, or in one UTC day when
// no route is assigned. Jumps between fixes faster than any vehicle (GPS glitches) and gaps are not counted.
#include <string>

#include "hub/rules/finding.hpp"
#include "hub/rules/rule_settings.hpp"
#include "hub/rules/sample.hpp"

namespace fleetlink::hub::rules {

class RouteDistanceRule {
 public:
  struct State {
    std::string key;        // "route:<id>" or "day:<YYYY-MM-DD>"
    std::int64_t day_start = -1;  // UTC day of `key` when counting per day (saves formatting dates per fix)
    double metres = 0;
    bool active = false;
    std::int64_t since = 0;
    bool has_prev = false;
    double prev_lat = 0, prev_lon = 0;
    std::int64_t prev_ms = 0;
  };

  // `route_key` is "route:<id>" while a route is assigned at the fix's time, else empty (per-day counting).
  static void feed(State& s, const Sample& fix, const std::string& route_key, const FleetRules& r, Findings& out);
};

std::string utcDate(std::int64_t ms);  // "YYYY-MM-DD"

}  // namespace fleetlink::hub::rules
