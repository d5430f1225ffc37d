// Integration with the real edge agent: gpsd fed by gpsfake from a real receiver log, fleetlink-edge reading
// it and publishing to a real Mosquitto, the hub core raising alerts, and fleetlinkctl acknowledging them.
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "edge_harness.hpp"
#include "fleetlink/common/topics.hpp"
#include "hub/store/store.hpp"
#include "hub_fixture.hpp"
#include "support/gps_feed.hpp"
#include "support/process.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kFleet = "demo";
constexpr const char* kVehicle = "walker";

bool hasAlert(const std::vector<Received>& m, const std::string& rule, v1::AlertState state) {
  for (const auto& a : alertsIn(m))
    if (a.rule() == rule && a.state() == state) return true;
  return false;
}

// Position seqs the edge published (re-sends counted once).
std::set<std::uint64_t> publishedPositions(const MqttProbe& probe) {
  std::set<std::uint64_t> out;
  for (const auto& r : edge::uplinkRecords(probe.messages()))
    if (r.record.has_position()) out.insert(r.record.seq());
  return out;
}

json ctl(const Broker& broker, std::vector<std::string> args) {
  std::vector<std::string> argv = {binary("fleetlinkctl"), "--broker", "127.0.0.1:" + std::to_string(broker.port()),
                                   "--fleet",           kFleet,  "--actor", "dispatcher-3", "--timeout", "10"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run(argv);
  INFO(r.output);
  REQUIRE(r.code == 0);
  auto j = json::parse(r.output, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

}  // namespace

TEST_CASE("a real NMEA drive through gpsd and fleetlink-edge with a lowered speed limit raises an overspeed alert "
          "that auto-resolves",
          "[hub][integration][edge][nmea]") {
  const auto log = sharedPath("data/nmea/haicom-305N.log");
  REQUIRE_FALSE(log.empty());  // the real receiver logs in ../shared/data/nmea
  TempDir tmp("hub-edge-overspeed");
  Broker broker;
  // The receiver walked at 3-4.6 km/h: over a 3 km/h limit for more than 5 s from 09:53:29, then down to
  // 1.8 km/h at 09:53:51, below limit - hysteresis.
  HubUnderTest hub(broker, tmp.file("hub"),
                   "[fleets.demo]\nspeed_limit_kph = 3\noverspeed_min_s = 5\noverspeed_hysteresis_kph = 1\n");
  MqttProbe alerts(broker.uri(), {topics::fleetAlerts(kFleet)});
  MqttProbe uplinks(broker.uri(), {topics::vehicleUp(kFleet, kVehicle)});
  GpsFake gps({log, 0.02, true});
  edge::EdgeAgent agent({kFleet, kVehicle, tmp.file("edge"), gps.port(), broker.port(), {}});
  agent.start();

  const bool resolved = alerts.waitFor(
      [](const std::vector<Received>& m) { return hasAlert(m, "overspeed", v1::ALERT_STATE_RESOLVED); }, 40s);
  INFO(agent.log());
  REQUIRE(resolved);
  const auto seen = alertsOn(alerts);
  REQUIRE(seen.size() >= 2);
  CHECK(seen[0].rule() == "overspeed");
  CHECK(seen[0].state() == v1::ALERT_STATE_OPEN);
  CHECK(seen[0].severity() == v1::SEVERITY_HIGH);
  CHECK(seen[0].vehicle_id() == kVehicle);
  CHECK(seen[0].lat() == Approx(-27.21).margin(0.01));  // where the receiver was, as gpsd decoded it
  CHECK(seen[1].alert_id() == seen[0].alert_id());
  CHECK(seen[1].state() == v1::ALERT_STATE_RESOLVED);
  CHECK(seen[1].updated_by() == "rules");

  // Once the replay is over, the history holds every position the edge published, once.
  REQUIRE(waitUntil(
      [&] {
        const auto n = publishedPositions(uplinks).size();
        std::this_thread::sleep_for(1500ms);
        return n > 0 && n == publishedPositions(uplinks).size();
      },
      40s));
  const auto published = publishedPositions(uplinks);
  REQUIRE(published.size() >= 30);
  hub.core().drain();
  auto track = hub.core().store().track(kFleet, kVehicle, 0, INT64_MAX, 100'000);
  REQUIRE(track);
  std::set<std::uint64_t> stored;
  for (const auto& p : *track) stored.insert(p.seq);
  CHECK(track->size() == published.size());
  CHECK(stored == published);
  auto view = hub.admin(kFleet, "vehicles.get", {{"vehicle", kVehicle}});
  REQUIRE(view["ok"] == true);
  CHECK(view["result"]["status"] == "online");
  auto listed = hub.admin(kFleet, "alerts.list", {{"rule", "overspeed"}});
  CHECK(listed["result"].size() == 1);  // one stretch over the limit, one alert
}

TEST_CASE("a panic from the real fleetlink-edge becomes a critical alert acknowledged through fleetlinkctl",
          "[hub][integration][edge][panic]") {
  const auto log = sharedPath("data/nmea/haicom-305N.log");
  REQUIRE_FALSE(log.empty());
  TempDir tmp("hub-edge-panic");
  Broker broker;
  HubUnderTest hub(broker, tmp.file("hub"));
  MqttProbe alerts(broker.uri(), {topics::fleetAlerts(kFleet)});
  GpsFake gps({log, 0.02, true});
  // A short re-send interval: the edge repeats the panic until the hub's ack arrives, and the repeats must
  // not open more alerts.
  edge::EdgeAgent agent({kFleet, kVehicle, tmp.file("edge"), gps.port(), broker.port(), {"--panic.resend_interval=1s"}});
  agent.start();
  // The hub knows the vehicle and where it is before the driver presses the button.
  REQUIRE(waitUntil(
      [&] {
        auto v = hub.admin(kFleet, "vehicles.get", {{"vehicle", kVehicle}});
        return v["ok"] == true && v["result"]["status"] == "online" && v["result"].contains("lat") &&
               v["result"]["lat"].is_number() && v["result"]["lat"].get<double>() < -27;
      },
      30s));

  auto pressed = agent.request({{"cmd", "panic"}});
  REQUIRE(pressed["ok"] == true);
  REQUIRE(alerts.waitFor(
      [](const std::vector<Received>& m) { return hasAlert(m, "panic", v1::ALERT_STATE_OPEN); }, 15s));
  const auto opened = alertsOn(alerts).at(0);
  CHECK(opened.rule() == "panic");
  CHECK(opened.severity() == v1::SEVERITY_CRITICAL);
  CHECK(opened.vehicle_id() == kVehicle);
  CHECK(opened.lat() == Approx(-27.21).margin(0.01));
  CHECK(opened.detail().find("in-cab app") != std::string::npos);  // raised through the control socket
  const std::string id = opened.alert_id();

  // The hub's ack reaches the edge: nothing left to re-send.
  REQUIRE(waitUntil([&] { return agent.status()["panic"]["pending"] == 0; }, 15s));

  auto acked = ctl(broker, {"alerts.ack", "alert_id=" + id, "note=calling the driver"});
  REQUIRE(acked["ok"] == true);
  CHECK(acked["result"]["state"] == "ALERT_STATE_ACKNOWLEDGED");
  CHECK(acked["result"]["updated_by"] == "dispatcher-3");
  REQUIRE(alerts.waitFor(
      [](const std::vector<Received>& m) { return hasAlert(m, "panic", v1::ALERT_STATE_ACKNOWLEDGED); }, 10s));

  // One panic, one alert: the edge's re-sends were de-duplicated.
  auto all = ctl(broker, {"alerts.list", "rule=panic"});
  REQUIRE(all["result"].size() == 1);
  CHECK(all["result"][0]["alert_id"] == id);
  CHECK(all["result"][0]["state"] == "ALERT_STATE_ACKNOWLEDGED");
  auto audit = ctl(broker, {"audit.list"});
  bool audited = false;
  for (const auto& row : audit["result"])
    if (row["action"] == "alerts.ack" && row["actor"] == "dispatcher-3" && row["args"]["alert_id"] == id) audited = true;
  CHECK(audited);
  auto stored = hub.core().store().alert(kFleet, id);
  REQUIRE(stored);
  REQUIRE(stored->has_value());
  CHECK((*stored)->state() == v1::ALERT_STATE_ACKNOWLEDGED);
}
