#pragma once
// Driving hours: continuous driving over `continuous_driving_max_min` without a break of `break_min_min`,
// more than `daily_driving_max_h` in a UTC day, more than `weekly_driving_max_h` in an ISO week. Hours belong
// to a subject: the driver logged in (carried across vehicles), or the vehicle when nobody is.
#include <map>
#include <string>

#include "hub/rules/driving_log.hpp"
#include "hub/rules/finding.hpp"
#include "hub/rules/rule_settings.hpp"

namespace fleetlink::hub::rules {

class DrivingHoursRule {
 public:
  struct Subject {
    DrivingLog log;
    std::string driver;                           // empty for a vehicle subject
    std::int64_t last_event_ms = 0;               // newest record time attributed to the subject
    std::map<std::string, std::string> active;    // alert key -> vehicle the alert was raised on
  };

  // Re-evaluates the periods touched by driving in [from, to] (and the subject's current block), reporting
  // violations on `vehicle`. Periods already over are reported as a raise followed by a clear.
  static void evaluate(Subject& s, std::int64_t from, std::int64_t to, const std::string& vehicle,
                       const FleetRules& r, double lat, double lon, Findings& out);

  // Ends a continuous-driving condition when the subject has rested at least a break, judged by `now_ms`
  // (the newest time known for it).
  static void rest(Subject& s, std::int64_t now_ms, const FleetRules& r, Findings& out);
};

std::int64_t utcDayStart(std::int64_t ms);
std::int64_t isoWeekStart(std::int64_t ms);  // Monday 00:00 UTC

}  // namespace fleetlink::hub::rules
