#include "hub/rules/overspeed_rule.hpp"

#include <algorithm>
#include <cstdio>

namespace fleetlink::hub::rules {
namespace {
// Speeds travel as float m/s; compare in km/h with a small tolerance so "exactly at the limit" is not over.
constexpr double kEpsKph = 0.01;

std::string kph(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f km/h", v);
  return buf;
}
}  // namespace

void OverspeedRule::feed(State& s, const Sample& fix, double limit_kph, const FleetRules& r, Findings& out) {
  const double speed = static_cast<double>(fix.speed_mps) * 3.6;
  const bool gap = s.last_ms >= 0 && fix.time_ms - s.last_ms > static_cast<std::int64_t>(r.max_gap_s * 1000);
  s.last_ms = fix.time_ms;
  auto finding = [&](bool active) {
    Finding f;
    f.rule = "overspeed";
    f.active = active;
    f.severity = v1::SEVERITY_HIGH;
    f.since_ms = s.over_since;
    f.at_ms = fix.time_ms;
    f.title = "Overspeed: " + kph(s.peak_kph) + " in a " + kph(s.limit_kph) + " limit";
    f.detail = active ? "above " + kph(s.limit_kph) + " for at least " + std::to_string(static_cast<int>(r.overspeed_min_s)) + " s"
                      : "speed back to " + kph(speed);
    f.lat = fix.lat;
    f.lon = fix.lon;
    out.push_back(std::move(f));
  };

  if (s.active) {
    s.peak_kph = std::max(s.peak_kph, speed);
    if (speed <= limit_kph - r.overspeed_hysteresis_kph + kEpsKph) {
      finding(false);
      s.active = false;
      s.over_since = -1;
      s.peak_kph = 0;
    }
    return;
  }
  if (speed > limit_kph + kEpsKph) {
    // A gap in the data breaks the stretch: we cannot tell the vehicle stayed above the limit.
    if (s.over_since < 0 || gap) {
      s.over_since = fix.time_ms;
      s.peak_kph = 0;
    }
    s.peak_kph = std::max(s.peak_kph, speed);
    s.limit_kph = limit_kph;
    if (fix.time_ms - s.over_since >= static_cast<std::int64_t>(r.overspeed_min_s * 1000)) {
      s.active = true;
      finding(true);
    }
  } else {
    s.over_since = -1;
    s.peak_kph = 0;
  }
}

}  // namespace fleetlink::hub::rules
