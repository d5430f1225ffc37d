#include "fleetlink/common/geo.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace fleetlink::geo {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

double cross(Xy o, Xy a, Xy b) { return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x); }

bool onSegment(Xy p, Xy q, Xy r) {
  return std::min(p.x, r.x) <= q.x && q.x <= std::max(p.x, r.x) && std::min(p.y, r.y) <= q.y &&
         q.y <= std::max(p.y, r.y);
}

bool segmentsIntersect(Xy p1, Xy p2, Xy q1, Xy q2) {
  const double d1 = cross(q1, q2, p1), d2 = cross(q1, q2, p2);
  const double d3 = cross(p1, p2, q1), d4 = cross(p1, p2, q2);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  if (d1 == 0 && onSegment(q1, p1, q2)) return true;
  if (d2 == 0 && onSegment(q1, p2, q2)) return true;
  if (d3 == 0 && onSegment(p1, q1, p2)) return true;
  if (d4 == 0 && onSegment(p1, q2, p2)) return true;
  return false;
}

double pointSegmentDistance(Xy p, Xy a, Xy b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

}  // namespace

bool isValid(LatLon p) {
  return std::isfinite(p.lat) && std::isfinite(p.lon) && std::abs(p.lat) <= 90.0 && std::abs(p.lon) <= 180.0 &&
         !(p.lat == 0.0 && p.lon == 0.0);
}

double distanceM(LatLon a, LatLon b) {
  const double dlat = (b.lat - a.lat) * kDeg, dlon = (b.lon - a.lon) * kDeg;
  const double s = std::sin(dlat / 2), t = std::sin(dlon / 2);
  const double h = s * s + std::cos(a.lat * kDeg) * std::cos(b.lat * kDeg) * t * t;
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

double bearingDeg(LatLon from, LatLon to) {
  const double p1 = from.lat * kDeg, p2 = to.lat * kDeg, dl = (to.lon - from.lon) * kDeg;
  const double y = std::sin(dl) * std::cos(p2);
  const double x = std::cos(p1) * std::sin(p2) - std::sin(p1) * std::cos(p2) * std::cos(dl);
  const double deg = std::atan2(y, x) / kDeg;
  return std::fmod(deg + 360.0, 360.0);
}

double headingDeltaDeg(double a, double b) {
  double d = std::fmod(std::abs(a - b), 360.0);
  return d > 180.0 ? 360.0 - d : d;
}

LatLon destination(LatLon from, double bearing_deg, double distance_m) {
  const double d = distance_m / kEarthRadiusM, th = bearing_deg * kDeg;
  const double p1 = from.lat * kDeg, l1 = from.lon * kDeg;
  const double p2 = std::asin(std::sin(p1) * std::cos(d) + std::cos(p1) * std::sin(d) * std::cos(th));
  const double l2 = l1 + std::atan2(std::sin(th) * std::sin(d) * std::cos(p1), std::cos(d) - std::sin(p1) * std::sin(p2));
  double lon = l2 / kDeg;
  lon = std::fmod(lon + 540.0, 360.0) - 180.0;
  return {p2 / kDeg, lon};
}

LatLon interpolate(LatLon a, LatLon b, double f) {
  const double d = distanceM(a, b);
  if (d < 1e-6) return a;
  return destination(a, bearingDeg(a, b), d * f);
}

Xy project(LatLon ref, LatLon p) {
  const double x = (p.lon - ref.lon) * kDeg * kEarthRadiusM * std::cos(ref.lat * kDeg);
  const double y = (p.lat - ref.lat) * kDeg * kEarthRadiusM;
  return {x, y};
}

bool contains(const Circle& c, LatLon p) { return distanceM(c.center, p) <= c.radius_m; }

bool contains(const Polygon& poly, LatLon p) {
  const auto& r = poly.ring;
  if (r.size() < 3) return false;
  // Ray casting in the projected plane around the point itself.
  bool inside = false;
  for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++) {
    const Xy a = project(p, r[i]), b = project(p, r[j]);
    if ((a.y > 0) != (b.y > 0)) {
      const double x = a.x + (0 - a.y) * (b.x - a.x) / (b.y - a.y);
      if (x > 0) inside = !inside;
    }
  }
  return inside;
}

bool segmentIntersects(const Circle& c, LatLon a, LatLon b) {
  const Xy pa = project(c.center, a), pb = project(c.center, b);
  return pointSegmentDistance({0, 0}, pa, pb) <= c.radius_m;
}

bool segmentIntersects(const Polygon& poly, LatLon a, LatLon b) {
  if (poly.ring.size() < 3) return false;
  if (contains(poly, a) || contains(poly, b)) return true;
  const LatLon ref = a;
  const Xy pa = project(ref, a), pb = project(ref, b);
  for (std::size_t i = 0, j = poly.ring.size() - 1; i < poly.ring.size(); j = i++) {
    if (segmentsIntersect(pa, pb, project(ref, poly.ring[j]), project(ref, poly.ring[i]))) return true;
  }
  return false;
}

double distanceToSegmentM(LatLon p, LatLon a, LatLon b) {
  return pointSegmentDistance({0, 0}, project(p, a), project(p, b));
}

}  // namespace fleetlink::geo
