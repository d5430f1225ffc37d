// Generated NMEA drives are real receiver input: gpsd (through gpsfake) reports the same fixes.
#include <catch2/catch.hpp>
#include <sstream>

#include "fleetlink/common/drive.hpp"
#include "support/gps_feed.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using namespace fleetlink::test;

TEST_CASE("gpsd accepts a drive generated from route waypoints", "[nmea][gpsd]") {
  TempDir dir;
  const std::string route = sourcePath("deploy/routes/city-loop.toml");
  const std::string nmea = dir.file("drive.nmea");
  auto gen = run({binary("fleetlink-nmea-drive"), "--route", route, "--out", nmea});
  REQUIRE(gen.code == 0);

  auto r = drive::loadRoute(route);
  REQUIRE(r.ok());
  GpsFake gps({nmea, 0.02, true});
  auto pipe = run({"gpspipe", "-w", "-n", "40", "127.0.0.1:" + std::to_string(gps.port())}, std::chrono::seconds(60));
  REQUIRE(pipe.code == 0);
  // Every TPV with a fix lies near the route's start (the first minute of driving).
  std::istringstream lines(pipe.output);
  std::string line;
  int fixes = 0;
  while (std::getline(lines, line)) {
    if (line.find("\"class\":\"TPV\"") == std::string::npos || line.find("\"lat\":") == std::string::npos) continue;
    const double lat = std::stod(line.substr(line.find("\"lat\":") + 6));
    const double lon = std::stod(line.substr(line.find("\"lon\":") + 6));
    CHECK(geo::distanceM({lat, lon}, r->waypoints.front().at) < 2000);
    CHECK_THAT(line, Catch::Contains("\"mode\":3"));
    ++fixes;
  }
  CHECK(fixes >= 5);
}
