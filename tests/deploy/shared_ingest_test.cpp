// Outgrowing one hub: two fleetlink-hub instances in the MQTT 5 shared subscription group split one broker's
// ingest (each message to exactly one of them), through the production broker with the hub's own account.
#include <catch2/catch.hpp>

#include <chrono>

#include "fleetlink/common/topics.hpp"
#include "fleetlink/v1/fleetlink.pb.h"
#include "production_broker.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace fleetlink::test::deploy;
using namespace std::chrono_literals;

namespace {

// Positions stored in a hub's history file (read with the sqlite3 tool; the hub keeps it in WAL mode).
long storedPositions(const std::string& db) {
  auto r = run({"sqlite3", "-readonly", db, "SELECT count(*) FROM positions"}, 10s);
  if (r.code != 0) return -1;
  try {
    return std::stol(r.output);
  } catch (const std::exception&) {
    return -1;
  }
}

std::string uplink(const std::string& fleet, const std::string& vehicle, std::uint64_t seq) {
  v1::Uplink up;
  up.set_fleet_id(fleet);
  up.set_vehicle_id(vehicle);
  up.set_device_id("board-" + vehicle);
  up.set_sent_at_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count());
  auto* r = up.add_records();
  r->set_seq(seq);
  r->set_epoch(7);
  r->set_boot_id(1);
  r->set_time_ms(up.sent_at_ms() - 60000 + static_cast<std::int64_t>(seq) * 1000);
  auto* p = r->mutable_position();
  p->set_lat(53.55 + seq * 1e-4);
  p->set_lon(9.99);
  p->set_speed_mps(10);
  p->set_fix_mode(v1::FIX_MODE_3D);
  p->set_satellites(9);
  return up.SerializeAsString();
}

}  // namespace

TEST_CASE("deploy 10: two hubs in one shared subscription group split the ingest", "[deploy][scaling]") {
  ProductionBroker broker({{"acme", {"truck-7", "van-2"}, {}}}, "password");
  AuthClient watch(broker.hub(), "watch-hubs");
  REQUIRE(watch.connect() == 0);
  REQUIRE(watch.subscribe("fl/v1/_hub/+/state") <= 1);

  TempDir a("fleetlink-hub-a"), b("fleetlink-hub-b");
  auto hub = [&](const std::string& instance, const TempDir& dir) {
    return Process({binary("fleetlink-hub"), "--hub.instance=" + instance, "--hub.data_dir=" + dir.path(),
                    "--mqtt.port=" + std::to_string(broker.localPort()), "--mqtt.username=fleetlink-hub",
                    "--mqtt.password=" + broker.hubPassword(), "--web.port=0", "--store.flush_interval=50ms",
                    "--mqtt.shared_group=fleetlink-hub"},
                   dir.file("hub.log"));
  };
  Process hub_a = hub("hub-a", a);
  Process hub_b = hub("hub-b", b);
  // Both are subscribed once their birth is out.
  const bool born = watch.waitForTopic(topics::hubState("hub-a"), 20s) && watch.waitForTopic(topics::hubState("hub-b"), 20s);
  INFO(hub_a.logText());
  INFO(hub_b.logText());
  REQUIRE(born);

  constexpr int kMessages = 60;
  AuthClient truck(broker.vehicleWithPassword("acme", "truck-7"), "edge-acme-truck-7");
  AuthClient van(broker.vehicleWithPassword("acme", "van-2"), "edge-acme-van-2");
  REQUIRE(truck.connect() == 0);
  REQUIRE(van.connect() == 0);
  for (int i = 1; i <= kMessages / 2; ++i) {
    REQUIRE(truck.publish(topics::vehicleUp("acme", "truck-7"), uplink("acme", "truck-7", i)) == 0);
    REQUIRE(van.publish(topics::vehicleUp("acme", "van-2"), uplink("acme", "van-2", i)) == 0);
  }

  long in_a = 0, in_b = 0;
  const bool all = waitUntil(
      [&] {
        in_a = storedPositions(a.file("history.db"));
        in_b = storedPositions(b.file("history.db"));
        return in_a + in_b >= kMessages;
      },
      30s);
  INFO("hub-a stored " << in_a << ", hub-b stored " << in_b);
  CHECK(all);
  // Every message went to exactly one hub, and both took a share of the load.
  CHECK(in_a + in_b == kMessages);
  CHECK(in_a > 0);
  CHECK(in_b > 0);
  WARN("shared subscription split " << kMessages << " uplinks: hub-a " << in_a << ", hub-b " << in_b);
}
