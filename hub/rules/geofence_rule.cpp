#include "hub/rules/geofence_rule.hpp"

#include <algorithm>

namespace fleetlink::hub::rules {
namespace {

bool alerting(const Geofence& z) { return z.restricted || z.keep_in || z.notify; }

// The alert condition of a zone given whether the vehicle is inside it.
bool condition(const Geofence& z, bool inside) { return z.keep_in ? !inside : inside; }

Finding make(const Geofence& z, bool active, std::int64_t since, std::int64_t at, const Sample& fix, bool passed) {
  Finding f;
  f.rule = "geofence";
  f.key = z.id;
  f.active = active;
  f.severity = z.notify && !z.restricted && !z.keep_in ? v1::SEVERITY_LOW : v1::SEVERITY_HIGH;
  f.since_ms = since;
  f.at_ms = at;
  if (z.keep_in) f.title = "Left permitted area " + z.name;
  else if (z.restricted) f.title = "Entered restricted zone " + z.name;
  else f.title = "In zone " + z.name;
  if (passed) f.detail = "passed through " + z.name + " between two fixes";
  else if (z.keep_in) f.detail = active ? "outside " + z.name : "back inside " + z.name;
  else f.detail = active ? "entered " + z.name : "left " + z.name;
  f.lat = fix.lat;
  f.lon = fix.lon;
  return f;
}

}  // namespace

void GeofenceRule::feed(State& s, const Sample& fix, const FleetRules& r, std::uint64_t zones_version, Findings& out) {
  const geo::LatLon p{fix.lat, fix.lon};
  const bool first = s.inside.size() != r.geofences.size() || s.zones_version != zones_version;
  if (first) {
    s.inside.assign(r.geofences.size(), 0);
    s.since.assign(r.geofences.size(), fix.time_ms);
    s.zones_version = zones_version;
  }
  // Across a longer gap the straight segment says nothing about the path (and a back-filled gap would show a
  // crossing that the real track never made).
  const std::int64_t max_gap_ms = static_cast<std::int64_t>(r.max_gap_s * 1000);
  const bool can_cross = s.has_prev && !first && fix.time_ms - s.prev_ms <= max_gap_ms;
  for (std::size_t i = 0; i < r.geofences.size(); ++i) {
    const Geofence& z = r.geofences[i];
    const bool was = s.inside[i] != 0;
    const bool now = z.contains(p);
    s.inside[i] = now ? 1 : 0;
    if (!alerting(z)) continue;
    if (first) {
      if (condition(z, now)) out.push_back(make(z, true, fix.time_ms, fix.time_ms, fix, false));
      continue;
    }
    if (was != now) {
      const bool cond = condition(z, now);
      if (cond) s.since[i] = fix.time_ms;
      out.push_back(make(z, cond, s.since[i], fix.time_ms, fix, false));
    } else if (!was && !now && can_cross && !z.keep_in && z.crossedBy({s.prev_lat, s.prev_lon}, p)) {
      // In and out between two fixes: the alert opens and resolves at once, so the pass is on record.
      out.push_back(make(z, true, s.prev_ms, fix.time_ms, fix, true));
      out.push_back(make(z, false, s.prev_ms, fix.time_ms, fix, true));
    }
  }
  s.has_prev = true;
  s.prev_lat = fix.lat;
  s.prev_lon = fix.lon;
  s.prev_ms = fix.time_ms;
}

double GeofenceRule::limitKph(const State& s, const FleetRules& r) {
  double limit = r.speed_limit_kph;
  bool zone = false;
  for (std::size_t i = 0; i < s.inside.size() && i < r.geofences.size(); ++i) {
    const double z = r.geofences[i].speed_limit_kph;
    if (s.inside[i] && z > 0) {
      limit = zone ? std::min(limit, z) : z;
      zone = true;
    }
  }
  return limit;
}

}  // namespace fleetlink::hub::rules
