// A simulated vehicle's wire behaviour without a broker: numbering, acknowledgement, outage backlog, panics,
// commands. Time is passed in by the test.
#include <catch2/catch.hpp>

#include <memory>
#include <set>

#include "fleetlink/common/wire.hpp"
#include "tools/fleet-sim/sim_vehicle.hpp"

using namespace fleetlink;
using namespace fleetlink::sim;

namespace {

constexpr std::int64_t kT0 = 1'780'000'000'000;

TrackCursor straightTrack() {
  std::vector<TrackPoint> pts;
  for (int i = 0; i < 100; ++i) pts.push_back({52.0 + i * 0.0001, 4.0, 5.0f, 11.0f, 0.0f, 9});
  return TrackCursor(std::make_shared<const Track>("line", pts), 0, 0, 0);
}

SimVehicle makeVehicle(VehicleBehaviour b = {}) {
  VehicleIdentity id{"acme", "truck-1", "dev-1", "drv-1", 77, 5};
  b.health_every_ms = b.health_every_ms == 60'000 ? 0 : b.health_every_ms;
  return SimVehicle(id, b, straightTrack());
}

v1::Uplink decode(const OutMessage& m) {
  auto up = wire::decodeUplink(m.payload);
  REQUIRE(up);
  return *up;
}

// Runs the vehicle for `seconds` at 1 Hz, acknowledging every message, and returns what was sent.
std::vector<v1::Uplink> run(SimVehicle& v, std::int64_t from, int seconds, bool ack = true, bool link = true) {
  std::vector<v1::Uplink> sent;
  for (int s = 0; s < seconds; ++s) {
    const std::int64_t now = from + s * 1000;
    v.tick(now, link);
    std::vector<OutMessage> out;
    v.collect(now, link, 10, out);
    for (const auto& m : out) {
      sent.push_back(decode(m));
      if (ack && m.kind == OutMessage::Kind::Records) v.acked(m.send_id, m.first_seq, m.last_seq);
    }
  }
  return sent;
}

std::vector<std::uint64_t> seqs(const std::vector<v1::Uplink>& ups) {
  std::vector<std::uint64_t> s;
  for (const auto& u : ups)
    for (const auto& r : u.records()) s.push_back(r.seq());
  return s;
}

}  // namespace

TEST_CASE("a vehicle logs its driver in, then sends one fix per period with seq from 1", "[sim][vehicle]") {
  auto v = makeVehicle();
  v.start(kT0);
  auto sent = run(v, kT0, 5);
  REQUIRE(sent.size() == 5);
  CHECK(sent[0].records(0).has_duty());
  CHECK(sent[0].records(0).duty().driver_id() == "drv-1");
  CHECK(sent[0].records(0).duty().status() == v1::DUTY_STATUS_ON_DUTY);
  CHECK(seqs(sent) == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6});
  for (const auto& u : sent) {
    CHECK(u.fleet_id() == "acme");
    CHECK(u.vehicle_id() == "truck-1");
    CHECK(u.device_id() == "dev-1");
    CHECK_FALSE(u.historical());
    for (const auto& r : u.records()) {
      CHECK(r.epoch() == 77);
      CHECK(r.boot_id() == 5);
    }
  }
  const auto& fix = sent[4].records(0);
  REQUIRE(fix.has_position());
  CHECK(fix.time_ms() == kT0 + 4000);
  CHECK(fix.time_source() == v1::TIME_SOURCE_GPS);
  CHECK(fix.position().lat() == Approx(52.0004));
  CHECK(v.ackedThrough() == 6);
  CHECK(v.drained());
}

TEST_CASE("records-per-message batches live fixes", "[sim][vehicle]") {
  VehicleBehaviour b;
  b.records_per_message = 4;
  auto v = makeVehicle(b);
  v.start(kT0);
  auto sent = run(v, kT0, 9);
  // the log-in goes at once with the first fix; then fixes in fours
  REQUIRE(sent.size() == 3);
  CHECK(sent[0].records_size() == 2);
  CHECK(sent[1].records_size() == 4);
  CHECK(sent[2].records_size() == 4);
  CHECK(seqs(sent) == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
}

TEST_CASE("records of a message lost with the link are re-sent as historical, and counted acknowledged once", "[sim][vehicle]") {
  auto v = makeVehicle();
  v.start(kT0);
  v.tick(kT0, true);
  std::vector<OutMessage> out;
  v.collect(kT0, true, 10, out);
  REQUIRE(out.size() == 1);
  v.failed(out[0].send_id, out[0].first_seq, out[0].last_seq);
  CHECK(v.ackedThrough() == 0);
  CHECK(v.unackedRanges() == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{1, 2}});
  // A late acknowledgement of the lost message must not count: those records were handed back.
  v.acked(out[0].send_id, out[0].first_seq, out[0].last_seq);
  CHECK(v.ackedThrough() == 0);
  out.clear();
  v.tick(kT0 + 1000, true);
  v.collect(kT0 + 1000, true, 10, out);
  REQUIRE(out.size() == 2);
  CHECK_FALSE(decode(out[0]).historical());  // the fresh fix goes first, on its own
  CHECK(decode(out[0]).records(0).seq() == 3);
  CHECK(decode(out[1]).historical());
  CHECK(seqs({decode(out[1])}) == std::vector<std::uint64_t>{1, 2});
  for (const auto& m : out) v.acked(m.send_id, m.first_seq, m.last_seq);
  CHECK(v.ackedThrough() == 3);
  CHECK(v.stats().records_acked == 3);
}

TEST_CASE("an outage buffers records and drains them as historical batches without a seq gap", "[sim][vehicle]") {
  VehicleBehaviour b;
  b.outage_first_ms = 3000;
  b.outage_length_ms = 5000;
  b.backlog_batch = 2;
  auto v = makeVehicle(b);
  v.start(kT0);
  std::vector<v1::Uplink> sent = run(v, kT0, 3);
  CHECK_FALSE(v.inOutage(kT0 + 2000));
  auto during = run(v, kT0 + 3000, 5);
  CHECK(during.empty());
  CHECK(v.inOutage(kT0 + 7000));
  CHECK(v.queuedRecords() == 5);
  auto after = run(v, kT0 + 8000, 4);
  sent.insert(sent.end(), after.begin(), after.end());
  std::set<std::uint64_t> all;
  int historical = 0;
  for (const auto& u : after) {
    if (!u.historical()) continue;
    ++historical;
    CHECK(u.records_size() <= 2);
    for (const auto& r : u.records()) CHECK((r.seq() >= 5 && r.seq() <= 9));
  }
  CHECK(historical == 3);
  for (auto s : seqs(sent)) CHECK(all.insert(s).second);
  CHECK(all.size() == 13);
  CHECK(*all.rbegin() == 13);
  CHECK(v.stats().outages == 1);
  CHECK(v.stats().outage_records == 5);
  CHECK(v.drained());
}

TEST_CASE("a panic jumps the queue and is re-sent until the PanicAck, then never again", "[sim][vehicle]") {
  VehicleBehaviour b;
  b.panic_first_ms = 2000;
  b.panic_resend_ms = 3000;
  auto v = makeVehicle(b);
  v.start(kT0);
  auto sent = run(v, kT0, 12);
  std::vector<std::int64_t> panic_sends;
  for (const auto& u : sent)
    for (const auto& r : u.records())
      if (r.has_panic()) panic_sends.push_back(u.sent_at_ms());
  // pressed at +2 s, re-sent at +5, +8, +11
  CHECK(panic_sends.size() == 4);
  REQUIRE(v.panics().size() == 1);
  const auto seq = v.panics()[0].seq;
  CHECK(seq == 5);  // log-in, three fixes, then the press

  v1::Command ack;
  ack.mutable_panic_ack()->set_epoch(77);
  ack.mutable_panic_ack()->set_seq(seq);
  CHECK_FALSE(v.onCommand(ack.SerializeAsString(), kT0 + 12'000));
  CHECK(v.panics()[0].acked);
  auto later = run(v, kT0 + 12'000, 10);
  for (const auto& u : later)
    for (const auto& r : u.records()) CHECK_FALSE(r.has_panic());

  SECTION("a PanicAck for another epoch does not stop the re-sends") {
    auto w = makeVehicle(b);
    w.start(kT0);
    run(w, kT0, 3);
    ack.mutable_panic_ack()->set_epoch(76);
    w.onCommand(ack.SerializeAsString(), kT0 + 3000);
    CHECK_FALSE(w.panics()[0].acked);
    CHECK(w.stats().panic_acks_unknown == 1);
  }
}

TEST_CASE("commands are answered with CommandAck records", "[sim][vehicle]") {
  auto v = makeVehicle();
  v.start(kT0);
  run(v, kT0, 1);
  auto ackOf = [&](const v1::Command& c, std::int64_t now) {
    const bool resync = v.onCommand(c.SerializeAsString(), now);
    auto sent = run(v, now, 1);
    for (const auto& u : sent)
      for (const auto& r : u.records())
        if (r.has_command_ack() && r.command_ack().command_id() == c.command_id())
          return std::make_pair(resync, r.command_ack());
    FAIL("no ack for " << c.command_id());
    return std::make_pair(resync, v1::CommandAck{});
  };
  v1::Command ping;
  ping.set_command_id("c-ping");
  ping.mutable_ping()->set_sent_at_ms(kT0);
  CHECK(ackOf(ping, kT0 + 1000).second.status() == v1::ACK_STATUS_ACCEPTED);

  v1::Command resync;
  resync.set_command_id("c-resync");
  resync.mutable_resync();
  auto [asked, a2] = ackOf(resync, kT0 + 2000);
  CHECK(asked);
  CHECK(a2.status() == v1::ACK_STATUS_ACCEPTED);

  v1::Command cfg;
  cfg.set_command_id("c-cfg");
  (*cfg.mutable_config_update()->mutable_set())["report.moving_interval"] = "2s";
  cfg.mutable_config_update()->set_expected_config_hash("ffffffffffffffff");
  auto rejected = ackOf(cfg, kT0 + 3000).second;
  CHECK(rejected.status() == v1::ACK_STATUS_REJECTED);
  CHECK_THAT(rejected.detail(), Catch::Contains("expected ffffffffffffffff"));
  cfg.set_command_id("c-cfg2");
  cfg.mutable_config_update()->set_expected_config_hash(rejected.config_hash());
  auto accepted = ackOf(cfg, kT0 + 4000).second;
  CHECK(accepted.status() == v1::ACK_STATUS_ACCEPTED);
  CHECK(accepted.config_hash() != rejected.config_hash());

  v1::Command expired;
  expired.set_command_id("c-old");
  expired.set_expires_at_ms(kT0);
  expired.mutable_ping();
  CHECK(ackOf(expired, kT0 + 5000).second.status() == v1::ACK_STATUS_REJECTED);

  CHECK_FALSE(v.onCommand("\xff\xff garbage", kT0 + 6000));
  CHECK(v.stats().commands_malformed == 1);
  CHECK(v.stats().commands_accepted == 3);
  CHECK(v.stats().commands_rejected == 2);
}

TEST_CASE("clock skew moves the board's timestamps but not GPS time", "[sim][vehicle]") {
  VehicleBehaviour b;
  b.clock_skew_ms = -90'000;
  auto v = makeVehicle(b);
  v.start(kT0);
  auto sent = run(v, kT0, 1);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].records(0).has_duty());
  CHECK(sent[0].records(0).time_ms() == kT0 - 90'000);
  CHECK(sent[0].records(0).time_source() == v1::TIME_SOURCE_SYSTEM);
  CHECK(sent[0].records(1).time_ms() == kT0);
  CHECK(sent[0].sent_at_ms() == kT0 - 90'000);
  v1::VehicleState st;
  REQUIRE(st.ParseFromString(v.statePayload(v1::VehicleState::CONNECTION_ONLINE, kT0)));
  CHECK(st.at_ms() == kT0 - 90'000);
  CHECK(st.connection() == v1::VehicleState::CONNECTION_ONLINE);
}

TEST_CASE("a vehicle back after a long time offline holds the whole gap as historical backlog", "[sim][vehicle]") {
  VehicleBehaviour b;
  b.backlog_batch = 500;
  auto v = makeVehicle(b);
  const std::int64_t offline_ms = 3'600'000;
  v.start(kT0, offline_ms);
  // Log-in plus one position per second of the hour, none sent yet.
  CHECK(v.lastSeq() == 3601);
  CHECK(v.queuedRecords() == 3601);
  std::vector<OutMessage> out;
  v.collect(kT0, true, 100, out);
  std::uint64_t next = 1;
  std::int64_t first_time = 0, last_time = 0;
  for (const auto& m : out) {
    const auto u = decode(m);
    CHECK(u.historical());
    CHECK(u.records_size() <= 500);
    for (const auto& r : u.records()) {
      CHECK(r.seq() == next++);
      if (r.has_position()) {
        if (first_time == 0) first_time = r.time_ms();
        last_time = r.time_ms();
      }
    }
    v.acked(m.send_id, m.first_seq, m.last_seq);
  }
  CHECK(next == 3602);
  CHECK(first_time == kT0 - offline_ms);
  CHECK(last_time == kT0 - 1000);
  CHECK(v.drained());
  // Live again: the next fix is the present, numbered after the backlog.
  const auto live = run(v, kT0, 1);
  REQUIRE(live.size() == 1);
  CHECK_FALSE(live[0].historical());
  CHECK(live[0].records(0).seq() == 3602);
}
