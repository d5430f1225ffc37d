#include <catch2/catch.hpp>

#include "fleetlink/common/drive.hpp"
#include "fleetlink/common/nmea.hpp"

using namespace fleetlink;

namespace {
drive::Route squareRoute() {
  drive::Route r;
  r.name = "square";
  r.cruise_kph = 50;
  const geo::LatLon a{52.0, 5.0};
  const auto b = geo::destination(a, 90, 800), c = geo::destination(b, 0, 800), d = geo::destination(c, 270, 800);
  r.waypoints = {{a, 0}, {b, 0}, {c, 20}, {d, 0}};
  return r;
}
}  // namespace

TEST_CASE("NMEA checksums match the standard", "[nmea]") {
  // Checksum of a well-known sentence from the NMEA reference.
  CHECK(nmea::checksum("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,") == "47");
  CHECK(nmea::sentence("GPTXT,hi").substr(0, 10) == "$GPTXT,hi*");
}

TEST_CASE("a simulated drive follows the route with plausible motion", "[drive]") {
  const auto route = squareRoute();
  const auto samples = drive::simulate(route, 1'790'000'000'000, 1, 1000);
  REQUIRE(samples.size() > 100);
  const double cruise = route.cruise_kph / 3.6;
  double max_speed = 0;
  for (std::size_t i = 1; i < samples.size(); ++i) {
    CHECK(samples[i].time_ms - samples[i - 1].time_ms == 1000);
    const double moved = geo::distanceM(samples[i - 1].at, samples[i].at);
    CHECK(moved <= cruise * 1.0 + 0.5);                                        // never faster than cruise
    CHECK(std::abs(samples[i].speed_mps - samples[i - 1].speed_mps) <= 1.3);  // bounded acceleration
    max_speed = std::max(max_speed, samples[i].speed_mps);
  }
  CHECK(max_speed == Approx(cruise).margin(0.01));
  // Ends at the last waypoint, stopped.
  CHECK(geo::distanceM(samples.back().at, route.waypoints.back().at) < 1.0);
  CHECK(samples.back().speed_mps == 0);
  // Dwells at the stop for its 20 s.
  const auto stop = route.waypoints[2].at;
  int stopped_at_stop = 0;
  for (const auto& s : samples)
    if (geo::distanceM(s.at, stop) < 1.0 && s.speed_mps == 0) ++stopped_at_stop;
  CHECK(stopped_at_stop >= 20);
}

TEST_CASE("fix sentences encode position, speed and time", "[nmea]") {
  drive::Sample s{1'790'000'000'000, {-27.2109, 153.0522}, 10.0, 133.9};
  const auto text = nmea::fixSentences(s);
  CHECK_THAT(text, Catch::Contains("$GPGGA,") && Catch::Contains("$GPRMC,") && Catch::Contains("$GPGSA,A,3"));
  CHECK_THAT(text, Catch::Contains("2712.65400,S,15303.13200,E"));
  CHECK_THAT(text, Catch::Contains(",19.44,133.9,"));  // 10 m/s = 19.44 knots
  // Every line is a valid sentence.
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    const std::string line = text.substr(start, end - start);
    const auto star = line.find('*');
    REQUIRE(star != std::string::npos);
    CHECK(line.substr(star + 1) == nmea::checksum(line.substr(1, star - 1)));
    start = end + 2;
  }
}
