#pragma once
// What a rule reports: a condition that started (active) or ended (inactive) at a point in event time.
// The alert book turns findings into alerts with a lifecycle; rules never create alerts themselves.
#include <cstdint>
#include <string>
#include <vector>

#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::hub::rules {

struct Finding {
  std::string rule;               // wire name: "overspeed", "geofence", ...
  std::string key;                // tells apart conditions of one rule and vehicle (zone id, "daily:2024-05-01")
  bool active = true;             // true: condition holds; false: condition cleared at `at_ms`
  v1::Severity severity = v1::SEVERITY_MEDIUM;
  std::int64_t since_ms = 0;      // event time the condition began
  std::int64_t at_ms = 0;         // event time of this report (the end, when inactive)
  std::string title;
  std::string detail;
  double lat = 0, lon = 0;
  std::string driver;
  std::string vehicle;            // set by the engine when the alert belongs to another vehicle than the sample's
};

using Findings = std::vector<Finding>;

}  // namespace fleetlink::hub::rules
