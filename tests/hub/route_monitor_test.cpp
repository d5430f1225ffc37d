// Route progress: arrival by geofence, completion, delays from ETA and missed windows.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "fleetlink/common/geo.hpp"
#include "hub/routes/route_book.hpp"

using namespace fleetlink;
using namespace fleetlink::hub;

namespace {
constexpr std::int64_t kT0 = 1'704'096'000'000;
const geo::LatLon kStart{52.0, 5.0};

nlohmann::json route(std::int64_t window_end_2) {
  const auto d1 = geo::destination(kStart, 90, 1000), d2 = geo::destination(kStart, 90, 5000);
  return {{"route_id", "r1"},
          {"name", "Morning"},
          {"drops",
           {{{"drop_id", "d1"}, {"lat", d1.lat}, {"lon", d1.lon}, {"radius_m", 50}},
            {{"drop_id", "d2"}, {"lat", d2.lat}, {"lon", d2.lon}, {"window_end_ms", window_end_2}}}}};
}
}  // namespace

TEST_CASE("route definitions are checked", "[routes]") {
  CHECK_FALSE(routes::parseRoute(nlohmann::json::object()));
  CHECK_FALSE(routes::parseRoute({{"route_id", "r1"}, {"drops", nlohmann::json::array()}}));
  auto bad = routes::parseRoute({{"route_id", "r1"}, {"drops", {{{"drop_id", "a"}, {"lat", 95}, {"lon", 5}}}}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("drops[0]") != std::string::npos);
  auto ok = routes::parseRoute(route(0));
  REQUIRE(ok);
  CHECK(ok->total() == 2);
  CHECK(ok->drops(1).radius_m() == 75);
}

TEST_CASE("arrival, completion and progress counts", "[routes]") {
  routes::RouteMonitor m(*routes::parseRoute(route(0)));
  rules::Findings f;
  CHECK(m.onFix(kStart.lat, kStart.lon, 10, kT0, f) == false);
  const auto at_d1 = geo::destination(kStart, 90, 990);
  CHECK(m.onFix(at_d1.lat, at_d1.lon, 3, kT0 + 100'000, f));
  CHECK(m.progress().in_progress() == 1);
  CHECK(m.progress().drops(0).state() == "arrived");
  const auto past = geo::destination(kStart, 90, 1200);
  m.onFix(past.lat, past.lon, 10, kT0 + 400'000, f);
  CHECK(m.progress().completed() == 1);
  CHECK(m.progress().drops(0).departed_at_ms() == kT0 + 400'000);
  // Passing straight through the second drop between two fixes counts as a visit.
  const auto beyond = geo::destination(kStart, 90, 6000);
  m.onFix(beyond.lat, beyond.lon, 15, kT0 + 500'000, f);
  CHECK(m.progress().completed() == 2);
  CHECK(m.finished());
  CHECK(m.progress().driven_m() == Approx(6000).margin(5));
  CHECK(f.empty());
}

TEST_CASE("a drop that will miss its window raises a delay alert, cleared on arrival", "[routes]") {
  SECTION("ETA beyond the window: late") {
    // 5 km at no more than the assumed 5 m/s x road factor 1.25 takes ~1235 s; the window closes in 600 s.
    routes::RouteMonitor m(*routes::parseRoute(route(kT0 + 600'000)));
    rules::Findings f;
    m.onFix(kStart.lat, kStart.lon, 0, kT0, f);
    REQUIRE(f.size() == 1);
    CHECK(f[0].rule == "route_delay");
    CHECK(f[0].key == "r1:d2");
    CHECK(f[0].active);
    CHECK(m.progress().drops(1).state() == "late");
    CHECK(m.progress().delayed() == 1);
    const auto at_d2 = geo::destination(kStart, 90, 5000);
    m.onFix(at_d2.lat, at_d2.lon, 0, kT0 + 500'000, f);
    REQUIRE(f.size() == 2);
    CHECK_FALSE(f[1].active);
    CHECK(m.progress().delayed() == 1);  // it was late: still counted
  }
  SECTION("ETA inside the window: on time; window passes: missed") {
    routes::RouteMonitor m(*routes::parseRoute(route(kT0 + 3'600'000)));
    rules::Findings f;
    m.onFix(kStart.lat, kStart.lon, 15, kT0, f);
    CHECK(f.empty());
    CHECK(m.progress().drops(1).state() == "pending");
    m.tick(kT0 + 3'600'001, f);
    REQUIRE(f.size() == 1);
    CHECK(m.progress().drops(1).state() == "missed");
    CHECK(f[0].severity == v1::SEVERITY_HIGH);
  }
}

TEST_CASE("route book: one unfinished route per vehicle, pause, reassign", "[routes]") {
  routes::RouteBook book;
  REQUIRE(book.assign("acme", "v1", *routes::parseRoute(route(0)), kT0));
  CHECK_FALSE(book.assign("acme", "v1", *routes::parseRoute(route(0)), kT0));  // same id
  auto other = route(0);
  other["route_id"] = "r2";
  auto busy = book.assign("acme", "v1", *routes::parseRoute(other), kT0);
  REQUIRE_FALSE(busy);
  CHECK(busy.error().message.find("unfinished route r1") != std::string::npos);
  book.setPaused("acme", true);
  CHECK_FALSE(book.assign("acme", "v2", *routes::parseRoute(other), kT0));
  book.setPaused("acme", false);
  auto moved = book.reassign("acme", "r1", "v2", kT0);
  REQUIRE(moved);
  CHECK((*moved)->progress().vehicle_id() == "v2");
  CHECK(book.active("acme", "v1") == nullptr);
}
