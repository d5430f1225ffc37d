// fleetlink-sim against a real Mosquitto, observed by an MQTT 5 probe: what the simulated vehicles put on the
// wire must be what an edge would, and the run's report must match what the broker delivered.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "fleetlink/common/topics.hpp"
#include "fleetlink/common/wire.hpp"
#include "support/broker.hpp"
#include "support/mqtt_probe.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace std::chrono_literals;

namespace {

struct SimRun {
  TempDir dir{"fleetlink-sim"};
  Process proc;
  std::string report() const { return dir.file("report.json"); }

  SimRun(const Broker& broker, std::vector<std::string> args) {
    std::vector<std::string> argv = {binary("fleetlink-sim"), "--broker", "127.0.0.1:" + std::to_string(broker.port()),
                                     "--report", dir.file("report.json"), "--progress", "0", "--epoch", "4242"};
    argv.insert(argv.end(), args.begin(), args.end());
    proc = Process(argv, dir.file("sim.log"));
  }
  // Waits for the run to end by itself (--duration) and returns its output.
  std::string finish(std::chrono::milliseconds timeout = 40s) {
    const int code = proc.wait(timeout);
    INFO(proc.logText());
    REQUIRE(code == 0);
    return proc.logText();
  }
  nlohmann::json json() const {
    std::ifstream in(report());
    return nlohmann::json::parse(in);
  }
};

struct Observed {
  std::string fleet, vehicle;
  v1::Uplink up;
};

// Decodes every uplink the probe saw; any message that is not a valid Uplink for its topic fails the test.
// Inside a waitFor predicate pass the vector it is given: the probe's lock is held there.
std::vector<Observed> uplinks(const std::vector<Received>& messages) {
  std::vector<Observed> out;
  for (const auto& m : messages) {
    auto t = topics::parse(m.topic);
    REQUIRE(t);
    if (t->channel != topics::Channel::Up) continue;
    auto up = wire::decodeUplink(m.payload);
    INFO(m.topic);
    REQUIRE(up);
    CHECK(up->fleet_id() == t->fleet);
    CHECK(up->vehicle_id() == t->vehicle);
    CHECK(up->records_size() > 0);
    out.push_back({t->fleet, t->vehicle, *up});
  }
  return out;
}
std::vector<Observed> uplinks(const MqttProbe& probe) { return uplinks(probe.messages()); }

std::map<std::string, std::vector<std::uint64_t>> seqsByVehicle(const std::vector<Observed>& ups) {
  std::map<std::string, std::vector<std::uint64_t>> s;
  for (const auto& o : ups)
    for (const auto& r : o.up.records()) s[o.fleet + "/" + o.vehicle].push_back(r.seq());
  return s;
}

}  // namespace

TEST_CASE("simulated vehicles send valid uplinks with strictly increasing seq and a retained birth", "[sim][fleet-sim]") {
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::allVehicleUp(), topics::allVehicleState()});
  SimRun sim(broker, {"--vehicles", "6", "--fleets", "2", "--fleet", "acme", "--rate-hz", "2", "--duration", "4s",
                      "--health-every", "1s", "--routes", sourcePath("deploy/routes")});
  const auto out = sim.finish();
  CHECK_THAT(out, Catch::Contains("6 vehicles in 2 fleet(s) on 6 MQTT connection(s)"));
  const auto ups = uplinks(probe);
  const auto seqs = seqsByVehicle(ups);
  REQUIRE(seqs.size() == 6);
  std::set<std::string> fleets;
  for (const auto& o : ups) fleets.insert(o.fleet);
  CHECK(fleets == std::set<std::string>{"acme-1", "acme-2"});
  for (const auto& [vehicle, s] : seqs) {
    INFO(vehicle);
    CHECK(s.front() == 1);
    for (std::size_t i = 1; i < s.size(); ++i) CHECK(s[i] == s[i - 1] + 1);
    CHECK(s.size() >= 8);  // ~2 Hz for 4 s, plus log-in and health
  }
  std::map<std::string, int> kinds;
  for (const auto& o : ups) {
    CHECK_FALSE(o.up.historical());
    for (const auto& r : o.up.records()) {
      ++kinds[std::string(wire::recordKind(r))];
      CHECK(r.epoch() == 4242);
      if (r.seq() == 1) {
        REQUIRE(r.has_duty());
        CHECK(r.duty().status() == v1::DUTY_STATUS_ON_DUTY);
        CHECK_FALSE(r.duty().driver_id().empty());
      }
      if (r.has_position()) {
        CHECK(r.position().lat() == Approx(52.37).margin(0.1));  // the Amsterdam demo routes
        CHECK(r.position().fix_mode() == v1::FIX_MODE_3D);
      }
    }
  }
  CHECK(kinds["duty"] == 12);  // log-in and, at the clean end, log-out per vehicle
  CHECK(kinds["health"] >= 6);
  CHECK(kinds["position"] >= 40);

  // Births (ONLINE, retained) first, OFFLINE at the clean end.
  std::map<std::string, std::vector<v1::VehicleState::Connection>> states;
  for (const auto& m : probe.messages()) {
    auto t = topics::parse(m.topic);
    if (t->channel != topics::Channel::State) continue;
    auto s = wire::decodeVehicleState(m.payload);
    REQUIRE(s);
    states[t->vehicle].push_back(s->connection());
  }
  REQUIRE(states.size() == 6);
  for (const auto& [v, s] : states) {
    CHECK(s.front() == v1::VehicleState::CONNECTION_ONLINE);
    CHECK(s.back() == v1::VehicleState::CONNECTION_OFFLINE);
  }
  MqttProbe late(broker.uri(), {topics::allVehicleState()});
  REQUIRE(late.waitFor(6, 5s));
  for (const auto& m : late.messages()) CHECK(m.retained);
}

TEST_CASE("an outage drops the connection, the broker publishes the will, and the backlog comes back historical without a gap",
          "[sim][fleet-sim][outage]") {
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::allVehicleUp(), topics::allVehicleState()});
  SimRun sim(broker, {"--vehicles", "2", "--rate-hz", "2", "--outage", "3s", "--duration", "9s",
                      "--health-every", "0", "--keepalive", "5"});
  sim.finish();
  const auto ups = uplinks(probe);
  const auto seqs = seqsByVehicle(ups);
  REQUIRE(seqs.size() == 2);
  for (const auto& [vehicle, s] : seqs) {
    INFO(vehicle);
    std::set<std::uint64_t> unique(s.begin(), s.end());
    CHECK(*unique.begin() == 1);
    CHECK(*unique.rbegin() == unique.size());  // 1..N, nothing missing
  }
  std::size_t historical_records = 0;
  for (const auto& o : ups) {
    if (!o.up.historical()) continue;
    historical_records += static_cast<std::size_t>(o.up.records_size());
  }
  CHECK(historical_records >= 2 * 5);  // ~6 records per vehicle made during a 3 s outage at 2 Hz
  std::size_t lost_wills = 0;
  for (const auto& m : probe.messages()) {
    if (topics::parse(m.topic)->channel != topics::Channel::State) continue;
    if (wire::decodeVehicleState(m.payload)->connection() == v1::VehicleState::CONNECTION_LOST) ++lost_wills;
  }
  CHECK(lost_wills == 2);
  const auto report = sim.json();
  for (const auto& v : report["vehicles"]) {
    CHECK(v["outages"] == 1);
    CHECK(v["historical_records_sent"].get<int>() >= 5);
    CHECK(v["unacked"].empty());
  }
}

TEST_CASE("a panic is re-sent until a PanicAck arrives on the cmd topic, then stops", "[sim][fleet-sim][panic]") {
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::allVehicleUp()});
  SimRun sim(broker, {"--vehicles", "1", "--fleet", "acme", "--panic-every", "2s", "--panic-resend", "500ms",
                      "--duration", "9s", "--health-every", "0"});
  auto panicSendsIn = [&](const std::vector<Received>& msgs, std::uint64_t seq) {
    std::size_t n = 0;
    for (const auto& o : uplinks(msgs))
      for (const auto& r : o.up.records())
        if (r.has_panic() && (seq == 0 || r.seq() == seq)) ++n;
    return n;
  };
  auto panicSends = [&](std::uint64_t seq) { return panicSendsIn(probe.messages(), seq); };
  auto firstPanicIn = [&](const std::vector<Received>& msgs) -> std::uint64_t {
    for (const auto& o : uplinks(msgs))
      for (const auto& r : o.up.records())
        if (r.has_panic()) return r.seq();
    return 0;
  };
  // The first press sent three times, not acknowledged: re-sent (on a busy machine the next press may come
  // before its third send).
  REQUIRE(probe.waitFor(
      [&](const std::vector<Received>& m) {
        const auto f = firstPanicIn(m);
        return f > 0 && panicSendsIn(m, f) >= 3;
      },
      10s));
  const std::uint64_t first = firstPanicIn(probe.messages());
  REQUIRE(first > 0);
  CHECK(panicSends(first) >= 3);

  v1::Command ack;
  ack.set_command_id("pa-1");
  ack.mutable_panic_ack()->set_epoch(4242);
  ack.mutable_panic_ack()->set_seq(first);
  ack.mutable_panic_ack()->set_alert_id("alert-1");
  probe.publish(topics::vehicleCmd("acme", "sim-00001"), ack.SerializeAsString());
  std::this_thread::sleep_for(700ms);  // a re-send already on its way may still arrive
  const auto after_ack = panicSends(first);
  std::this_thread::sleep_for(2s);
  CHECK(panicSends(first) == after_ack);
  sim.finish();
  CHECK(panicSends(first) == after_ack);

  const auto report = sim.json();
  const auto& panics = report["vehicles"][0]["panics"];
  REQUIRE(panics.size() >= 2);  // more presses came after the first
  CHECK(panics[0]["seq"] == first);
  CHECK(panics[0]["acked"] == true);
  CHECK(panics[0]["sends"].get<std::size_t>() == after_ack);
  CHECK(panics[1]["acked"] == false);
}

TEST_CASE("several vehicles share a connection and commands reach the right one and are acknowledged", "[sim][fleet-sim][commands]") {
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::allVehicleUp()});
  SimRun sim(broker, {"--vehicles", "6", "--vehicles-per-connection", "3", "--fleet", "depot", "--duration", "6s",
                      "--health-every", "0"});
  REQUIRE(probe.waitFor([](const std::vector<Received>& m) {
    std::set<std::string> topics_seen;
    for (const auto& r : m) topics_seen.insert(r.topic);
    return topics_seen.size() == 6;
  }, 10s));
  auto command = [&](const std::string& vehicle, const std::string& id, auto fill) {
    v1::Command c;
    c.set_command_id(id);
    fill(c);
    probe.publish(topics::vehicleCmd("depot", vehicle), c.SerializeAsString());
  };
  command("sim-00005", "c-ping", [](v1::Command& c) { c.mutable_ping()->set_sent_at_ms(1); });
  command("sim-00002", "c-resync", [](v1::Command& c) { c.mutable_resync(); });
  command("sim-00003", "c-cfg", [](v1::Command& c) {
    (*c.mutable_config_update()->mutable_set())["report.moving_interval"] = "2s";
    c.mutable_config_update()->set_expected_config_hash("not-the-hash");
  });
  std::map<std::string, std::pair<std::string, v1::CommandAck>> acks;  // command id -> (vehicle, ack)
  REQUIRE(probe.waitFor([&](const std::vector<Received>& m) {
    acks.clear();
    for (const auto& o : uplinks(m))
      for (const auto& r : o.up.records())
        if (r.has_command_ack()) acks[r.command_ack().command_id()] = {o.vehicle, r.command_ack()};
    return acks.size() == 3;
  }, 10s));
  CHECK(acks["c-ping"].first == "sim-00005");
  CHECK(acks["c-ping"].second.status() == v1::ACK_STATUS_ACCEPTED);
  CHECK(acks["c-resync"].first == "sim-00002");
  CHECK(acks["c-resync"].second.status() == v1::ACK_STATUS_ACCEPTED);
  CHECK(acks["c-cfg"].first == "sim-00003");
  CHECK(acks["c-cfg"].second.status() == v1::ACK_STATUS_REJECTED);
  const auto out = sim.finish();
  CHECK_THAT(out, Catch::Contains("on 2 MQTT connection(s)"));
  CHECK_THAT(out, Catch::Contains("carrying 3 vehicles per MQTT connection"));
  const auto report = sim.json();
  CHECK(report["run"]["connections"] == 2);
  CHECK(report["totals"]["connects"] == 2);
  CHECK(report["totals"]["commands_accepted"] == 2);
  CHECK(report["totals"]["commands_rejected"] == 1);
}

TEST_CASE("the JSON report matches what the broker delivered", "[sim][fleet-sim][report]") {
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::allVehicleUp()});
  SimRun sim(broker, {"--vehicles", "4", "--rate-hz", "4", "--records-per-message", "3", "--duration", "4s",
                      "--clock-skew-ms", "5000", "--nmea", sharedPath("data/nmea/bundg_zeus_9.log")});
  sim.finish();
  const auto first_report = sim.json();
  std::uint64_t expected = 0;
  for (const auto& v : first_report["vehicles"]) expected += v["seq_last"].get<std::uint64_t>();
  REQUIRE(probe.waitFor([&](const std::vector<Received>& m) {
    std::uint64_t seen = 0;
    for (const auto& [k, s] : seqsByVehicle(uplinks(m))) seen += s.size();
    return seen >= expected;
  }, 5s));
  const auto report = sim.json();
  const auto seqs = seqsByVehicle(uplinks(probe));
  REQUIRE(report["vehicles"].size() == 4);
  std::uint64_t total = 0;
  for (const auto& v : report["vehicles"]) {
    const std::string key = v["fleet"].get<std::string>() + "/" + v["vehicle"].get<std::string>();
    INFO(key);
    REQUIRE(seqs.count(key) == 1);
    const auto& got = seqs.at(key);
    std::set<std::uint64_t> unique(got.begin(), got.end());
    CHECK(v["epoch"] == 4242);
    CHECK(v["seq_first"] == 1);
    CHECK(v["seq_last"] == *unique.rbegin());
    CHECK(v["acked_through"] == v["seq_last"]);
    CHECK(v["acked"] == unique.size());
    CHECK(v["unacked"].empty());
    CHECK(std::abs(v["clock_skew_ms"].get<long>()) <= 5000);
    total += unique.size();
  }
  CHECK(report["totals"]["records_acked"] == total);
  CHECK(report["totals"]["records_created"] == total);
  CHECK(report["run"]["records_per_message"] == 3);
  // Batches of three live fixes (the first and last carry the log-in and log-out).
  std::size_t threes = 0;
  for (const auto& o : uplinks(probe))
    if (o.up.records_size() == 3) ++threes;
  CHECK(threes >= 8);
}
