#include "hub/rules/route_distance_rule.hpp"

#include <chrono>
#include <cstdio>

#include "fleetlink/common/geo.hpp"

namespace fleetlink::hub::rules {
namespace {
constexpr double kMaxPlausibleMps = 90;  // 324 km/h: faster implies a bad fix
}

std::string utcDate(std::int64_t ms) {
  using namespace std::chrono;
  const auto days = floor<std::chrono::days>(sys_time<milliseconds>(milliseconds(ms)));
  const year_month_day ymd(days);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

void RouteDistanceRule::feed(State& s, const Sample& fix, const std::string& route_key, const FleetRules& r,
                             Findings& out) {
  constexpr std::int64_t kDayMs = 86'400'000;
  const std::int64_t day = (fix.time_ms >= 0 ? fix.time_ms : fix.time_ms - kDayMs + 1) / kDayMs * kDayMs;
  const bool same_day = route_key.empty() && s.day_start == day && s.key.rfind("day:", 0) == 0;
  const std::string key = same_day ? s.key : route_key.empty() ? "day:" + utcDate(fix.time_ms) : route_key;
  s.day_start = route_key.empty() ? day : -1;
  auto finding = [&](bool active) {
    Finding f;
    f.rule = "route_distance";
    f.key = s.key;
    f.active = active;
    f.severity = v1::SEVERITY_MEDIUM;
    f.since_ms = s.since;
    f.at_ms = fix.time_ms;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.1f km driven (limit %.0f km)", s.metres / 1000.0, r.route_distance_max_km);
    f.title = s.key.rfind("route:", 0) == 0 ? "Route distance over limit" : "Daily distance over limit";
    f.detail = std::string(buf) + (active ? "" : "; counting restarted (" + key + ")");
    f.lat = fix.lat;
    f.lon = fix.lon;
    out.push_back(std::move(f));
  };
  if (key != s.key) {
    if (s.active) finding(false);
    s.key = key;
    s.metres = 0;
    s.active = false;
  }
  if (s.has_prev) {
    const double dt = static_cast<double>(fix.time_ms - s.prev_ms) / 1000.0;
    const double d = geo::distanceM({s.prev_lat, s.prev_lon}, {fix.lat, fix.lon});
    if (dt > 0 && dt <= r.max_gap_s && d / dt <= kMaxPlausibleMps) s.metres += d;
  }
  s.has_prev = true;
  s.prev_lat = fix.lat;
  s.prev_lon = fix.lon;
  s.prev_ms = fix.time_ms;
  if (!s.active && s.metres > r.route_distance_max_km * 1000) {
    s.active = true;
    s.since = fix.time_ms;
    finding(true);
  }
}

}  // namespace fleetlink::hub::rules
