// The reporting policy: interval moving/parked, distance, heading change, start/stop, minimum interval.
#include <catch2/catch.hpp>

#include "edge/report/report_policy.hpp"
#include "fleetlink/common/geo.hpp"

using namespace fleetlink;
using namespace fleetlink::edge;
using namespace std::chrono_literals;

namespace {
ReportSettings settings() {
  ReportSettings s;
  s.moving_interval = 5s;
  s.stopped_interval = 300s;
  s.min_interval = 1s;
  s.moving_speed_mps = 1.0;
  s.distance_m = 100;
  s.heading_change_deg = 30;
  return s;
}
FixSample at(std::int64_t t_s, geo::LatLon p, double speed, double heading) {
  return {t_s * 1000, p.lat, p.lon, speed, heading, true};
}
const geo::LatLon kStart{52.37, 4.89};
}  // namespace

TEST_CASE("the first fix is always reported", "[report]") {
  ReportPolicy p(settings());
  CHECK(p.offer(at(0, kStart, 0, 0)) == ReportReason::First);
}

TEST_CASE("a parked vehicle stays quiet until the stopped interval", "[report]") {
  ReportPolicy p(settings());
  p.offer(at(0, kStart, 0, 0));
  int sent = 0;
  for (int t = 1; t < 300; ++t) sent += p.offer(at(t, geo::destination(kStart, 45, 3), 0.2, t % 360)) != ReportReason::None;
  CHECK(sent == 0);
  CHECK(p.offer(at(300, kStart, 0, 0)) == ReportReason::Interval);
}

TEST_CASE("a vehicle driving straight reports on the moving interval or distance", "[report]") {
  auto s = settings();
  s.distance_m = 0;
  ReportPolicy p(s);
  p.offer(at(0, kStart, 5, 90));
  std::vector<int> times;
  for (int t = 1; t <= 20; ++t) {
    if (p.offer(at(t, geo::destination(kStart, 90, 5.0 * t), 5, 90)) != ReportReason::None) times.push_back(t);
  }
  CHECK(times == std::vector<int>{5, 10, 15, 20});

  ReportPolicy d(settings());  // 100 m at 25 m/s: every 4 s
  d.offer(at(0, kStart, 25, 90));
  CHECK(d.offer(at(3, geo::destination(kStart, 90, 75), 25, 90)) == ReportReason::None);
  CHECK(d.offer(at(4, geo::destination(kStart, 90, 101), 25, 90)) == ReportReason::Distance);
}

TEST_CASE("a corner is kept by the heading change rule", "[report]") {
  ReportPolicy p(settings());
  p.offer(at(0, kStart, 5, 90));
  CHECK(p.offer(at(1, geo::destination(kStart, 90, 5), 5, 100)) == ReportReason::None);
  CHECK(p.offer(at(2, geo::destination(kStart, 90, 10), 5, 125)) == ReportReason::Heading);
  SECTION("but not while parked (heading is noise at walking pace)") {
    ReportPolicy q(settings());
    q.offer(at(0, kStart, 0.1, 0));
    CHECK(q.offer(at(2, kStart, 0.1, 180)) == ReportReason::None);
  }
  SECTION("and across north the smaller angle counts") {
    ReportPolicy q(settings());
    q.offer(at(0, kStart, 5, 350));
    CHECK(q.offer(at(1, kStart, 5, 10)) == ReportReason::None);
    CHECK(q.offer(at(2, kStart, 5, 25)) == ReportReason::Heading);
  }
}

TEST_CASE("starting and stopping are reported", "[report]") {
  ReportPolicy p(settings());
  p.offer(at(0, kStart, 0, 0));
  CHECK(p.offer(at(2, kStart, 3, 0)) == ReportReason::StartStop);
  CHECK(p.offer(at(4, kStart, 0, 0)) == ReportReason::StartStop);
}

TEST_CASE("the minimum interval caps the rate and repeated epochs are ignored", "[report]") {
  auto s = settings();
  s.min_interval = 2s;
  ReportPolicy p(s);
  p.offer(at(0, kStart, 30, 0));
  CHECK(p.offer(at(1, geo::destination(kStart, 0, 500), 30, 90)) == ReportReason::None);
  CHECK(p.offer(at(2, geo::destination(kStart, 0, 500), 30, 90)) != ReportReason::None);
  CHECK(p.offer(at(2, geo::destination(kStart, 0, 900), 30, 180)) == ReportReason::None);
  SECTION("a large jump back in time starts over") {
    CHECK(p.offer(at(-3600, kStart, 30, 0)) == ReportReason::First);
  }
}
