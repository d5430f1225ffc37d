#pragma once
// A fleet's safety-rule settings: built-in defaults, then the hub config's [rules.defaults], then the fleet's
// own [fleets.<id>] table, then run-time changes from `rules.set`. The same key names are used everywhere.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/common/geo.hpp"

namespace toml {
inline namespace v3 {
class node;
}  // namespace v3
}  // namespace toml

namespace fleetlink::hub::rules {

// A named area. Circle (lat, lon, radius_m) or polygon (points). `restricted`: an alert while inside;
// `keep_in`: an alert while outside; `notify`: a low-severity alert while inside (arrival/departure log).
// `speed_limit_kph` > 0 replaces the fleet's limit while inside.
struct Geofence {
  std::string id;
  std::string name;
  bool is_polygon = false;
  geo::Circle circle;
  geo::Polygon polygon;
  bool restricted = false;
  bool keep_in = false;
  bool notify = false;
  double speed_limit_kph = 0;

  bool contains(geo::LatLon p) const { return is_polygon ? geo::contains(polygon, p) : geo::contains(circle, p); }
  bool crossedBy(geo::LatLon a, geo::LatLon b) const {
    return is_polygon ? geo::segmentIntersects(polygon, a, b) : geo::segmentIntersects(circle, a, b);
  }
};

struct FleetRules {
  double speed_limit_kph = 90;
  double overspeed_min_s = 10;           // over the limit at least this long before an alert
  double overspeed_hysteresis_kph = 5;   // the alert clears at or below limit - hysteresis
  double moving_speed_kph = 5;           // above this a vehicle counts as driving
  double continuous_driving_max_min = 240;
  double break_min_min = 30;             // a pause at least this long resets continuous driving
  double daily_driving_max_h = 10;       // per UTC day
  double weekly_driving_max_h = 50;      // per ISO week (Monday 00:00 UTC)
  double route_distance_max_km = 200;    // per assigned route, or per UTC day without one
  double offline_alert_after_s = 1800;
  double gps_lost_after_s = 120;
  double backlog_records_max = 20000;
  double backlog_age_max_s = 3600;
  double disk_free_min_mb = 200;
  double max_gap_s = 120;                // two fixes further apart do not form a continuous stretch
  std::vector<std::string> disabled;     // rule names switched off (panic cannot be)
  std::vector<Geofence> geofences;

  bool enabled(std::string_view rule) const;
};

// Applies the keys of a TOML table / JSON object onto `base`; errors name the key and what to write.
// `where` prefixes messages ("fleets.acme").
Status applyToml(FleetRules& base, const toml::node& table, const std::string& where);
Status applyJson(FleetRules& base, const nlohmann::json& object, const std::string& where);

nlohmann::json toJson(const FleetRules& r);

// Validates the hub config's `fleets` table (fleet id -> settings); used as the schema's table_check.
std::optional<std::string> checkFleetsTable(const toml::node& fleets);
std::optional<std::string> checkDefaultsTable(const toml::node& defaults);

}  // namespace fleetlink::hub::rules
