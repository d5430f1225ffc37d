// The agent end to end against a real Mosquitto and a real gpsd (gpsfake): positions from real receiver logs,
// broker outages, kill -9, panics jumping the queue.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "edge_harness.hpp"
#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/topics.hpp"
#include "support/broker.hpp"
#include "support/gps_feed.hpp"
#include "support/ports.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace fleetlink::test::edge;
using namespace std::chrono_literals;

namespace {

const std::string kFleet = "test";

// Distinct seqs seen, and how many arrived more than once on the wire.
struct SeqReport {
  std::set<std::uint64_t> distinct;
  std::size_t wire_duplicates = 0;
};
SeqReport seqReport(const std::vector<SeenRecord>& recs) {
  SeqReport r;
  std::map<std::uint64_t, std::string> bodies;
  for (const auto& s : recs) {
    if (!r.distinct.insert(s.record.seq()).second) {
      ++r.wire_duplicates;
      // A re-send carries the very same record.
      v1::Record a = s.record;
      a.clear_boot_id();
      CHECK(bodies[s.record.seq()] == a.SerializeAsString());
    } else {
      v1::Record a = s.record;
      a.clear_boot_id();
      bodies[s.record.seq()] = a.SerializeAsString();
    }
  }
  return r;
}

void requireComplete(const SeqReport& r, std::uint64_t last_seq) {
  REQUIRE(last_seq > 0);
  CHECK(r.distinct.size() == last_seq);
  CHECK(*r.distinct.begin() == 1);
  CHECK(*r.distinct.rbegin() == last_seq);
  std::vector<std::uint64_t> missing;
  for (std::uint64_t s = 1; s <= last_seq; ++s)
    if (!r.distinct.count(s)) missing.push_back(s);
  INFO("missing seqs: " << missing.size());
  CHECK(missing.empty());
}

bool drained(EdgeAgent& agent) {
  auto s = agent.status();
  return s["buffer"]["records"] == 0 && s["broker"]["connected"] == true && s["broker"]["inflight_batches"] == 0;
}

// The message count once it has stopped growing for `quiet`, counting from the first message.
std::size_t countStable(const MqttProbe& probe, std::chrono::milliseconds quiet, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t last = probe.count();
  auto since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    const auto n = probe.count();
    if (n != last) {
      last = n;
      since = std::chrono::steady_clock::now();
    } else if (last > 0 && std::chrono::steady_clock::now() - since >= quiet) {
      break;
    }
  }
  return last;
}

}  // namespace

TEST_CASE("01 positions from a real receiver log reach the broker in seq order with gpsd's coordinates",
          "[edge][integration][gps]") {
  const std::string log = sharedPath("data/nmea/haicom-305N.log");
  REQUIRE_FALSE(log.empty());
  TempDir tmp("edge-it01");
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp(kFleet, "van-1")});
  GpsFake gps({log, 0.02, true});
  EdgeAgent agent({kFleet, "van-1", tmp.file("data"), gps.port(), broker.port(), {}});
  agent.start();
  countStable(probe, 3s, 40s);
  const auto recs = uplinkRecords(probe.messages());
  const auto fixes = nmeaFixes(log);
  REQUIRE(recs.size() >= 40);
  std::uint64_t prev = 0;
  std::size_t next_fix = 0;
  for (const auto& s : recs) {
    CHECK(s.record.seq() == prev + 1);  // strictly increasing, no gap, in arrival order
    prev = s.record.seq();
    REQUIRE(s.record.has_position());
    CHECK_FALSE(s.historical);
    const auto& p = s.record.position();
    // gpsd's coordinates are the log's, converted from ddmm.mmmm; each report is a later fix of the log.
    auto it = std::find_if(fixes.begin() + static_cast<std::ptrdiff_t>(next_fix), fixes.end(), [&](const geo::LatLon& f) {
      return std::abs(f.lat - p.lat()) < 1e-7 && std::abs(f.lon - p.lon()) < 1e-7;
    });
    INFO("seq " << s.record.seq() << " at " << p.lat() << "," << p.lon());
    REQUIRE(it != fixes.end());
    next_fix = static_cast<std::size_t>(it - fixes.begin());
    CHECK(s.record.epoch() != 0);
    CHECK((p.fix_mode() == v1::FIX_MODE_3D || p.fix_mode() == v1::FIX_MODE_2D));
  }
  // Fixes with a time carry GPS time.
  CHECK(std::count_if(recs.begin(), recs.end(), [](const SeenRecord& s) {
          return s.record.time_source() == v1::TIME_SOURCE_GPS;
        }) >= static_cast<long>(recs.size()) - 3);
  auto st = agent.status();
  CHECK(st["gps"]["mode"] == 3);
  CHECK(st["buffer"]["last_seq"] == prev);
}

TEST_CASE("02 a broker outage while driving loses nothing: every seq arrives", "[edge][integration][outage]") {
  TempDir tmp("edge-it02");
  const std::string drive = tmp.file("drive.nmea");
  generateDrive("deploy/routes/city-loop.toml", drive);
  Broker broker;
  const std::string hub_id = "hub-probe-" + std::to_string(broker.port());
  auto probe1 = std::make_unique<MqttProbe>(broker.uri(), std::vector<std::string>{topics::vehicleUp(kFleet, "van-2")}, hub_id, false);
  GpsFake gps({drive, 0.1, true});
  EdgeAgent agent({kFleet, "van-2", tmp.file("data"), gps.port(), broker.port(), {}});
  agent.start();
  REQUIRE(probe1->waitFor(10, 20s));

  broker.stop();
  REQUIRE(waitUntil([&] { return agent.status()["broker"]["connected"] == false; }, 10s));
  std::this_thread::sleep_for(10s);  // still driving: records pile up in the outbox
  const auto during = agent.status();
  CHECK(during["buffer"]["records"].get<int>() >= 20);
  CHECK(during["buffer"]["oldest_unsent_age_s"].get<int>() >= 8);

  broker.start();
  // The hub's persistent session kept its subscription across the broker restart: a new client with the same
  // id picks it up (one client object per id in this process).
  auto all = probe1->messages();
  probe1.reset();
  MqttProbe probe2(broker.uri(), {topics::vehicleUp(kFleet, "van-2")}, hub_id, false);
  std::this_thread::sleep_for(3s);
  gps.stop();  // the drive ends: no new records from here on
  REQUIRE(waitUntil([&] { return drained(agent); }, 30s));
  countStable(probe2, 1s, 10s);

  for (auto& m : probe2.messages()) all.push_back(m);
  const auto recs = uplinkRecords(all);
  const auto report = seqReport(recs);
  const auto last = agent.status()["buffer"]["last_seq"].get<std::uint64_t>();
  WARN("outage: " << report.distinct.size() << " distinct records, " << report.wire_duplicates
                  << " duplicates on the wire (deduplicated by (epoch, seq) at the hub)");
  requireComplete(report, last);
  CHECK(agent.status()["broker"]["reconnects"].get<int>() >= 1);
  // The backlog built during the outage was flagged historical.
  CHECK(std::any_of(recs.begin(), recs.end(), [](const SeenRecord& s) { return s.historical; }));
}

TEST_CASE("03 kill -9 of the agent mid-drive loses no seq", "[edge][integration][crash]") {
  TempDir tmp("edge-it03");
  const std::string drive = tmp.file("drive.nmea");
  generateDrive("deploy/routes/ring-road.toml", drive);
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp(kFleet, "van-3")});
  GpsFake gps({drive, 0.1, true});
  EdgeAgent agent({kFleet, "van-3", tmp.file("data"), gps.port(), broker.port(), {}});
  agent.start();
  REQUIRE(probe.waitFor(15, 20s));
  const auto epoch = agent.status()["buffer"]["epoch"].get<std::uint64_t>();
  agent.kill9();
  std::this_thread::sleep_for(2s);
  agent.start();
  auto after = agent.status();
  CHECK(after["buffer"]["epoch"] == epoch);  // same outbox, numbering continues
  REQUIRE(probe.waitFor([&](const std::vector<Received>& m) { return m.size() >= 30; }, 20s));
  agent.kill9();  // and once more, straight away
  agent.start();
  std::this_thread::sleep_for(2s);
  gps.stop();
  REQUIRE(waitUntil([&] { return drained(agent); }, 30s));
  countStable(probe, 1s, 10s);
  const auto recs = uplinkRecords(probe.messages());
  const auto report = seqReport(recs);
  WARN("kill -9: " << report.distinct.size() << " distinct records, " << report.wire_duplicates << " duplicates on the wire");
  requireComplete(report, agent.status()["buffer"]["last_seq"].get<std::uint64_t>());
  std::set<std::uint64_t> boots;
  for (const auto& s : recs) boots.insert(s.record.boot_id());
  CHECK(boots.size() >= 2);
}

TEST_CASE("04 a panic raised during an outage is the first record delivered after it", "[edge][integration][panic]") {
  TempDir tmp("edge-it04");
  const std::string drive = tmp.file("drive.nmea");
  generateDrive("deploy/routes/harbour-shuttle.toml", drive);
  Broker broker;
  const std::string hub_id = "hub-probe-" + std::to_string(broker.port());
  auto probe1 = std::make_unique<MqttProbe>(broker.uri(), std::vector<std::string>{topics::vehicleUp(kFleet, "van-4")}, hub_id, false);
  GpsFake gps({drive, 0.1, true});
  EdgeAgent agent({kFleet, "van-4", tmp.file("data"), gps.port(), broker.port(), {"--panic.resend_interval=1s"}});
  agent.start();
  REQUIRE(probe1->waitFor(5, 20s));

  broker.stop();
  const std::int64_t outage_start = SystemClock().nowMs();
  REQUIRE(waitUntil([&] { return agent.status()["broker"]["connected"] == false; }, 10s));
  REQUIRE(agent.request({{"cmd", "login"}, {"driver", "d-17"}})["ok"] == true);
  std::this_thread::sleep_for(1500ms);  // positions and the log-in queue up ahead of the panic
  auto raised = agent.request({{"cmd", "panic"}});
  REQUIRE(raised["ok"] == true);
  const auto panic_seq = raised["seq"].get<std::uint64_t>();
  std::this_thread::sleep_for(1500ms);
  CHECK(agent.status()["panic"]["pending"] == 1);

  broker.start();
  auto all = probe1->messages();
  probe1.reset();
  // The agent is back before the hub: what it sends first waits in the hub's persistent session, in order.
  // (Either may reconnect first in the field; this order is the one where a lost session would lose the panic.)
  REQUIRE(waitUntil([&] { return agent.status()["broker"]["connected"] == true; }, 20s));
  MqttProbe probe2(broker.uri(), {topics::vehicleUp(kFleet, "van-4"), topics::vehicleState(kFleet, "van-4")}, hub_id, false);
  REQUIRE(probe2.waitFor([&](const std::vector<Received>& m) {
    for (const auto& s : uplinkRecords(m))
      if (s.record.seq() == panic_seq) return true;
    return false;
  }, 20s));
  gps.stop();  // the drive ends: nothing new competes with the count below
  REQUIRE(waitUntil([&] { return agent.status()["buffer"]["records"] == 1; }, 20s));  // only the unacknowledged panic

  // Everything built after the outage began, in the order the broker delivered it.
  for (auto& m : probe2.messages()) all.push_back(m);
  std::vector<SeenRecord> after;
  for (const auto& s : uplinkRecords(all))
    if (s.sent_at_ms >= outage_start) after.push_back(s);
  REQUIRE_FALSE(after.empty());
  CHECK(after.front().record.seq() == panic_seq);
  CHECK(after.front().record.has_panic());
  CHECK(after.front().record.panic().source() == v1::PANIC_SOURCE_CONTROL_SOCKET);
  CHECK(after.front().record.panic().has_last_position());
  // It jumped a real queue: records numbered before it were delivered after it.
  CHECK(std::any_of(after.begin(), after.end(), [&](const SeenRecord& s) { return s.record.seq() < panic_seq; }));
  CHECK(std::any_of(after.begin(), after.end(), [](const SeenRecord& s) { return s.record.has_duty(); }));

  // Unacknowledged, the panic is sent again; the hub's PanicAck stops that.
  const auto epoch = agent.status()["buffer"]["epoch"].get<std::uint64_t>();
  auto panicCopies = [&] {
    std::size_t n = 0;
    for (const auto& s : uplinkRecords(probe2.messages())) n += s.record.seq() == panic_seq;
    return n;
  };
  REQUIRE(waitUntil([&] { return panicCopies() >= 2; }, 10s));
  probe2.publish(topics::vehicleCmd(kFleet, "van-4"), panicAckCommand(epoch, panic_seq));
  REQUIRE(waitUntil([&] { return agent.status()["panic"]["pending"] == 0; }, 10s));
  // A re-send read just before the acknowledgement may still be on its way: let it land, then expect silence for
  // more than two re-send intervals.
  std::size_t copies = panicCopies();
  for (auto quiet_since = std::chrono::steady_clock::now(); std::chrono::steady_clock::now() - quiet_since < 300ms;) {
    std::this_thread::sleep_for(50ms);
    if (const auto n = panicCopies(); n != copies) {
      copies = n;
      quiet_since = std::chrono::steady_clock::now();
    }
  }
  std::this_thread::sleep_for(2500ms);
  CHECK(panicCopies() == copies);
}

TEST_CASE("05 the agent survives gpsd being absent, appearing and restarting", "[edge][integration][gps]") {
  const std::string log = sharedPath("data/nmea/bundg_zeus_9.log");
  REQUIRE_FALSE(log.empty());
  TempDir tmp("edge-it05");
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp(kFleet, "van-5")});
  GpsFake gps({log, 0.02, false});
  gps.stop();
  EdgeAgent agent({kFleet, "van-5", tmp.file("data"), gps.port(), broker.port(), {}});
  agent.start();
  CHECK(agent.status()["gps"]["state"] == "no_gpsd");
  gps.start();
  REQUIRE(waitUntil([&] { return agent.status()["gps"]["state"] == "fix"; }, 15s));
  REQUIRE(probe.waitFor(5, 15s));
  gps.stop();
  REQUIRE(waitUntil([&] { return agent.status()["gps"]["state"] == "no_gpsd"; }, 10s));
  const auto before = probe.count();
  gps.start();
  REQUIRE(waitUntil([&] { return probe.count() > before + 5; }, 20s));
  CHECK(agent.running());
}
