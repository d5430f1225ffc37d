// fleetlink-fieldcheck on the x86 test rig: passes with everything in place, fails clearly (the item, the reason,
// what to do) with gpsd stopped, the broker unreachable, wrong credentials, no button press or the agent stopped.
#include <catch2/catch.hpp>

#include "support/ports.hpp"
#include "test_rig.hpp"

using namespace fleetlink::test;
using namespace fleetlink::test::deploy;

namespace {
// The report line of one item, e.g. "  PASS  gpsd      reachable at ...".
std::string line(const std::string& report, const std::string& item) {
  const auto pos = report.find("  " + item + " ");
  if (pos == std::string::npos) return {};
  const auto start = report.rfind('\n', pos);
  const auto end = report.find('\n', pos);
  return report.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1));
}
bool outcome(const std::string& report, const std::string& item, const std::string& what) {
  return line(report, item).rfind("  " + what + "  ", 0) == 0;
}
}  // namespace

TEST_CASE("fieldcheck 01: passes on the local rig with the button pressed", "[deploy][fieldcheck]") {
  TestRig rig;
  rig.startAgent();
  auto r = runFieldCheck(rig, {"--button-seconds", "10", "--gps-timeout", "15"}, [&] { rig.pressButton(); });
  INFO(r.output);
  INFO(rig.agentLog());
  CHECK(r.code == 0);
  for (const char* item : {"config", "gpsd", "gps fix", "agent", "button", "broker", "buffer"}) {
    INFO(item);
    CHECK(outcome(r.output, item, "PASS"));
  }
  CHECK_THAT(line(r.output, "button"), Catch::Contains("evdev"));
  CHECK_THAT(line(r.output, "broker"), Catch::Contains("ssl://127.0.0.1") && Catch::Contains("rig-1@demo"));
  CHECK_THAT(r.output, Catch::Contains("RESULT: PASS (7 passed"));
}

TEST_CASE("fieldcheck 02: fails clearly when gpsd is stopped", "[deploy][fieldcheck]") {
  TestRig rig;
  rig.startAgent();
  rig.stopGpsd();
  auto r = runFieldCheck(rig, {"--button-seconds", "0", "--gps-timeout", "3"});
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK(outcome(r.output, "gpsd", "FAIL"));
  CHECK_THAT(line(r.output, "gpsd"), Catch::Contains("not reachable at 127.0.0.1:") && Catch::Contains("systemctl start gpsd"));
  CHECK(outcome(r.output, "gps fix", "SKIP"));
  CHECK(outcome(r.output, "broker", "PASS"));  // one failure does not hide the rest
  CHECK_THAT(r.output, Catch::Contains("RESULT: FAIL"));
}

TEST_CASE("fieldcheck 03: fails clearly when the broker is unreachable", "[deploy][fieldcheck]") {
  TestRig rig;
  rig.startAgent();
  const int closed = freePort();
  auto r = runFieldCheck(rig, {"--button-seconds", "0", "--broker-timeout", "3", "--mqtt.port=" + std::to_string(closed)});
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK(outcome(r.output, "broker", "FAIL"));
  CHECK_THAT(line(r.output, "broker"),
             Catch::Contains("cannot connect to ssl://127.0.0.1:" + std::to_string(closed)) && Catch::Contains("mqtt.host"));
  CHECK(outcome(r.output, "gpsd", "PASS"));
}

TEST_CASE("fieldcheck 04: fails clearly with wrong credentials", "[deploy][fieldcheck]") {
  TestRig rig;
  rig.startAgent();
  SECTION("wrong password") {
    auto r = runFieldCheck(rig, {"--button-seconds", "0", "--mqtt.password=not-the-password"});
    INFO(r.output);
    CHECK(r.code == 1);
    CHECK(outcome(r.output, "broker", "FAIL"));
    CHECK_THAT(line(r.output, "broker"), Catch::Contains("refused") && Catch::Contains("identity.toml"));
  }
  SECTION("another vehicle's account name") {
    auto r = runFieldCheck(rig, {"--button-seconds", "0", "--mqtt.username=rig-2@demo"});
    INFO(r.output);
    CHECK(r.code == 1);
    CHECK_THAT(line(r.output, "broker"), Catch::StartsWith("  FAIL") && Catch::Contains("refused"));
  }
}

TEST_CASE("fieldcheck 05: a button that is not pressed fails the press test", "[deploy][fieldcheck]") {
  TestRig rig;
  rig.startAgent();
  auto r = runFieldCheck(rig, {"--button-seconds", "1"});
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK(outcome(r.output, "button", "FAIL"));
  CHECK_THAT(line(r.output, "button"), Catch::Contains("no press seen within 1 s") && Catch::Contains("panic-event"));
}

TEST_CASE("fieldcheck 06: with the agent stopped it says so and checks the outbox file itself", "[deploy][fieldcheck]") {
  TestRig rig;
  rig.startAgent();
  rig.stopAgent();
  auto r = runFieldCheck(rig, {"--button-seconds", "5"});
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK(outcome(r.output, "agent", "FAIL"));
  CHECK_THAT(line(r.output, "agent"), Catch::Contains("systemctl status fleetlink-edge"));
  CHECK(outcome(r.output, "button", "FAIL"));
  CHECK(outcome(r.output, "buffer", "PASS"));
  CHECK_THAT(line(r.output, "buffer"), Catch::Contains("integrity check"));
}

TEST_CASE("fieldcheck 07: an invalid configuration is the first failure, with file, line and key", "[deploy][fieldcheck]") {
  TempDir dir;
  dir.write("bad.toml", "[gps]\nport = 0\n");
  auto r = run({FLEETLINK_FIELDCHECK_BIN, "--config", dir.file("bad.toml")});
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK(outcome(r.output, "config", "FAIL"));
  CHECK_THAT(line(r.output, "config"), Catch::Contains(dir.file("bad.toml") + ":2") && Catch::Contains("gps.port"));
  auto usage = run({FLEETLINK_FIELDCHECK_BIN, "--button-seconds", "x"});
  CHECK(usage.code == 2);
  CHECK_THAT(usage.output, Catch::Contains("--button-seconds expects a number"));
}
