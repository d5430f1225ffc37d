#include <catch2/catch.hpp>

#include "fleetlink/common/geo.hpp"

using namespace fleetlink::geo;

TEST_CASE("distances match known values", "[geo]") {
  // Amsterdam Centraal -> Rotterdam Centraal: about 57.1 km great-circle.
  const LatLon ams{52.3791, 4.9003}, rtm{51.9244, 4.4690};
  CHECK(distanceM(ams, rtm) == Approx(57'900).margin(1000));
  CHECK(distanceM(ams, ams) == 0);
  // One degree of latitude is ~111.2 km everywhere.
  CHECK(distanceM({0, 10}, {1, 10}) == Approx(111'195).epsilon(0.001));
}

TEST_CASE("bearings and destinations are consistent", "[geo]") {
  CHECK(bearingDeg({0, 0}, {1, 0}) == Approx(0).margin(1e-9));
  CHECK(bearingDeg({0, 0}, {0, 1}) == Approx(90));
  CHECK(bearingDeg({0, 1}, {0, 0}) == Approx(270));
  const LatLon start{48.8566, 2.3522};
  const LatLon d = destination(start, 45, 1000);
  CHECK(distanceM(start, d) == Approx(1000).margin(0.01));
  CHECK(bearingDeg(start, d) == Approx(45).margin(0.01));
  CHECK(headingDeltaDeg(350, 10) == Approx(20));
  CHECK(headingDeltaDeg(10, 190) == Approx(180));
  CHECK(headingDeltaDeg(90, 90) == 0);
}

TEST_CASE("coordinates are validated", "[geo]") {
  CHECK(isValid({52.1, 4.3}));
  CHECK_FALSE(isValid({0, 0}));
  CHECK_FALSE(isValid({91, 0}));
  CHECK_FALSE(isValid({10, 181}));
  CHECK_FALSE(isValid({std::nan(""), 1}));
}

TEST_CASE("circle geofences: inside, boundary and segment crossings", "[geo][geofence]") {
  const Circle depot{{52.0, 5.0}, 100};
  CHECK(contains(depot, destination(depot.center, 10, 99.5)));
  CHECK_FALSE(contains(depot, destination(depot.center, 10, 100.5)));
  // Two sparse fixes 1 km apart on either side of the zone: the straight line crosses it.
  const LatLon west = destination(depot.center, 270, 500), east = destination(depot.center, 90, 500);
  CHECK_FALSE(contains(depot, west));
  CHECK_FALSE(contains(depot, east));
  CHECK(segmentIntersects(depot, west, east));
  // A segment that passes 150 m north does not.
  const LatLon nw = destination(west, 0, 150), ne = destination(east, 0, 150);
  CHECK_FALSE(segmentIntersects(depot, nw, ne));
}

TEST_CASE("polygon geofences: inside, outside and crossings between sparse fixes", "[geo][geofence]") {
  // A ~1.1 km square.
  const Polygon square{{{52.00, 5.00}, {52.00, 5.016}, {52.01, 5.016}, {52.01, 5.00}}};
  CHECK(contains(square, {52.005, 5.008}));
  CHECK_FALSE(contains(square, {52.02, 5.008}));
  CHECK_FALSE(contains(square, {52.005, 4.99}));
  CHECK(segmentIntersects(square, {52.005, 4.99}, {52.005, 5.03}));   // straight through
  CHECK(segmentIntersects(square, {51.995, 5.008}, {52.005, 5.008}));  // ends inside
  CHECK_FALSE(segmentIntersects(square, {52.02, 4.99}, {52.02, 5.03})); // passes north
  // A concave L shape: the notch is outside.
  const Polygon ell{{{0.0, 0.0}, {0.0, 0.02}, {0.01, 0.02}, {0.01, 0.01}, {0.02, 0.01}, {0.02, 0.0}}};
  CHECK(contains(ell, {0.005, 0.015}));
  CHECK_FALSE(contains(ell, {0.015, 0.015}));
}

TEST_CASE("distance to a route segment", "[geo]") {
  const LatLon a{52.0, 5.0}, b = destination(a, 90, 1000);
  const LatLon off = destination(destination(a, 90, 500), 0, 40);
  CHECK(distanceToSegmentM(off, a, b) == Approx(40).margin(0.5));
  CHECK(distanceToSegmentM(destination(a, 270, 30), a, b) == Approx(30).margin(0.5));
}
