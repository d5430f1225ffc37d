// Device health published periodically by the real agent: buffer, disk, CPU temperature, uptime, GPS state.
#include <catch2/catch.hpp>

#include <sys/statvfs.h>

#include <set>
#include <thread>

#include "edge_harness.hpp"
#include "fleetlink/common/topics.hpp"
#include "support/broker.hpp"
#include "support/ports.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace fleetlink::test::edge;
using namespace std::chrono_literals;

namespace {
std::vector<v1::DeviceHealth> healthIn(const std::vector<Received>& msgs) {
  std::vector<v1::DeviceHealth> out;
  for (const auto& s : uplinkRecords(msgs))
    if (s.record.has_health()) out.push_back(s.record.health());
  return out;
}
}  // namespace

TEST_CASE("13 device health is published periodically with disk free, CPU temperature, uptime and GPS state",
          "[edge][integration][health]") {
  TempDir tmp("edge-it13");
  // A thermal zone file in the kernel's format (millidegrees Celsius).
  tmp.write("thermal_temp", "47500\n");
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp("test", "van-13")});
  EdgeAgent agent({"test", "van-13", tmp.file("data"), freePort(), broker.port(),
                   {"--health.interval=1s", "--health.thermal_zone=" + tmp.file("thermal_temp")}});
  agent.start();
  REQUIRE(probe.waitFor([](const std::vector<Received>& m) { return healthIn(m).size() >= 3; }, 15s));
  const auto hs = healthIn(probe.messages());
  const auto& h = hs.back();
  REQUIRE(h.has_cpu_temp_c());
  CHECK(h.cpu_temp_c() == Approx(47.5));
  struct statvfs fs {};
  REQUIRE(::statvfs(tmp.path().c_str(), &fs) == 0);
  const double free_now = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
  CHECK(static_cast<double>(h.disk_free_bytes()) == Approx(free_now).epsilon(0.05));
  CHECK(h.gps_state() == v1::GPS_STATE_NO_GPSD);  // no gpsd on that port: the health flag says so
  CHECK(h.uptime_s() >= 1);
  CHECK(h.uptime_s() >= hs.front().uptime_s());
  CHECK_FALSE(h.agent_version().empty());
  CHECK(h.config_hash() == agent.status()["config_hash"].get<std::string>());
  CHECK(h.dropped_records() == 0);

  // Without a thermal zone the field is absent rather than zero. A new outbox and this run's boot id, so nothing
  // left from the first run counts.
  std::set<std::uint64_t> first_boots;
  for (const auto& r : uplinkRecords(probe.messages())) first_boots.insert(r.record.boot_id());
  agent.stop();
  EdgeAgent plain({"test", "van-13", tmp.file("data-plain"), freePort(), broker.port(),
                   {"--health.interval=1s", "--health.thermal_zone=" + tmp.file("no-such-zone")}});
  plain.start();
  auto secondRun = [&](const std::vector<Received>& m) {
    std::vector<v1::DeviceHealth> out;
    for (const auto& r : uplinkRecords(m))
      if (r.record.has_health() && !first_boots.count(r.record.boot_id())) out.push_back(r.record.health());
    return out;
  };
  REQUIRE(probe.waitFor([&](const std::vector<Received>& m) { return !secondRun(m).empty(); }, 10s));
  CHECK_FALSE(secondRun(probe.messages()).back().has_cpu_temp_c());
}
