// Overspeed: boundaries of speed and duration, hysteresis, gaps, zone limits.
#include <catch2/catch.hpp>

#include "hub/rules/geofence_rule.hpp"
#include "hub/rules/overspeed_rule.hpp"

using namespace fleetlink::hub::rules;

namespace {
Sample fix(std::int64_t t_s, double kph, double lat = 52.0, double lon = 5.0) {
  Sample s;
  s.time_ms = 1'700'000'000'000 + t_s * 1000;
  s.speed_mps = static_cast<float>(kph / 3.6);
  s.lat = lat;
  s.lon = lon;
  return s;
}

FleetRules limit90() {
  FleetRules r;
  r.speed_limit_kph = 90;
  r.overspeed_min_s = 10;
  r.overspeed_hysteresis_kph = 5;
  return r;
}

// Feeds one fix a second at the given speeds; returns the findings.
Findings drive(OverspeedRule::State& s, const std::vector<double>& kph, const FleetRules& r, std::int64_t start = 0) {
  Findings out;
  for (std::size_t i = 0; i < kph.size(); ++i)
    OverspeedRule::feed(s, fix(start + static_cast<std::int64_t>(i), kph[i]), r.speed_limit_kph, r, out);
  return out;
}
}  // namespace

TEST_CASE("overspeed needs speed strictly above the limit", "[rules][overspeed]") {
  const auto r = limit90();
  SECTION("just under the limit for a long time: nothing") {
    OverspeedRule::State s;
    CHECK(drive(s, std::vector<double>(60, 89.9), r).empty());
  }
  SECTION("exactly at the limit: nothing") {
    OverspeedRule::State s;
    CHECK(drive(s, std::vector<double>(60, 90.0), r).empty());
  }
  SECTION("just over the limit long enough: one alert") {
    OverspeedRule::State s;
    auto f = drive(s, std::vector<double>(60, 90.2), r);
    REQUIRE(f.size() == 1);
    CHECK(f[0].rule == "overspeed");
    CHECK(f[0].active);
    CHECK(f[0].severity == fleetlink::v1::SEVERITY_HIGH);
    CHECK(f[0].since_ms == fix(0, 0).time_ms);
    CHECK(f[0].at_ms == fix(10, 0).time_ms);
  }
}

TEST_CASE("overspeed needs the minimum duration", "[rules][overspeed]") {
  const auto r = limit90();
  OverspeedRule::State s;
  SECTION("over for 9 s (10 fixes spanning 9 s): nothing") {
    std::vector<double> v(10, 100);
    v.push_back(80);
    CHECK(drive(s, v, r).empty());
  }
  SECTION("over for exactly 10 s: alert at the 10th second") {
    std::vector<double> v(11, 100);
    auto f = drive(s, v, r);
    REQUIRE(f.size() == 1);
    CHECK(f[0].at_ms - f[0].since_ms == 10'000);
  }
  SECTION("a dip to the limit restarts the count") {
    std::vector<double> v(8, 100);
    v.push_back(90);
    v.insert(v.end(), 8, 100);
    CHECK(drive(s, v, r).empty());
  }
  SECTION("zero minimum duration alerts on the first fix over") {
    auto r0 = r;
    r0.overspeed_min_s = 0;
    auto f = drive(s, {95}, r0);
    REQUIRE(f.size() == 1);
  }
}

TEST_CASE("overspeed clears only at or below limit minus hysteresis", "[rules][overspeed]") {
  const auto r = limit90();
  OverspeedRule::State s;
  std::vector<double> v(12, 100);
  auto f = drive(s, v, r);
  REQUIRE(f.size() == 1);
  SECTION("inside the hysteresis band (85.1 .. 90): stays active") {
    CHECK(drive(s, {89, 87, 85.2, 88, 86}, r, 12).empty());
    CHECK(s.active);
  }
  SECTION("exactly limit - hysteresis: clears") {
    auto c = drive(s, {85.0}, r, 12);
    REQUIRE(c.size() == 1);
    CHECK_FALSE(c[0].active);
    CHECK(c[0].since_ms == fix(0, 0).time_ms);
    CHECK(c[0].title.find("100 km/h") != std::string::npos);
  }
  SECTION("after clearing, a new stretch needs the full duration again") {
    drive(s, {80}, r, 12);
    CHECK(drive(s, std::vector<double>(10, 100), r, 13).empty());
    CHECK(drive(s, {100}, r, 23).size() == 1);
  }
}

TEST_CASE("a gap in the data breaks an overspeed stretch", "[rules][overspeed]") {
  auto r = limit90();
  r.max_gap_s = 30;
  OverspeedRule::State s;
  Findings out;
  for (int t = 0; t < 6; ++t) OverspeedRule::feed(s, fix(t, 100), 90, r, out);
  for (int t = 60; t < 66; ++t) OverspeedRule::feed(s, fix(t, 100), 90, r, out);  // 54 s gap
  CHECK(out.empty());
  for (int t = 66; t < 71; ++t) OverspeedRule::feed(s, fix(t, 100), 90, r, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].since_ms == fix(60, 0).time_ms);
}

TEST_CASE("a zone speed limit replaces the fleet limit inside the zone", "[rules][overspeed][geofence]") {
  FleetRules r = limit90();
  Geofence school;
  school.id = "school";
  school.circle = {{52.0, 5.0}, 500};
  school.speed_limit_kph = 30;
  r.geofences.push_back(school);
  GeofenceRule::State g;
  Findings out;
  GeofenceRule::feed(g, fix(0, 40, 52.0, 5.0), r, 1, out);
  CHECK(GeofenceRule::limitKph(g, r) == 30);
  GeofenceRule::feed(g, fix(1, 40, 52.1, 5.0), r, 1, out);  // 11 km away
  CHECK(GeofenceRule::limitKph(g, r) == 90);
  CHECK(out.empty());  // a plain zone with a limit raises no geofence alert by itself
}
