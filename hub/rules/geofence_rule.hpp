#pragma once
// Geofences: entering and leaving zones, including a pass between two sparse fixes (segment test).
// Restricted and notify zones hold an alert while the vehicle is inside, keep-in zones while it is outside.
#include <vector>

#include "hub/rules/finding.hpp"
#include "hub/rules/rule_settings.hpp"
#include "hub/rules/sample.hpp"

namespace fleetlink::hub::rules {

class GeofenceRule {
 public:
  struct State {
    std::uint64_t zones_version = 0;
    std::vector<std::uint8_t> inside;  // per zone; empty until the first fix
    std::vector<std::int64_t> since;   // per zone: when its alert condition began
    bool has_prev = false;
    double prev_lat = 0, prev_lon = 0;
    std::int64_t prev_ms = 0;
  };

  // `zones_version` changes whenever the fleet's zones do (state is rebuilt from the next fix).
  static void feed(State& s, const Sample& fix, const FleetRules& r, std::uint64_t zones_version, Findings& out);

  // The speed limit in force at the last fed fix: the lowest zone limit among zones it is inside, else the fleet's.
  static double limitKph(const State& s, const FleetRules& r);
};

}  // namespace fleetlink::hub::rules
