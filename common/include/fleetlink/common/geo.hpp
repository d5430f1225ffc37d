#pragma once
// Geodesy for vehicle tracking: distances, bearings and geofence tests on WGS84 coordinates.
// Distances use the haversine formula on a sphere of the mean Earth radius (error < 0.5%), plenty for
// reporting thresholds, speed limits and geofences of a few metres and up.
#include <vector>

namespace fleetlink::geo {

inline constexpr double kEarthRadiusM = 6371008.8;

struct LatLon {
  double lat = 0;
  double lon = 0;
};

bool isValid(LatLon p);  // finite, |lat| <= 90, |lon| <= 180, and not the (0,0) "no fix" placeholder

double distanceM(LatLon a, LatLon b);
double bearingDeg(LatLon from, LatLon to);                  // initial bearing, 0..360
double headingDeltaDeg(double a, double b);                 // smallest absolute angle between two headings, 0..180
LatLon destination(LatLon from, double bearing_deg, double distance_m);
LatLon interpolate(LatLon a, LatLon b, double fraction);    // along the great circle (linear for short legs)

// Local planar projection around a reference point (equirectangular), metres east/north. Accurate to well
// under a metre over the tens of kilometres a geofence spans.
struct Xy {
  double x = 0;
  double y = 0;
};
Xy project(LatLon ref, LatLon p);

struct Circle {
  LatLon center;
  double radius_m = 0;
};

struct Polygon {
  std::vector<LatLon> ring;  // closed implicitly; at least 3 vertices
};

bool contains(const Circle& c, LatLon p);
bool contains(const Polygon& poly, LatLon p);

// True when the straight segment a->b passes through the area, even if neither end is inside: two sparse
// fixes on either side of a small zone still count as a crossing.
bool segmentIntersects(const Circle& c, LatLon a, LatLon b);
bool segmentIntersects(const Polygon& poly, LatLon a, LatLon b);

// Distance from p to the segment a->b, metres (for route corridor checks).
double distanceToSegmentM(LatLon p, LatLon a, LatLon b);

}  // namespace fleetlink::geo
