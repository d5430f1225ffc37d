// Generated NMEA drives are real receiver input: gpsd (through gpsfake) reports the same fixes.
#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

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
  int fixes = 0, fixes_3d = 0;
  while (std::getline(lines, line)) {
    if (line.find("\"class\":\"TPV\"") == std::string::npos || line.find("\"lat\":") == std::string::npos) continue;
    const double lat = std::stod(line.substr(line.find("\"lat\":") + 6));
    const double lon = std::stod(line.substr(line.find("\"lon\":") + 6));
    CHECK(geo::distanceM({lat, lon}, r->waypoints.front().at) < 2000);
    // Every position is a fix. gpsd may report an epoch from its RMC sentence (2D) before the GGA with the
    // altitude arrives when it is slow to read, so the drive's 3D fixes show as 3D in most reports, not all.
    const bool is_3d = line.find("\"mode\":3") != std::string::npos;
    CHECK((is_3d || line.find("\"mode\":2") != std::string::npos));
    if (is_3d) ++fixes_3d;
    ++fixes;
  }
  CHECK(fixes >= 5);
  CHECK(fixes_3d * 2 > fixes);
}

TEST_CASE("a log played once waits for its first watcher and starts at its first sentence", "[nmea][gpsd]") {
  const auto log = sharedPath("data/nmea/haicom-305N.log");  // the first fix at 09:53:04, line 42 of 335
  REQUIRE_FALSE(log.empty());
  GpsFake gps({log, 0.02, true});
  // Three seconds is 150 sentences at this pace, half the log, had gpsfake started playing on its own.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto pipe = run({"gpspipe", "-w", "-n", "30", "127.0.0.1:" + std::to_string(gps.port())}, std::chrono::seconds(30));
  REQUIRE(pipe.code == 0);
  const auto at = pipe.output.find("\"time\":\"");
  REQUIRE(at != std::string::npos);
  const auto clock = pipe.output.substr(pipe.output.find('T', at) + 1, 8);  // hh:mm:ss of the first report
  INFO(pipe.output);
  CHECK(clock >= "09:53:04");  // gpsd reports no time before the first fix
  CHECK(clock <= "09:53:06");
}
