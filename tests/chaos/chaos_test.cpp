// Chaos scenarios: each starts the whole system on loopback, injects one kind of fault repeatedly under load,
// lets everything drain and then requires that every record the edges numbered is in the hub's history exactly
// once, that every panic press became its own alert, and that the dispatcher's WebSocket stream had no hole it
// was not told about. The profile (chaos_profile_*.cpp) sets how long and how often.
#include <catch2/catch.hpp>

#include <thread>

#include "chaos_profile.hpp"
#include "chaos_rig.hpp"

namespace fleetlink::test::chaos {
namespace {

using namespace std::chrono_literals;
using std::chrono::seconds;

void pause(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

void requireClean(const ChaosResult& r) {
  recordRow(r, chaosProfile().name);
  std::string problems;
  for (const auto& p : r.problems) problems += "\n  " + p;
  INFO("problems:" << problems);
  CHECK(r.problems.empty());
  REQUIRE(r.injected > 0);
  REQUIRE(r.sent > 0);
  REQUIRE(r.lost == 0);
  REQUIRE(r.duplicated == 0);
  REQUIRE(r.stored + r.dropped >= r.sent);
  REQUIRE(r.panic_alerts == r.panics);
  REQUIRE(r.live.unannounced_gaps == 0);
  REQUIRE(r.live.repeated == 0);
}

RigOptions rigFor(seconds busy) {
  RigOptions o;
  o.edges = chaosProfile().edges;
  o.drive_length = chaosProfile().warmup + busy + 20s;
  return o;
}

}  // namespace

// The hub holds an exclusive subscription in a persistent session, which Mosquitto saves (autosave) and restores
// after a kill -9, so what the edges drain while the hub reconnects is queued for it, not dropped.
TEST_CASE("chaos: broker killed and restarted under load", "[chaos]") {
  const auto& p = chaosProfile();
  ChaosRig rig("broker kill -9 + restart every " + std::to_string(p.broker_period.count()) + " s",
               rigFor(p.broker_period * p.broker_kills));
  pause(p.warmup);
  for (int k = 0; k < p.broker_kills; ++k) {
    pause(p.broker_period - 2s);
    rig.broker().kill9();
    rig.countFault();
    rig.pressPanic(k % rig.edgeCount());  // lands in the outbox while no broker is there
    pause(2s);
    rig.broker().start();
  }
  pause(3s);
  requireClean(rig.finish());
}

// The hub's MQTT client acknowledges each message before its records are committed to the history, so a kill -9
// loses what was in memory; the restarted hub asks the edges to re-send what the broker confirmed shortly before
// (their outbox keeps delivered copies), and nothing may be missing at the end.
TEST_CASE("chaos: hub kill -9 and restart", "[chaos]") {
  const auto& p = chaosProfile();
  ChaosRig rig("hub kill -9 + restart", rigFor(seconds(10 * p.hub_kills)));
  pause(p.warmup);
  for (int k = 0; k < p.hub_kills; ++k) {
    rig.hub().kill9();
    rig.countFault();
    rig.pressPanic(k % rig.edgeCount());  // queued by the broker for the hub's persistent session
    pause(3s);
    rig.hub().start();
    pause(5s);
  }
  requireClean(rig.finish());
}

TEST_CASE("chaos: edge kill -9 loop", "[chaos]") {
  const auto& p = chaosProfile();
  ChaosRig rig("edge kill -9 loop", rigFor(seconds(3 * p.edge_kills)));
  pause(p.warmup);
  for (int k = 0; k < p.edge_kills; ++k) {
    // A press acknowledged by the control socket is on disk: the kill right after must not lose it.
    rig.pressPanic(k % rig.edgeCount());
    for (int i = 0; i < rig.edgeCount(); ++i) {
      rig.edge(i).kill9();
      rig.countFault();
    }
    pause(500ms);
    for (int i = 0; i < rig.edgeCount(); ++i) rig.edge(i).start();
    pause(2s);
  }
  requireClean(rig.finish());
}

TEST_CASE("chaos: disk full on the edge", "[chaos]") {
  const auto& p = chaosProfile();
  auto o = rigFor(p.disk_full_for * 2);
  o.small_disk_on_first_edge = true;
  ChaosRig rig("disk full on the edge (16 MiB tmpfs)", o);
  pause(p.warmup);
  const auto taken = rig.smallDisk().fill();
  rig.countFault();
  INFO("filler took " << taken << " bytes");
  REQUIRE(rig.smallDisk().freeBytes() == 0);
  rig.pressPanic(0);
  pause(p.disk_full_for / 2);
  // The network goes too while the disk is full: the backlog has nowhere to go.
  rig.proxy().cut();
  rig.countFault();
  pause(p.disk_full_for / 2);
  rig.smallDisk().release();
  rig.proxy().restore();
  pause(p.disk_full_for);
  requireClean(rig.finish());
}

TEST_CASE("chaos: network cut between edge and broker", "[chaos]") {
  const auto& p = chaosProfile();
  ChaosRig rig("network cut edge ↔ broker (RST and silent)", rigFor((p.cut_length + 5s) * p.network_cuts));
  pause(p.warmup);
  for (int k = 0; k < p.network_cuts; ++k) {
    // Alternate a cut that resets every connection with a silent network that only keep-alives notice.
    if (k % 2 == 0) rig.proxy().cut();
    else rig.proxy().blackhole();
    rig.countFault();
    rig.pressPanic(k % rig.edgeCount());
    pause(p.cut_length);
    rig.proxy().restore();
    pause(5s);
  }
  requireClean(rig.finish());
}

TEST_CASE("chaos: GPS clock jumps", "[chaos]") {
  const auto& p = chaosProfile();
  // The agents take their time from GPS: the replayed drives step back an hour, then forward again (ending a
  // little ahead of the wall clock, inside what the hub accepts).
  const seconds segment = 8s;
  const auto fixes_per_segment = static_cast<std::size_t>(segment.count() * 1000 / 150);
  auto o = rigFor(segment * (p.clock_jumps + 1));
  for (int k = 0; k < p.clock_jumps; ++k)
    o.clock_jumps.push_back({fixes_per_segment * static_cast<std::size_t>(k + 1),
                             k % 2 == 0 ? -3'600'000 : 3'600'000 + 20'000});
  ChaosRig rig("GPS clock jumps (−1 h / +1 h)", o);
  rig.countFault(p.clock_jumps);
  for (int k = 0; k <= p.clock_jumps; ++k) {
    pause(segment - 1s);
    rig.pressPanic(k % rig.edgeCount());
    pause(1s);
  }
  requireClean(rig.finish());
}

}  // namespace fleetlink::test::chaos
