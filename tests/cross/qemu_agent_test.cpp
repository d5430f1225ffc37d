// Cross-built programs on the build machine through qemu-user (this test program is itself a target program run
// by ctest through CMAKE_CROSSCOMPILING_EMULATOR): the aarch64 agent publishes a real fix from a real gpsd
// through a real broker, and it links only target libraries.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "elf_check.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/common/wire.hpp"
#include "support/broker.hpp"
#include "support/gps_feed.hpp"
#include "support/mqtt_probe.hpp"
#include "support/proc_stat.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace std::chrono_literals;

namespace {

// CMAKE_CROSSCOMPILING_EMULATOR, e.g. "qemu-aarch64 -L /": target programs are started through it explicitly
// (binfmt_misc is not assumed).
std::vector<std::string> emulator() {
  std::vector<std::string> out;
  std::stringstream s(FLEETLINK_CROSS_EMULATOR);
  for (std::string part; s >> part;) out.push_back(part);
  return out;
}

// Fixes in an NMEA log (GGA sentences with a fix), in degrees: the published positions must be among them.
std::vector<std::pair<double, double>> ggaFixes(const std::string& path) {
  std::vector<std::pair<double, double>> out;
  std::ifstream in(path);
  auto degrees = [](const std::string& v, const std::string& hemi, int deg_digits) {
    if (v.size() < static_cast<std::size_t>(deg_digits) + 2) return 0.0;
    const double d = std::stod(v.substr(0, deg_digits)) + std::stod(v.substr(deg_digits)) / 60.0;
    return (hemi == "S" || hemi == "W") ? -d : d;
  };
  for (std::string line; std::getline(in, line);) {
    if (line.size() < 7 || line.compare(3, 3, "GGA") != 0) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string part; std::getline(ss, part, ',');) f.push_back(part);
    if (f.size() < 7 || f[6].empty() || f[6] == "0" || f[2].empty() || f[4].empty()) continue;
    out.emplace_back(degrees(f[2], f[3], 2), degrees(f[4], f[5], 3));
  }
  return out;
}

}  // namespace

TEST_CASE("cross qemu 01: the cross-built agent publishes a real fix through a real broker", "[cross][qemu]") {
  Broker broker;
  GpsFake gps({sharedPath("data/nmea/haicom-305N.log"), 0.1, /*once=*/false});
  MqttProbe probe(broker.uri(), {topics::vehicleUp("cross", "arm-1"), topics::vehicleState("cross", "arm-1")});
  TempDir data("fleetlink-cross-agent");

  auto argv = emulator();
  for (const auto& a : std::vector<std::string>{
           binary("fleetlink-edge"), "--config", sourcePath("firmware-config/profiles/x86-testrig.toml"),
           "--device.fleet=cross", "--device.vehicle=arm-1", "--device.data_dir=" + data.path(),
           "--gps.port=" + std::to_string(gps.port()), "--mqtt.port=" + std::to_string(broker.port()),
           "--report.min_interval=0s", "--report.moving_interval=500ms", "--log.level=info"})
    argv.push_back(a);
  Process agent(argv, data.file("agent.log"));

  const bool got_fix = probe.waitFor(
      [](const std::vector<Received>& msgs) {
        for (const auto& m : msgs) {
          if (m.topic.size() < 3 || m.topic.compare(m.topic.size() - 3, 3, "/up") != 0) continue;
          auto up = wire::decodeUplink(m.payload);
          if (!up) continue;
          for (const auto& r : up->records())
            if (r.has_position()) return true;
        }
        return false;
      },
      120s);
  if (!got_fix) {
    // What each part did, short enough to survive a log excerpt: the agent (running? busy?), the broker's
    // messages and gpsd.
    std::map<std::string, int> topics_seen;
    for (const auto& m : probe.messages()) ++topics_seen[m.topic];
    std::string seen;
    for (const auto& [t, n] : topics_seen) seen += " " + t + " x" + std::to_string(n);
    const std::string gps_log = gps.log();
    UNSCOPED_INFO("agent " << (agent.running() ? "running" : "exited") << ", CPU " << readProcStat(agent.pid()).cpu_s
                           << " s; probe saw:" << (seen.empty() ? " nothing" : seen) << "; gpsfake "
                           << (gps.running() ? "running" : "exited") << ", its log: "
                           << gps_log.substr(0, std::min<std::size_t>(gps_log.size(), 300)));
    UNSCOPED_INFO("agent " << agent.logDigest());
  }
  REQUIRE(got_fix);

  const auto log_fixes = ggaFixes(sharedPath("data/nmea/haicom-305N.log"));
  REQUIRE_FALSE(log_fixes.empty());
  bool checked = false;
  for (const auto& m : probe.messages()) {
    if (m.topic != topics::vehicleUp("cross", "arm-1")) continue;
    auto up = wire::decodeUplink(m.payload);
    REQUIRE(up.ok());
    CHECK(up->fleet_id() == "cross");
    CHECK(up->vehicle_id() == "arm-1");
    for (const auto& r : up->records()) {
      if (!r.has_position()) continue;
      // A fix the receiver really reported (within ~50 m of one of the log's GGA positions), not zeros.
      const double lat = r.position().lat(), lon = r.position().lon();
      const bool in_log = std::any_of(log_fixes.begin(), log_fixes.end(), [&](const auto& f) {
        return std::abs(f.first - lat) < 0.0005 && std::abs(f.second - lon) < 0.0005;
      });
      INFO(lat << "," << lon);
      CHECK(in_log);
      CHECK(r.seq() >= 1);
      checked = true;
    }
  }
  CHECK(checked);

  // Memory of the emulated agent (qemu's own footprint included) and the binary size, for docs/deployment.md.
  const auto mem = readProcStat(agent.pid());
  const auto rss = mem.rss_kib, hwm = mem.peak_rss_kib;
  const auto size = std::filesystem::file_size(binary("fleetlink-edge"));
  WARN("fleetlink-edge (" FLEETLINK_CROSS_DEBARCH ", unstripped " << size / 1024 << " KiB) under " << argv[0]
                                                 << ": VmRSS " << rss << " kB, VmHWM " << hwm << " kB after its first fix");
  CHECK(rss > 0);
  CHECK(agent.stop(10s) == 0);
}

TEST_CASE("cross qemu 02: the cross-built programs link only target libraries", "[cross][qemu]") {
  for (const char* name : {"fleetlink-edge", "fleetlinkctl"}) {
    INFO(name);
    const auto elf = cross::readElf(binary(name));
    CHECK(elf.machine == FLEETLINK_CROSS_ELF_MACHINE);
    for (const auto& lib : cross::resolveNeeded(elf, FLEETLINK_CROSS_TRIPLET)) {
      INFO(lib.soname << " -> " << lib.path);
      CHECK_FALSE(lib.path.empty());
      CHECK(lib.machine == FLEETLINK_CROSS_ELF_MACHINE);
    }
  }
  // The agent's wire schema is built on the lite protobuf runtime (about 1.3 MiB less resident memory).
  const auto agent = cross::readElf(binary("fleetlink-edge"));
  const auto links = [&](std::string_view prefix) {
    return std::any_of(agent.needed.begin(), agent.needed.end(),
                       [&](const std::string& so) { return so.rfind(prefix, 0) == 0; });
  };
  CHECK(links("libprotobuf-lite.so."));
  CHECK_FALSE(links("libprotobuf.so."));
  // libgps is in the binary (its D-Bus part left out), so neither libdbus nor libsystemd is loaded (1.1 MiB).
  for (const char* so : {"libgps.so.", "libdbus-1.so.", "libsystemd.so."}) {
    INFO(so);
    CHECK_FALSE(links(so));
  }

  std::ifstream cache(std::string(FLEETLINK_BINARY_DIR) + "/CMakeCache.txt");
  for (std::string line; std::getline(cache, line);) {
    if (line.empty() || line[0] == '#' || line.find("_LIBRARY") == std::string::npos) continue;
    INFO(line);
    CHECK(line.find("/x86_64-linux-gnu/") == std::string::npos);
  }
}
