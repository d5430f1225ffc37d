// Geofences: enter/exit of circles and polygons, restricted and keep-in zones, crossings between sparse fixes.
#include <catch2/catch.hpp>

#include "fleetlink/common/geo.hpp"
#include "hub/rules/geofence_rule.hpp"

using namespace fleetlink;
using namespace fleetlink::hub::rules;

namespace {
const geo::LatLon kCenter{52.0, 5.0};

Sample at(std::int64_t t_s, geo::LatLon p) {
  Sample s;
  s.time_ms = 1'700'000'000'000 + t_s * 1000;
  s.lat = p.lat;
  s.lon = p.lon;
  s.speed_mps = 10;
  return s;
}

FleetRules withZone(Geofence z) {
  FleetRules r;
  r.geofences.push_back(std::move(z));
  return r;
}

Geofence circle(double radius_m, bool restricted = true) {
  Geofence z;
  z.id = "depot";
  z.name = "Depot";
  z.circle = {kCenter, radius_m};
  z.restricted = restricted;
  return z;
}

Geofence square(double half_m) {
  Geofence z;
  z.id = "yard";
  z.name = "Yard";
  z.is_polygon = true;
  z.restricted = true;
  for (double bearing : {45.0, 135.0, 225.0, 315.0})
    z.polygon.ring.push_back(geo::destination(kCenter, bearing, half_m * std::sqrt(2.0)));
  return z;
}
}  // namespace

TEST_CASE("restricted circle: just outside, on the edge, just inside", "[rules][geofence]") {
  const auto r = withZone(circle(100));
  GeofenceRule::State s;
  Findings out;
  GeofenceRule::feed(s, at(0, geo::destination(kCenter, 90, 300)), r, 1, out);
  CHECK(out.empty());
  SECTION("101 m from the centre: outside") {
    GeofenceRule::feed(s, at(1, geo::destination(kCenter, 90, 101)), r, 1, out);
    CHECK(out.empty());
  }
  SECTION("99 m from the centre: inside, alert opens; leaving closes it") {
    GeofenceRule::feed(s, at(1, geo::destination(kCenter, 90, 99)), r, 1, out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].active);
    CHECK(out[0].key == "depot");
    CHECK(out[0].severity == v1::SEVERITY_HIGH);
    GeofenceRule::feed(s, at(2, geo::destination(kCenter, 90, 50)), r, 1, out);
    CHECK(out.size() == 1);  // still inside: no new finding
    GeofenceRule::feed(s, at(3, geo::destination(kCenter, 90, 150)), r, 1, out);
    REQUIRE(out.size() == 2);
    CHECK_FALSE(out[1].active);
  }
}

TEST_CASE("polygon zones enter and exit", "[rules][geofence]") {
  const auto r = withZone(square(200));
  GeofenceRule::State s;
  Findings out;
  GeofenceRule::feed(s, at(0, geo::destination(kCenter, 0, 250)), r, 1, out);
  CHECK(out.empty());
  GeofenceRule::feed(s, at(1, geo::destination(kCenter, 0, 190)), r, 1, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].active);
  CHECK(out[0].key == "yard");
  GeofenceRule::feed(s, at(2, geo::destination(kCenter, 180, 210)), r, 1, out);
  REQUIRE(out.size() == 2);
  CHECK_FALSE(out[1].active);
}

TEST_CASE("passing through a zone between two sparse fixes counts", "[rules][geofence]") {
  GeofenceRule::State s;
  Findings out;
  SECTION("circle") {
    const auto r = withZone(circle(50));
    GeofenceRule::feed(s, at(0, geo::destination(kCenter, 270, 400)), r, 1, out);
    GeofenceRule::feed(s, at(30, geo::destination(kCenter, 90, 400)), r, 1, out);
    REQUIRE(out.size() == 2);
    CHECK(out[0].active);
    CHECK_FALSE(out[1].active);
    CHECK(out[0].detail.find("passed through") != std::string::npos);
  }
  SECTION("polygon") {
    const auto r = withZone(square(100));
    GeofenceRule::feed(s, at(0, geo::destination(kCenter, 0, 500)), r, 1, out);
    GeofenceRule::feed(s, at(30, geo::destination(kCenter, 180, 500)), r, 1, out);
    REQUIRE(out.size() == 2);
  }
  SECTION("a segment that misses the zone does not count") {
    const auto r = withZone(circle(50));
    GeofenceRule::feed(s, at(0, geo::destination(geo::destination(kCenter, 0, 80), 270, 400)), r, 1, out);
    GeofenceRule::feed(s, at(30, geo::destination(geo::destination(kCenter, 0, 80), 90, 400)), r, 1, out);
    CHECK(out.empty());
  }
}

TEST_CASE("keep-in zones alert while outside", "[rules][geofence]") {
  Geofence z = circle(1000, false);
  z.keep_in = true;
  const auto r = withZone(z);
  GeofenceRule::State s;
  Findings out;
  GeofenceRule::feed(s, at(0, kCenter), r, 1, out);
  CHECK(out.empty());
  GeofenceRule::feed(s, at(1, geo::destination(kCenter, 0, 1200)), r, 1, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].active);
  CHECK(out[0].title.find("Left permitted area") != std::string::npos);
  GeofenceRule::feed(s, at(2, kCenter), r, 1, out);
  REQUIRE(out.size() == 2);
  CHECK_FALSE(out[1].active);
}

TEST_CASE("changed zones rebuild the state from the next fix", "[rules][geofence]") {
  GeofenceRule::State s;
  Findings out;
  GeofenceRule::feed(s, at(0, kCenter), withZone(circle(10'000, false)), 1, out);
  CHECK(out.empty());
  GeofenceRule::feed(s, at(1, kCenter), withZone(circle(100)), 2, out);
  REQUIRE(out.size() == 1);  // already inside the new restricted zone
  CHECK(out[0].active);
}
