#include "hub/rules/rule_settings.hpp"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "fleetlink/common/ids.hpp"

namespace fleetlink::hub::rules {
namespace {

using nlohmann::json;

struct NumberKey {
  const char* name;
  double FleetRules::*field;
  double lo, hi;
};

constexpr NumberKey kNumbers[] = {
    {"speed_limit_kph", &FleetRules::speed_limit_kph, 1, 400},
    {"overspeed_min_s", &FleetRules::overspeed_min_s, 0, 3600},
    {"overspeed_hysteresis_kph", &FleetRules::overspeed_hysteresis_kph, 0, 100},
    {"moving_speed_kph", &FleetRules::moving_speed_kph, 0.5, 50},
    {"continuous_driving_max_min", &FleetRules::continuous_driving_max_min, 1, 1440},
    {"break_min_min", &FleetRules::break_min_min, 1, 1440},
    {"daily_driving_max_h", &FleetRules::daily_driving_max_h, 0.1, 24},
    {"weekly_driving_max_h", &FleetRules::weekly_driving_max_h, 0.1, 168},
    {"route_distance_max_km", &FleetRules::route_distance_max_km, 0.1, 100000},
    {"offline_alert_after_s", &FleetRules::offline_alert_after_s, 1, 30 * 86400},
    {"gps_lost_after_s", &FleetRules::gps_lost_after_s, 1, 86400},
    {"backlog_records_max", &FleetRules::backlog_records_max, 1, 1e12},
    {"backlog_age_max_s", &FleetRules::backlog_age_max_s, 1, 365 * 86400.0},
    {"disk_free_min_mb", &FleetRules::disk_free_min_mb, 0, 1e9},
    {"max_gap_s", &FleetRules::max_gap_s, 1, 86400},
};

constexpr const char* kRuleNames[] = {"overspeed", "geofence", "driving_hours", "route_distance", "offline",
                                      "gps_lost", "device_health", "route_delay"};

std::string keyList() {
  std::string s;
  for (const auto& k : kNumbers) s += std::string(s.empty() ? "" : ", ") + k.name;
  return s + ", disabled, geofences";
}

Expected<double> number(const json& v, const std::string& where, double lo, double hi) {
  if (!v.is_number()) return Error{where + ": expected a number, got " + v.dump()};
  const double d = v.get<double>();
  if (!(d >= lo && d <= hi)) {
    std::ostringstream os;
    os << where << ": must be between " << lo << " and " << hi << ", got " << v.dump();
    return Error{os.str()};
  }
  return d;
}

Expected<Geofence> parseGeofence(const json& g, const std::string& where) {
  if (!g.is_object()) return Error{where + ": expected a table with id and either lat/lon/radius_m or points"};
  Geofence z;
  for (auto it = g.begin(); it != g.end(); ++it) {
    static const char* known[] = {"id", "name", "lat", "lon", "radius_m", "points", "restricted", "keep_in", "notify",
                                  "speed_limit_kph"};
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return it.key() == k; }) == std::end(known))
      return Error{where + "." + it.key() + ": unknown geofence key (use id, name, lat, lon, radius_m, points, "
                                            "restricted, keep_in, notify, speed_limit_kph)"};
  }
  if (!g.contains("id") || !g["id"].is_string() || !isValidId(g["id"].get<std::string>()))
    return Error{where + ".id: every geofence needs an id of letters, digits, '_' or '-'"};
  z.id = g["id"].get<std::string>();
  const std::string at = where + "(" + z.id + ")";
  z.name = g.value("name", z.id);
  auto flag = [&](const char* k, bool& out) -> Status {
    if (!g.contains(k)) return okStatus();
    if (!g[k].is_boolean()) return Error{at + "." + k + ": expected true or false"};
    out = g[k].get<bool>();
    return okStatus();
  };
  if (auto s = flag("restricted", z.restricted); !s) return s.error();
  if (auto s = flag("keep_in", z.keep_in); !s) return s.error();
  if (auto s = flag("notify", z.notify); !s) return s.error();
  if (z.restricted && z.keep_in) return Error{at + ": a geofence cannot be both restricted and keep_in"};
  if (g.contains("speed_limit_kph")) {
    auto v = number(g["speed_limit_kph"], at + ".speed_limit_kph", 1, 400);
    if (!v) return v.error();
    z.speed_limit_kph = *v;
  }
  const bool has_circle = g.contains("lat") || g.contains("lon") || g.contains("radius_m");
  if (g.contains("points") == has_circle)
    return Error{at + ": give either lat, lon and radius_m (a circle) or points = [[lat, lon], ...] (a polygon)"};
  if (has_circle) {
    auto lat = number(g.value("lat", json()), at + ".lat", -90, 90);
    if (!lat) return lat.error();
    auto lon = number(g.value("lon", json()), at + ".lon", -180, 180);
    if (!lon) return lon.error();
    auto r = number(g.value("radius_m", json()), at + ".radius_m", 1, 1e6);
    if (!r) return r.error();
    z.circle = {{*lat, *lon}, *r};
  } else {
    const auto& pts = g["points"];
    if (!pts.is_array() || pts.size() < 3) return Error{at + ".points: a polygon needs at least 3 [lat, lon] points"};
    for (std::size_t i = 0; i < pts.size(); ++i) {
      const auto& p = pts[i];
      if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number())
        return Error{at + ".points[" + std::to_string(i) + "]: expected [lat, lon]"};
      geo::LatLon ll{p[0].get<double>(), p[1].get<double>()};
      if (!geo::isValid(ll)) return Error{at + ".points[" + std::to_string(i) + "]: not a valid coordinate"};
      z.polygon.ring.push_back(ll);
    }
    z.is_polygon = true;
  }
  return z;
}

json geofenceJson(const Geofence& z) {
  json g = {{"id", z.id}, {"name", z.name}};
  if (z.is_polygon) {
    json pts = json::array();
    for (const auto& p : z.polygon.ring) pts.push_back({p.lat, p.lon});
    g["points"] = pts;
  } else {
    g["lat"] = z.circle.center.lat;
    g["lon"] = z.circle.center.lon;
    g["radius_m"] = z.circle.radius_m;
  }
  if (z.restricted) g["restricted"] = true;
  if (z.keep_in) g["keep_in"] = true;
  if (z.notify) g["notify"] = true;
  if (z.speed_limit_kph > 0) g["speed_limit_kph"] = z.speed_limit_kph;
  return g;
}

json tomlToJson(const toml::node& n) {
  std::ostringstream os;
  if (n.is_table()) os << toml::json_formatter{*n.as_table()};
  else if (n.is_array()) os << toml::json_formatter{*n.as_array()};
  else return json();
  return json::parse(os.str(), nullptr, false);
}

}  // namespace

bool FleetRules::enabled(std::string_view rule) const {
  if (rule == "panic") return true;
  return std::find(disabled.begin(), disabled.end(), rule) == disabled.end();
}

Status applyJson(FleetRules& base, const json& obj, const std::string& where) {
  if (!obj.is_object()) return Error{where + ": expected a table/object of rule settings"};
  FleetRules r = base;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& key = it.key();
    const std::string at = where.empty() ? key : where + "." + key;
    if (key == "geofences") {
      if (!it->is_array()) return Error{at + ": expected an array of geofence tables ([[...geofences]])"};
      std::vector<Geofence> zones;
      for (std::size_t i = 0; i < it->size(); ++i) {
        auto z = parseGeofence((*it)[i], at + "[" + std::to_string(i) + "]");
        if (!z) return z.error();
        for (const auto& other : zones)
          if (other.id == z->id) return Error{at + ": geofence id \"" + z->id + "\" is used twice"};
        zones.push_back(std::move(*z));
      }
      r.geofences = std::move(zones);
      continue;
    }
    if (key == "disabled") {
      if (!it->is_array()) return Error{at + ": expected an array of rule names"};
      std::vector<std::string> names;
      for (const auto& n : *it) {
        const std::string name = n.is_string() ? n.get<std::string>() : n.dump();
        if (name == "panic") return Error{at + ": the panic rule cannot be disabled"};
        if (std::find_if(std::begin(kRuleNames), std::end(kRuleNames), [&](const char* k) { return name == k; }) ==
            std::end(kRuleNames))
          return Error{at + ": unknown rule \"" + name +
                       "\" (overspeed, geofence, driving_hours, route_distance, offline, gps_lost, device_health, "
                       "route_delay)"};
        names.push_back(name);
      }
      r.disabled = std::move(names);
      continue;
    }
    const NumberKey* nk = nullptr;
    for (const auto& k : kNumbers)
      if (key == k.name) nk = &k;
    if (!nk) return Error{at + ": unknown rule setting (known: " + keyList() + ")"};
    auto v = number(*it, at, nk->lo, nk->hi);
    if (!v) return v.error();
    r.*(nk->field) = *v;
  }
  base = std::move(r);
  return okStatus();
}

Status applyToml(FleetRules& base, const toml::node& table, const std::string& where) {
  auto j = tomlToJson(table);
  if (j.is_discarded() || j.is_null()) return Error{where + ": expected a table of rule settings"};
  return applyJson(base, j, where);
}

json toJson(const FleetRules& r) {
  json j = json::object();
  for (const auto& k : kNumbers) j[k.name] = r.*(k.field);
  j["disabled"] = r.disabled;
  json zones = json::array();
  for (const auto& z : r.geofences) zones.push_back(geofenceJson(z));
  j["geofences"] = zones;
  return j;
}

std::optional<std::string> checkDefaultsTable(const toml::node& defaults) {
  FleetRules r;
  if (auto s = applyToml(r, defaults, "rules.defaults"); !s) return s.error().message;
  return std::nullopt;
}

std::optional<std::string> checkFleetsTable(const toml::node& fleets) {
  if (!fleets.is_table()) return "expected [fleets.<fleet id>] tables of rule settings";
  for (auto&& [k, v] : *fleets.as_table()) {
    const std::string id(k.str());
    if (!isValidId(id))
      return "fleets." + id + ": a fleet id is 1-64 letters, digits, '_' or '-' (not starting with '_' or '-')";
    FleetRules r;
    if (auto s = applyToml(r, v, "fleets." + id); !s) return s.error().message;
  }
  return std::nullopt;
}

}  // namespace fleetlink::hub::rules
