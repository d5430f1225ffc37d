#include "hub/store/track_export.hpp"

#include <cstdio>

namespace fleetlink::hub::store {

nlohmann::json trackJson(const std::vector<TrackPoint>& points) {
  auto out = nlohmann::json::array();
  for (const auto& p : points)
    out.push_back({{"time_ms", p.time_ms}, {"lat", p.lat}, {"lon", p.lon}, {"speed_mps", p.speed_mps},
                   {"heading_deg", p.heading_deg}, {"seq", p.seq}});
  return out;
}

nlohmann::json trackGeoJson(const std::string& vehicle, const std::vector<TrackPoint>& points) {
  auto features = nlohmann::json::array();
  auto line = nlohmann::json::array();
  for (const auto& p : points) line.push_back({p.lon, p.lat});  // GeoJSON order: longitude, latitude
  if (points.size() >= 2)
    features.push_back({{"type", "Feature"},
                        {"geometry", {{"type", "LineString"}, {"coordinates", line}}},
                        {"properties", {{"vehicle", vehicle}, {"from_ms", points.front().time_ms},
                                        {"to_ms", points.back().time_ms}, {"points", points.size()}}}});
  for (const auto& p : points)
    features.push_back({{"type", "Feature"},
                        {"geometry", {{"type", "Point"}, {"coordinates", {p.lon, p.lat}}}},
                        {"properties", {{"vehicle", vehicle}, {"time_ms", p.time_ms}, {"speed_mps", p.speed_mps},
                                        {"heading_deg", p.heading_deg}, {"seq", p.seq}}}});
  return {{"type", "FeatureCollection"}, {"features", features}};
}

std::string trackCsv(const std::vector<TrackPoint>& points) {
  std::string out = "time_ms,lat,lon,speed_mps,heading_deg,seq\n";
  char buf[160];
  for (const auto& p : points) {
    std::snprintf(buf, sizeof buf, "%lld,%.7f,%.7f,%.2f,%.1f,%llu\n", static_cast<long long>(p.time_ms), p.lat, p.lon,
                  p.speed_mps, p.heading_deg, static_cast<unsigned long long>(p.seq));
    out += buf;
  }
  return out;
}

}  // namespace fleetlink::hub::store
