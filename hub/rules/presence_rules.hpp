#pragma once
// Rules on a vehicle's presence, judged on the hub's clock: offline too long, and GPS lost while the
// vehicle is still online (data arrives, positions do not).
#include "hub/rules/finding.hpp"
#include "hub/rules/rule_settings.hpp"

namespace fleetlink::hub::rules {

class OfflineRule {
 public:
  struct State {
    bool active = false;
  };
  static void evaluate(State& s, bool offline, std::int64_t offline_since_ms, std::int64_t now_ms,
                       const FleetRules& r, Findings& out);
};

class GpsLostRule {
 public:
  struct Input {
    bool online = false;
    std::int64_t online_since_ms = 0;
    std::int64_t last_position_ms = 0;  // hub time the newest position arrived (0 = never)
    int gps_state = 0;                  // v1::GpsState of the newest health record (0 = none)
    std::int64_t gps_state_ms = 0;      // hub time that health record arrived
  };
  struct State {
    bool active = false;
    std::int64_t since = 0;
  };
  static void evaluate(State& s, const Input& in, std::int64_t now_ms, const FleetRules& r, Findings& out);
};

}  // namespace fleetlink::hub::rules
