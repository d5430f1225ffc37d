#pragma once
// A vehicle's track in the export formats of history.track: JSON points, a GeoJSON FeatureCollection
// (one LineString of the track plus a Point per fix) and CSV.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/store/store.hpp"

namespace fleetlink::hub::store {

nlohmann::json trackJson(const std::vector<TrackPoint>& points);
nlohmann::json trackGeoJson(const std::string& vehicle, const std::vector<TrackPoint>& points);
std::string trackCsv(const std::vector<TrackPoint>& points);

}  // namespace fleetlink::hub::store
