// Integration: the hub core in-process against a real Mosquitto, fed real Uplink protobufs.
#include <catch2/catch.hpp>

#include <set>

#include "fleetlink/common/metrics.hpp"
#include "fleetlink/common/topics.hpp"
#include "hub/store/store.hpp"
#include "hub_fixture.hpp"
#include "support/process.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace std::chrono_literals;

namespace {
std::uint64_t counterValue(const std::string& name, const metrics::Labels& labels) {
  return metrics::global().counter(name, "", labels).value();
}
}  // namespace

TEST_CASE("a replayed real NMEA drive with a lowered speed limit raises an overspeed alert that auto-resolves",
          "[hub][integration][nmea]") {
  const auto log = sharedPath("data/nmea/haicom-305N.log");
  REQUIRE_FALSE(log.empty());  // the real receiver logs in ../shared/data/nmea
  const auto fixes = readRmc(log);
  REQUIRE(fixes.size() > 50);
  Broker broker;
  TempDir dir;
  // The receiver walked at 3-4.6 km/h: with a 3 km/h limit the stretch from 09:53:29 is over it for more than
  // 5 s, and the drop to 1.8 km/h at 09:53:51 is below limit - hysteresis.
  HubUnderTest hub(broker, dir.path(),
                   "[fleets.demo]\nspeed_limit_kph = 3\noverspeed_min_s = 5\noverspeed_hysteresis_kph = 1\n");
  MqttProbe alerts(broker.uri(), {topics::fleetAlerts("demo")});
  MqttProbe device(broker.uri(), {});
  std::uint64_t seq = 0;
  for (const auto& f : fixes)  // one fix per message, as the edge sends live data
    device.publish(topics::vehicleUp("demo", "walker"),
                   uplink("demo", "walker", {positionRecord(++seq, f.time_ms, f.lat, f.lon, f.speed_mps)}, "gps-1"));
  REQUIRE(alerts.waitFor(
      [](const std::vector<Received>& m) {
        for (const auto& r : m) {
          v1::Alert a;
          if (a.ParseFromString(r.payload) && a.rule() == "overspeed" && a.state() == v1::ALERT_STATE_RESOLVED)
            return true;
        }
        return false;
      },
      20s));
  const auto seen = alertsOn(alerts);
  REQUIRE(seen.size() >= 2);
  CHECK(seen[0].rule() == "overspeed");
  CHECK(seen[0].state() == v1::ALERT_STATE_OPEN);
  CHECK(seen[0].severity() == v1::SEVERITY_HIGH);
  CHECK(seen[0].vehicle_id() == "walker");
  CHECK(seen[0].lat() == Approx(-27.21).margin(0.01));
  CHECK(seen[1].alert_id() == seen[0].alert_id());
  CHECK(seen[1].state() == v1::ALERT_STATE_RESOLVED);
  CHECK(seen[1].updated_by() == "rules");

  auto listed = hub.admin("demo", "alerts.list", {{"state", "resolved"}, {"rule", "overspeed"}});
  REQUIRE(listed["ok"] == true);
  REQUIRE(listed["result"].size() == 1);
  CHECK(listed["result"][0]["alert_id"] == seen[0].alert_id());
  auto hist = hub.admin("demo", "alerts.get", {{"alert_id", seen[0].alert_id()}});
  REQUIRE(hist["result"]["history"].size() == 2);
  CHECK(hist["result"]["history"][1]["state"] == "resolved");
  // The resolve comes a dozen fixes before the end of the drive; the rest may still be on their way.
  nlohmann::json track;
  waitUntil(
      [&] {
        track = hub.admin("demo", "history.track", {{"vehicle", "walker"}});
        return track["result"].size() >= fixes.size();
      },
      10s);
  CHECK(track["result"].size() == fixes.size());
}

TEST_CASE("a burst of malformed and duplicated messages leaves history exact", "[hub][integration][ingest]") {
  Broker broker;
  TempDir dir;
  HubUnderTest hub(broker, dir.path());
  MqttProbe dev(broker.uri(), {});
  const std::string up = topics::vehicleUp("acme", "v1");
  const std::int64_t t0 = nowMs() - 3'600'000;
  auto rec = [&](std::uint64_t seq) { return positionRecord(seq, t0 + static_cast<std::int64_t>(seq) * 1000, 52.0 + static_cast<double>(seq) * 1e-4, 5.0, 10); };
  const auto dup_before = counterValue("fleetlink_hub_ingest_records_total", {{"result", "duplicate"}});
  const auto rej_before = counterValue("fleetlink_hub_ingest_records_total", {{"result", "rejected"}});
  const auto proto_before = counterValue("fleetlink_hub_ingest_rejected_total", {{"reason", "protobuf"}});
  const auto ident_before = counterValue("fleetlink_hub_ingest_rejected_total", {{"reason", "identity"}});

  std::vector<std::string> good;
  for (std::uint64_t b = 0; b < 40; ++b) {
    std::vector<v1::Record> rs;
    for (std::uint64_t i = 1; i <= 5; ++i) rs.push_back(rec(b * 5 + i));
    good.push_back(uplink("acme", "v1", rs, "board-1"));
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    dev.publish(up, good[i]);
    if (i % 4 == 0) dev.publish(up, std::string("\x0a\xff\xff\xff\xff\x0f garbage", 12));      // not protobuf
    if (i % 5 == 0) dev.publish(up, good[i].substr(0, good[i].size() - 3));                    // truncated
    if (i % 7 == 0) dev.publish(up, uplink("acme", "v2", {rec(1000 + i)}, "board-1"));          // wrong identity
    if (i % 3 == 0) dev.publish(up, good[i]);                                                  // re-sent batch
  }
  // A batch mixing new good records with bad ones: the good ones stay.
  auto bad_lat = rec(203);
  bad_lat.mutable_position()->set_lat(200);
  auto bad_time = rec(204);
  bad_time.set_time_ms(5);
  auto bad_seq = rec(0);
  dev.publish(up, uplink("acme", "v1", {rec(201), bad_lat, rec(202), bad_time, bad_seq, rec(205), rec(10)}, "board-1"));
  dev.publish(up, std::string(300 * 1024, 'x'));  // over the size limit
  dev.publish("fl/v1/acme/v/v1/unknown-channel", good[0]);

  // 200 + 3 new good records; duplicates: 14 re-sent batches x 5 + seq 10.
  const std::uint64_t expected_dups = 14 * 5 + 1;
  REQUIRE(waitUntil(
      [&] {
        return counterValue("fleetlink_hub_ingest_records_total", {{"result", "duplicate"}}) - dup_before ==
                   expected_dups &&
               counterValue("fleetlink_hub_ingest_records_total", {{"result", "rejected"}}) - rej_before == 3;
      },
      20s));
  hub.core().drain();
  auto track = hub.core().store().track("acme", "v1", 0, INT64_MAX, 100'000);
  REQUIRE(track);
  REQUIRE(track->size() == 203);
  std::vector<std::uint64_t> seqs;
  for (const auto& p : *track) {
    seqs.push_back(p.seq);
    CHECK(p.lat == Approx(52.0 + static_cast<double>(p.seq) * 1e-4));
    CHECK(p.time_ms == t0 + static_cast<std::int64_t>(p.seq) * 1000);
  }
  std::vector<std::uint64_t> want;
  for (std::uint64_t s = 1; s <= 202; ++s) want.push_back(s);
  want.push_back(205);
  CHECK(seqs == want);
  CHECK(counterValue("fleetlink_hub_ingest_rejected_total", {{"reason", "protobuf"}}) - proto_before >= 10 + 8);
  CHECK(counterValue("fleetlink_hub_ingest_rejected_total", {{"reason", "identity"}}) - ident_before == 6);
  CHECK(hub.core().healthSource().health().store_ok);
  // No vehicle v2 was created by the message that claimed to be it.
  auto v2 = hub.admin("acme", "vehicles.get", {{"vehicle", "v2"}});
  CHECK(v2["ok"] == false);
}

TEST_CASE("the live position only moves forward and late records go to history", "[hub][integration][ingest]") {
  Broker broker;
  TempDir dir;
  HubUnderTest hub(broker, dir.path());
  MqttProbe dev(broker.uri(), {});
  const std::string up = topics::vehicleUp("acme", "v1");
  const std::int64_t t = nowMs() - 60'000;
  dev.publish(up, uplink("acme", "v1", {positionRecord(10, t + 10'000, 52.01, 5.0, 5)}));
  dev.publish(up, uplink("acme", "v1", {positionRecord(5, t + 5000, 52.005, 5.0, 5)}, "", true));
  dev.publish(up, uplink("acme", "v1", {positionRecord(11, t + 11'000, 52.011, 5.0, 5)}));
  REQUIRE(waitUntil([&] { return hub.core().recordsAccepted() == 3; }, 10s));
  hub.core().drain();
  std::vector<std::int64_t> live;
  for (const auto& e : hub.sink().events())
    if (e.kind == hub::LiveEvent::Kind::Position) live.push_back(e.time_ms);
  CHECK(live == std::vector<std::int64_t>{t + 10'000, t + 11'000});
  auto view = hub.admin("acme", "vehicles.get", {{"vehicle", "v1"}});
  CHECK(view["result"]["lat"] == Approx(52.011));
  CHECK(view["result"]["status"] == "online");
  CHECK(hub.core().store().track("acme", "v1", 0, INT64_MAX, 10)->size() == 3);
}

TEST_CASE("vehicle status in three tiers: online, silent, offline, and offline on last will", "[hub][integration][status]") {
  Broker broker;
  TempDir dir;
  HubUnderTest hub(broker, dir.path(), "[status]\nsilent_after = \"1s\"\noffline_after = \"3s\"\n");
  MqttProbe dev(broker.uri(), {});
  auto statuses = [&] {
    std::vector<std::string> s;
    for (const auto& e : hub.sink().events())
      if (e.kind == hub::LiveEvent::Kind::VehicleStatus && e.vehicle == "v1") s.push_back(e.update.status());
    return s;
  };
  dev.publish(topics::vehicleUp("acme", "v1"), uplink("acme", "v1", {positionRecord(1, nowMs(), 52, 5, 1)}));
  REQUIRE(waitUntil([&] { return statuses() == std::vector<std::string>{"online", "silent", "offline"}; }, 10s));
  v1::VehicleState st;
  st.set_connection(v1::VehicleState::CONNECTION_ONLINE);
  dev.publish(topics::vehicleState("acme", "v1"), st.SerializeAsString(), 1, true);
  REQUIRE(waitUntil([&] { return statuses().size() == 4 && statuses().back() == "online"; }, 5s));
  st.set_connection(v1::VehicleState::CONNECTION_LOST);
  dev.publish(topics::vehicleState("acme", "v1"), st.SerializeAsString(), 1, true);
  REQUIRE(waitUntil([&] { return statuses().size() == 5 && statuses().back() == "offline"; }, 5s));
  auto events = hub.admin("acme", "history.events", {{"vehicle", "v1"}, {"type", "state"}});
  CHECK(events["result"].size() == 2);
  dev.publish(topics::vehicleState("acme", "v1"), "", 1, true);  // clear the retained state
}

TEST_CASE("the periodic check covers a fleet larger than one of its slices", "[hub][integration][status]") {
  Broker broker;
  TempDir dir;
  HubUnderTest hub(broker, dir.path(), "[status]\nsilent_after = \"3s\"\noffline_after = \"5s\"\n");
  MqttProbe dev(broker.uri(), {});
  constexpr std::size_t kVehicles = 1500;  // the check goes over the vehicles 512 at a time: three slices
  for (std::size_t i = 0; i < kVehicles; ++i) {
    const std::string vehicle = "v" + std::to_string(i);
    dev.publish(topics::vehicleUp("acme", vehicle), uplink("acme", vehicle, {positionRecord(1, nowMs(), 52, 5, 1)}));
  }
  auto reached = [&](const std::string& status) {
    std::set<std::string> vehicles;
    for (const auto& e : hub.sink().events())
      if (e.kind == hub::LiveEvent::Kind::VehicleStatus && e.update.status() == status) vehicles.insert(e.vehicle);
    return vehicles.size();
  };
  // Every vehicle is counted online by one complete pass, then each one goes silent and offline.
  REQUIRE(waitUntil([&] { return hub.core().healthSource().health().vehicles_online == kVehicles; }, 20s));
  REQUIRE(waitUntil([&] { return reached("offline") == kVehicles; }, 30s));
  CHECK(reached("online") == kVehicles);
  CHECK(reached("silent") == kVehicles);
  REQUIRE(waitUntil([&] { return hub.core().healthSource().health().vehicles_online == 0; }, 5s));
}

TEST_CASE("alerts survive a hub restart", "[hub][integration][alerts]") {
  Broker broker;
  TempDir dir;
  std::string id;
  MqttProbe dev(broker.uri(), {});
  const std::string up = topics::vehicleUp("acme", "v1");
  const std::string zone =
      "[[fleets.acme.geofences]]\nid = \"yard\"\nlat = 52.0\nlon = 5.0\nradius_m = 100\nrestricted = true\n";
  {
    HubUnderTest hub(broker, dir.path(), zone);
    dev.publish(up, uplink("acme", "v1", {positionRecord(1, nowMs() - 5000, 52.0, 5.0, 2)}, "b1"));
    REQUIRE(waitUntil([&] { return hub.admin("acme", "alerts.list", {{"state", "open"}})["result"].size() == 1; }, 10s));
    id = hub.admin("acme", "alerts.list", {{"state", "open"}})["result"][0]["alert_id"];
  }
  HubUnderTest again(broker, dir.path(), zone);
  auto open = again.admin("acme", "alerts.list", {{"state", "active"}});
  REQUIRE(open["result"].size() == 1);
  CHECK(open["result"][0]["alert_id"] == id);
  CHECK(again.core().healthSource().health().open_alerts == 1);
  // The condition still belongs to the reloaded alert: leaving the zone resolves it, no new alert opens.
  dev.publish(up, uplink("acme", "v1", {positionRecord(1, nowMs() - 5000, 52.0, 5.0, 2)}, "b1"));  // re-sent
  dev.publish(up, uplink("acme", "v1", {positionRecord(2, nowMs() - 4000, 52.0, 5.0, 2)}, "b1"));
  dev.publish(up, uplink("acme", "v1", {positionRecord(3, nowMs() - 3000, 52.01, 5.0, 2)}, "b1"));
  REQUIRE(waitUntil([&] { return again.admin("acme", "alerts.list", {{"state", "resolved"}})["result"].size() == 1; }, 10s));
  CHECK(again.admin("acme", "alerts.list")["result"].size() == 1);
  // And a record re-sent after the restart is still a duplicate.
  CHECK(again.core().store().track("acme", "v1", 0, INT64_MAX, 10)->size() == 3);
}
