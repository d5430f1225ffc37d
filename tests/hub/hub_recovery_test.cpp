// Integration: the real fleetlink-hub killed with SIGKILL asks, once restarted, each vehicle it hears from to
// re-send what the broker confirmed shortly before the kill; after a clean stop it asks nothing.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "fleetlink/common/topics.hpp"
#include "hub_fixture.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace std::chrono_literals;

namespace {

// Rows in the history file, read as any other SQLite client would (the hub is another process).
std::int64_t storedPositions(const std::string& path) {
  sqlite3* db = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 1000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM positions", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

std::vector<v1::Command> resyncs(const std::vector<Received>& msgs) {
  std::vector<v1::Command> out;
  for (const auto& m : msgs) {
    v1::Command c;
    if (c.ParseFromString(m.payload) && c.has_resync()) out.push_back(c);
  }
  return out;
}

bool hubOnline(const std::vector<Received>& msgs) {
  if (msgs.empty()) return false;
  v1::VehicleState s;
  return s.ParseFromString(msgs.back().payload) && s.connection() == v1::VehicleState::CONNECTION_ONLINE;
}

}  // namespace

TEST_CASE("a hub killed with SIGKILL asks each vehicle once to re-send, a cleanly stopped one does not",
          "[hub][integration][recovery]") {
  Broker broker;
  TempDir dir("fleetlink-hub-recovery");
  dir.write("hub.toml", "[hub]\ninstance = \"rec\"\ndata_dir = \"" + dir.file("data") + "\"\n[mqtt]\nhost = \"127.0.0.1\"\n" +
                            "port = " + std::to_string(broker.port()) + "\n[web]\naddress = \"127.0.0.1\"\nport = " +
                            std::to_string(freePort()) + "\njwt_secret = \"recovery-test-secret-0123456789\"\n");
  const std::string history = dir.file("data/history.db");
  MqttProbe hub_state(broker.uri(), {topics::hubState("rec")});
  MqttProbe vehicle(broker.uri(), {topics::vehicleCmd("acme", "v1")});
  const std::string up = topics::vehicleUp("acme", "v1");
  int starts = 0;
  auto startHub = [&] {
    hub_state.clear();
    Process p({binary("fleetlink-hub"), "--config", dir.file("hub.toml")}, dir.file("hub-" + std::to_string(++starts) + ".log"));
    if (!hub_state.waitFor(hubOnline, 30s)) FAIL("the hub did not come online:\n" << p.logText());
    return p;
  };
  std::uint64_t seq = 0;
  auto publishAndStore = [&](Process& hub) {
    ++seq;
    vehicle.publish(up, uplink("acme", "v1", {positionRecord(seq, nowMs() - 1000, 52.0, 5.0, 3)}, "b1"));
    if (!waitUntil([&] { return storedPositions(history) == static_cast<std::int64_t>(seq); }, 20s))
      FAIL("record " << seq << " not stored:\n" << hub.logText());
  };

  auto hub = startHub();
  publishAndStore(hub);
  CHECK(resyncs(vehicle.messages()).empty());  // a first run has nothing to recover

  hub.kill9();
  hub = startHub();
  publishAndStore(hub);
  if (!vehicle.waitFor([](const auto& m) { return !resyncs(m).empty(); }, 20s))
    FAIL("no resync command after the restart:\n" << hub.logText());
  const auto asked = resyncs(vehicle.messages());
  REQUIRE(asked.size() == 1);
  // Back to at least the margin before the last liveness marker, which is at most a few seconds old.
  CHECK(asked[0].resync().resend_window_ms() >= 30'000);
  CHECK(asked[0].resync().resend_window_ms() < 120'000);
  CHECK(asked[0].expires_at_ms() > asked[0].issued_at_ms());
  CHECK(asked[0].issued_by() == "hub");
  publishAndStore(hub);  // heard again: not asked again
  CHECK(resyncs(vehicle.messages()).size() == 1);

  REQUIRE(hub.stop(10s) == 0);
  hub = startHub();
  publishAndStore(hub);
  CHECK(resyncs(vehicle.messages()).size() == 1);  // a clean stop leaves nothing to recover
  hub.stop(10s);
}
