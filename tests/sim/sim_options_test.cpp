// fleetlink-sim's command line.
#include <catch2/catch.hpp>

#include "tools/fleet-sim/sim_options.hpp"

using namespace fleetlink::sim;

namespace {
fleetlink::Expected<SimOptions> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "fleetlink-sim");
  return parseSimOptions(static_cast<int>(args.size()), args.data());
}
}  // namespace

TEST_CASE("the README's invocation parses", "[sim][options]") {
  auto o = parse({"--broker", "127.0.0.1:1883", "--fleet", "demo", "--vehicles", "10", "--duration", "0"});
  REQUIRE(o);
  CHECK(o->broker_host == "127.0.0.1");
  CHECK(o->broker_port == 1883);
  CHECK(o->fleet == "demo");
  CHECK(o->vehicles == 10);
  CHECK(o->duration_ms == 0);
  CHECK(effectiveVehiclesPerConnection(*o) == 1);
}

TEST_CASE("durations, outages and start times", "[sim][options]") {
  auto o = parse({"--outage=30s/5m", "--panic-every", "90s", "--duration", "2m", "--start-time",
                  "2026-03-01T08:00:00Z", "--rate-hz", "2.5", "--centre", "48.1,11.5"});
  REQUIRE(o);
  CHECK(o->outage_length_ms == 30'000);
  CHECK(o->outage_every_ms == 300'000);
  CHECK(o->panic_every_ms == 90'000);
  CHECK(o->duration_ms == 120'000);
  CHECK(*o->start_time_ms == 1'772'352'000'000);
  CHECK(o->rate_hz == 2.5);
  CHECK(o->tracks.centre.lat == 48.1);
}

TEST_CASE("past 15,000 connections vehicles share connections", "[sim][options]") {
  auto o = parse({"--vehicles", "20000"});
  REQUIRE(o);
  CHECK(effectiveVehiclesPerConnection(*o) == 2);
  o = parse({"--vehicles", "15000"});
  CHECK(effectiveVehiclesPerConnection(*o) == 1);
  o = parse({"--vehicles", "100", "--vehicles-per-connection", "8"});
  CHECK(effectiveVehiclesPerConnection(*o) == 8);
  CHECK_FALSE(parse({"--vehicles", "20000", "--vehicles-per-connection", "1"}));
}

TEST_CASE("bad values name the option and what is expected", "[sim][options]") {
  auto o = parse({"--broker", "localhost"});
  REQUIRE_FALSE(o);
  CHECK_THAT(o.error().message, Catch::Contains("--broker") && Catch::Contains("HOST:PORT"));
  CHECK_THAT(parse({"--vehicles", "20001"}).error().message, Catch::Contains("1 to 20000"));
  CHECK_THAT(parse({"--fleet", "a/b"}).error().message, Catch::Contains("--fleet"));
  CHECK_THAT(parse({"--outage", "5m/30s"}).error().message, Catch::Contains("EVERY longer than LENGTH"));
  CHECK_THAT(parse({"--frobnicate"}).error().message, Catch::Contains("unknown option --frobnicate"));
  CHECK_THAT(parse({"--qos"}).error().message, Catch::Contains("needs a value"));
}

TEST_CASE("offline-before takes a duration up to a week", "[sim][options]") {
  const char* ok[] = {"fleetlink-sim", "--offline-before", "24h"};
  auto o = parseSimOptions(3, ok);
  REQUIRE(o);
  CHECK(o->offline_before_ms == 86'400'000);
  const char* bad[] = {"fleetlink-sim", "--offline-before", "30d"};
  auto e = parseSimOptions(3, bad);
  REQUIRE_FALSE(e);
  CHECK(e.error().message.find("--offline-before") != std::string::npos);
}
