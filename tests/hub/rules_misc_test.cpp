// Route distance, device health, offline, GPS lost and hub health rules.
#include <catch2/catch.hpp>

#include "fleetlink/common/geo.hpp"
#include "hub/rules/device_health_rule.hpp"
#include "hub/rules/hub_health_rule.hpp"
#include "hub/rules/presence_rules.hpp"
#include "hub/rules/route_distance_rule.hpp"

using namespace fleetlink;
using namespace fleetlink::hub::rules;

namespace {
constexpr std::int64_t kT0 = 1'704'096'000'000;  // 2024-01-01 08:00 UTC
}

TEST_CASE("route distance: just under, at and over the limit", "[rules][distance]") {
  FleetRules r;
  r.route_distance_max_km = 1.0;
  RouteDistanceRule::State s;
  Findings out;
  geo::LatLon p{52.0, 5.0};
  auto step = [&](double metres, std::int64_t t_s, const std::string& route = "") {
    p = geo::destination(p, 0, metres);
    Sample x;
    x.time_ms = kT0 + t_s * 1000;
    x.lat = p.lat;
    x.lon = p.lon;
    RouteDistanceRule::feed(s, x, route, r, out);
  };
  step(0, 0);
  for (int i = 1; i <= 9; ++i) step(100, i * 10);
  step(99.5, 100);
  CHECK(out.empty());  // 999.5 m
  step(0.49, 101);
  CHECK(out.empty());  // 999.99 m: just under (sums of geodesic legs are not exact enough to test 1000.000)
  step(0.02, 102);
  REQUIRE(out.size() == 1);  // 1000.01 m: over
  CHECK(out[0].active);
  CHECK(out[0].key == "day:2024-01-01");
  SECTION("an implausible jump is not counted") {
    RouteDistanceRule::State s2;
    Findings o2;
    Sample a, b;
    a.time_ms = kT0;
    a.lat = 52;
    a.lon = 5;
    b.time_ms = kT0 + 1000;
    b.lat = 52.5;  // 55 km in one second
    b.lon = 5;
    RouteDistanceRule::feed(s2, a, "", r, o2);
    RouteDistanceRule::feed(s2, b, "", r, o2);
    CHECK(s2.metres == 0);
  }
  SECTION("a new route restarts the count and clears the alert") {
    step(10, 103, "route:r1");
    REQUIRE(out.size() == 2);
    CHECK_FALSE(out[1].active);
    CHECK(s.key == "route:r1");
    CHECK(s.metres == Approx(10));  // the leg that reached the first fix of the route counts for it
  }
}

TEST_CASE("device health: backlog and disk thresholds", "[rules][health]") {
  FleetRules r;
  r.backlog_records_max = 1000;
  r.disk_free_min_mb = 100;
  DeviceHealthRule::State s;
  Findings out;
  v1::DeviceHealth h;
  h.set_disk_free_bytes(500ull << 20);
  h.set_buffer_records(1000);
  DeviceHealthRule::feed(s, h, kT0, r, out);
  CHECK(out.empty());  // at the limit
  h.set_buffer_records(1001);
  DeviceHealthRule::feed(s, h, kT0 + 1000, r, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].key == "backlog");
  SECTION("an older record arriving late changes nothing") {
    h.set_buffer_records(0);
    DeviceHealthRule::feed(s, h, kT0 + 500, r, out);
    CHECK(out.size() == 1);
  }
  SECTION("disk just under the minimum") {
    h.set_disk_free_bytes((100ull << 20) - 1);
    DeviceHealthRule::feed(s, h, kT0 + 2000, r, out);
    REQUIRE(out.size() == 2);
    CHECK(out[1].key == "disk");
    h.set_buffer_records(10);
    h.set_disk_free_bytes(1ull << 30);
    DeviceHealthRule::feed(s, h, kT0 + 3000, r, out);
    REQUIRE(out.size() == 4);
    CHECK_FALSE(out[2].active);
    CHECK_FALSE(out[3].active);
  }
}

TEST_CASE("offline alert after the configured time, cleared when back", "[rules][offline]") {
  FleetRules r;
  r.offline_alert_after_s = 600;
  OfflineRule::State s;
  Findings out;
  OfflineRule::evaluate(s, true, kT0, kT0 + 599'999, r, out);
  CHECK(out.empty());
  OfflineRule::evaluate(s, true, kT0, kT0 + 600'000, r, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].active);
  OfflineRule::evaluate(s, true, kT0, kT0 + 700'000, r, out);
  CHECK(out.size() == 1);
  OfflineRule::evaluate(s, false, kT0, kT0 + 800'000, r, out);
  REQUIRE(out.size() == 2);
  CHECK_FALSE(out[1].active);
}

TEST_CASE("GPS lost while online", "[rules][gps]") {
  FleetRules r;
  r.gps_lost_after_s = 120;
  GpsLostRule::State s;
  Findings out;
  GpsLostRule::Input in;
  in.online = true;
  in.online_since_ms = kT0;
  in.last_position_ms = kT0 + 10'000;
  GpsLostRule::evaluate(s, in, kT0 + 129'999, r, out);
  CHECK(out.empty());
  GpsLostRule::evaluate(s, in, kT0 + 130'000, r, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].active);
  SECTION("a position clears it") {
    in.last_position_ms = kT0 + 140'000;
    GpsLostRule::evaluate(s, in, kT0 + 140'000, r, out);
    REQUIRE(out.size() == 2);
    CHECK_FALSE(out[1].active);
  }
  SECTION("a health record newer than the last position that reports a fix means no loss") {
    GpsLostRule::State s2;
    Findings o2;
    in.gps_state = static_cast<int>(v1::GPS_STATE_FIX);
    in.gps_state_ms = kT0 + 100'000;
    GpsLostRule::evaluate(s2, in, kT0 + 200'000, r, o2);
    CHECK(o2.empty());
  }
  SECTION("an offline vehicle is not 'GPS lost'") {
    GpsLostRule::State s3;
    Findings o3;
    in.online = false;
    GpsLostRule::evaluate(s3, in, kT0 + 900'000, r, o3);
    CHECK(o3.empty());
  }
}

TEST_CASE("hub health: broker, store latency, ingest errors", "[rules][hubhealth]") {
  HubHealthRule::Limits lim;
  HubHealthRule::State s;
  Findings out;
  HubHealthRule::Input in;
  in.broker_connected = false;
  in.broker_down_since_ms = kT0;
  HubHealthRule::evaluate(s, in, lim, kT0 + 29'999, out);
  CHECK(out.empty());
  HubHealthRule::evaluate(s, in, lim, kT0 + 30'000, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].key == "broker");
  CHECK(out[0].severity == v1::SEVERITY_CRITICAL);
  in.broker_connected = true;
  in.store_latency_ms = 2500;
  in.messages = 100;
  in.rejected = 5;  // exactly 5 %: not over
  HubHealthRule::evaluate(s, in, lim, kT0 + 31'000, out);
  REQUIRE(out.size() == 3);
  CHECK_FALSE(out[1].active);
  CHECK(out[2].key == "store_latency");
  in.rejected = 6;
  HubHealthRule::evaluate(s, in, lim, kT0 + 32'000, out);
  REQUIRE(out.size() == 4);
  CHECK(out[3].key == "ingest_errors");
  in.messages = 10;  // too few messages to judge: an active condition ends
  in.rejected = 10;
  HubHealthRule::evaluate(s, in, lim, kT0 + 33'000, out);
  REQUIRE(out.size() == 5);
  CHECK_FALSE(out[4].active);
}
