// A hub's resync with a re-send window, against the real agent and broker: records the broker already
// acknowledged are kept by the agent and sent again, unchanged, when the hub asks.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <utility>

#include "edge_harness.hpp"
#include "fleetlink/common/topics.hpp"
#include "support/broker.hpp"
#include "support/ports.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace fleetlink::test::edge;
using namespace std::chrono_literals;

namespace {

const std::string kFleet = "test";
using Key = std::pair<std::uint64_t, std::uint64_t>;  // (epoch, seq)

// Every duty record on the wire by (epoch, seq): the copies seen, in arrival order.
std::map<Key, std::vector<SeenRecord>> dutyRecords(const std::vector<Received>& msgs) {
  std::map<Key, std::vector<SeenRecord>> out;
  for (auto& s : uplinkRecords(msgs))
    if (s.record.has_duty()) out[{s.record.epoch(), s.record.seq()}].push_back(s);
  return out;
}

std::optional<v1::CommandAck> ackIn(const std::vector<Received>& msgs, const std::string& id) {
  for (const auto& s : uplinkRecords(msgs))
    if (s.record.has_command_ack() && s.record.command_ack().command_id() == id) return s.record.command_ack();
  return std::nullopt;
}

}  // namespace

TEST_CASE("14 a resync with a re-send window sends the records the broker acknowledged in it again",
          "[edge][integration][commands][resync]") {
  TempDir tmp("edge-it14");
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp(kFleet, "van-14")});
  EdgeAgent agent({kFleet, "van-14", tmp.file("data"), freePort(), broker.port(), {}});
  agent.start();
  REQUIRE(waitUntil([&] { return agent.status()["broker"]["connected"] == true; }, 30s));

  // N duty changes through the control socket: N records, each delivered and acknowledged by the broker.
  constexpr std::size_t kRecords = 20;
  ControlClient control(agent.socketPath());
  REQUIRE(control.request({{"cmd", "login"}, {"driver", "d-14"}})["ok"] == true);
  for (std::size_t i = 1; i < kRecords; ++i) {
    REQUIRE(control.request({{"cmd", "duty"}, {"status", i % 2 ? "driving" : "break"}})["ok"] == true);
  }
  REQUIRE(probe.waitFor([&](const std::vector<Received>& m) { return dutyRecords(m).size() == kRecords; }, 60s));
  const auto first = dutyRecords(probe.messages());
  // Settled: nothing unsent or in flight, and every record the subscriber saw is kept as a delivered copy (the
  // subscriber may see a batch before the agent has the broker's PUBACK for it).
  std::uint64_t kept = 0;
  REQUIRE(waitUntil([&] {
    const auto s = agent.status();
    std::set<Key> seen;
    for (const auto& r : uplinkRecords(probe.messages())) seen.insert({r.record.epoch(), r.record.seq()});
    kept = s["buffer"]["delivered_kept"].get<std::uint64_t>();
    return s["buffer"]["records"] == 0 && s["broker"]["inflight_batches"] == 0 && kept == seen.size();
  }, 60s));
  REQUIRE(kept >= kRecords);
  for (const auto& [key, copies] : first) REQUIRE(copies.size() == 1);

  // What a hub sends after an unclean stop: the last hour again.
  v1::Command resync;
  resync.set_command_id("rs-14");
  resync.mutable_resync()->set_resend_window_ms(3'600'000);
  probe.publish(topics::vehicleCmd(kFleet, "van-14"), resync.SerializeAsString());

  std::optional<v1::CommandAck> ack;
  REQUIRE(probe.waitFor([&](const std::vector<Received>& m) {
    ack = ackIn(m, "rs-14");
    return ack.has_value();
  }, 60s));
  CHECK(ack->status() == v1::ACK_STATUS_ACCEPTED);
  CHECK_THAT(ack->detail(), Catch::Contains(std::to_string(kept) + " records re-sent"));

  // Every duty record arrives a second time: same (epoch, seq), same content, flagged historical.
  REQUIRE(probe.waitFor([&](const std::vector<Received>& m) {
    const auto now = dutyRecords(m);
    if (now.size() != kRecords) return false;
    for (const auto& [key, copies] : now)
      if (copies.size() < 2) return false;
    return true;
  }, 60s));
  const auto again = dutyRecords(probe.messages());
  REQUIRE(again.size() == kRecords);
  for (const auto& [key, copies] : again) {
    INFO("epoch " << key.first << " seq " << key.second);
    const auto& original = first.at(key).front().record;
    const auto& resent = copies.back();
    CHECK(resent.record.SerializeAsString() == original.SerializeAsString());
    CHECK(resent.historical);
  }
  // Acknowledged again by the broker, they are kept again (plus the ack, health and anything newer).
  CHECK(waitUntil([&] {
    const auto s = agent.status();
    return s["buffer"]["records"] == 0 && s["buffer"]["delivered_kept"].get<std::uint64_t>() >= kept;
  }, 60s));
  CHECK(agent.running());
}
