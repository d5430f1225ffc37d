#pragma once
// Overspeed: above the applicable limit for at least `overspeed_min_s`; clears at or below
// limit - `overspeed_hysteresis_kph`, so a speed hovering at the limit does not flap.
#include "hub/rules/finding.hpp"
#include "hub/rules/rule_settings.hpp"
#include "hub/rules/sample.hpp"

namespace fleetlink::hub::rules {

class OverspeedRule {
 public:
  struct State {
    bool active = false;
    std::int64_t over_since = -1;    // first fix of the current stretch above the limit
    std::int64_t last_ms = -1;
    double peak_kph = 0;
    double limit_kph = 0;
  };

  // `limit_kph` is the limit in force at the fix (the fleet's, or a zone's).
  static void feed(State& s, const Sample& fix, double limit_kph, const FleetRules& r, Findings& out);
};

}  // namespace fleetlink::hub::rules
