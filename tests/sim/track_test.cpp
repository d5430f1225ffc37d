// Where simulated vehicles drive: route files, generated rounds and replayed receiver logs.
#include <catch2/catch.hpp>

#include "fleetlink/common/geo.hpp"
#include "support/process.hpp"
#include "tools/fleet-sim/nmea_reader.hpp"
#include "tools/fleet-sim/track.hpp"

using namespace fleetlink;
using namespace fleetlink::sim;

namespace {
// Largest step between consecutive seconds over two full laps: a track must never jump.
double largestStepM(const Track& t) {
  double worst = 0;
  for (std::size_t s = 0; s < 2 * t.size(); ++s) {
    const auto a = t.at(static_cast<double>(s));
    const auto b = t.at(static_cast<double>(s + 1));
    worst = std::max(worst, geo::distanceM({a.lat, a.lon}, {b.lat, b.lon}));
  }
  return worst;
}
}  // namespace

TEST_CASE("the demo routes become closed tracks without jumps at plausible speeds", "[sim][track]") {
  auto tracks = buildTracks({{test::sourcePath("deploy/routes")}, {}, {}, 0, 0}, 1);
  REQUIRE(tracks);
  REQUIRE(tracks->size() >= 3);
  for (const auto& t : *tracks) {
    INFO(t->name());
    CHECK(t->size() > 60);
    CHECK(largestStepM(*t) < 30.0);  // nothing faster than ~108 km/h between samples
    bool stopped = false, moving = false;
    for (std::size_t s = 0; s < t->size(); ++s) {
      const auto p = t->at(static_cast<double>(s));
      if (p.speed_mps < 0.1f) stopped = true;
      if (p.speed_mps > 5.0f) moving = true;
    }
    CHECK(stopped);
    CHECK(moving);
  }
}

TEST_CASE("generated rounds stay near their centre and differ per seed", "[sim][track]") {
  TrackSources src;
  src.centre = {48.137, 11.575};
  src.radius_m = 3000;
  src.generated_count = 4;
  auto a = buildTracks(src, 7);
  auto b = buildTracks(src, 8);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->size() == 4);
  for (const auto& t : *a) {
    CHECK(largestStepM(*t) < 30.0);
    for (std::size_t s = 0; s < t->size(); s += 10) {
      const auto p = t->at(static_cast<double>(s));
      CHECK(geo::distanceM(src.centre, {p.lat, p.lon}) < 3100);
    }
  }
  CHECK((*a)[0]->at(0).lat != (*b)[0]->at(0).lat);
}

TEST_CASE("a cursor shifts a shared track and starts at its own point", "[sim][track]") {
  auto tracks = buildTracks({{test::sourcePath("deploy/routes/city-loop.toml")}, {}, {}, 0, 0}, 1);
  REQUIRE(tracks);
  const auto& t = tracks->front();
  TrackCursor same(t, 0, 0, 0);
  TrackCursor shifted(t, 0, 100, 0);
  TrackCursor later(t, 60, 0, 0);
  const auto p = same.at(0);
  const auto q = shifted.at(0);
  CHECK(geo::distanceM({p.lat, p.lon}, {q.lat, q.lon}) == Approx(100).margin(1));
  CHECK(q.lat > p.lat);
  const auto r = later.at(0);
  const auto s = same.at(60'000);
  CHECK(r.lat == Approx(s.lat));
  CHECK(r.lon == Approx(s.lon));
}

TEST_CASE("a real receiver log replays as a track", "[sim][track][nmea]") {
  const auto log = test::sharedPath("data/nmea/bundg_zeus_9.log");
  REQUIRE_FALSE(log.empty());  // ../shared/data/nmea holds the real receiver logs
  auto fixes = readNmeaFile(log);
  REQUIRE(fixes);
  CHECK(fixes->size() > 100);
  for (const auto& f : *fixes) CHECK(geo::isValid({f.lat, f.lon}));
  auto track = Track::fromNmeaFile(log);
  REQUIRE(track);
  CHECK(track->size() == 2 * fixes->size() - 2);  // there and back
  CHECK(largestStepM(*track) < 50.0);
}

TEST_CASE("NMEA sentences with a bad checksum or no fix are skipped", "[sim][nmea]") {
  const std::string good = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n";
  const std::string bad_sum = "$GPRMC,123520,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6B\r\n";
  const std::string void_fix = "$GPRMC,123521,V,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*7D\r\n";
  auto fixes = parseNmea(good + bad_sum + void_fix + "garbage\n");
  REQUIRE(fixes.size() == 1);
  CHECK(fixes[0].lat == Approx(48.1173));
  CHECK(fixes[0].lon == Approx(11.516667));
  CHECK(fixes[0].speed_mps == Approx(22.4 * 0.514444));
  CHECK(fixes[0].heading_deg == Approx(84.4));
  double deg = 0;
  CHECK_FALSE(parseNmeaCoordinate("4875.000", "N", deg));  // 75 minutes
  CHECK_FALSE(parseNmeaCoordinate("4807.038", "X", deg));
  CHECK(parseNmeaCoordinate("02712.6404", "S", deg));
  CHECK(deg == Approx(-27.21067));
}
