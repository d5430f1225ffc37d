#pragma once
// Device health: the store-and-forward backlog growing (records or age) and the board's disk running low.
// Judged on the newest health record only; an older one arriving late changes nothing.
#include "hub/rules/finding.hpp"
#include "hub/rules/rule_settings.hpp"

namespace fleetlink::hub::rules {

class DeviceHealthRule {
 public:
  struct State {
    std::int64_t last_ms = -1;
    bool backlog = false, disk = false;
    std::int64_t backlog_since = 0, disk_since = 0;
  };
  static void feed(State& s, const v1::DeviceHealth& h, std::int64_t time_ms, const FleetRules& r, Findings& out);
};

}  // namespace fleetlink::hub::rules
