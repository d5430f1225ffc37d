// bench_fleet_drain: a vehicle comes back after 24 h offline at 1 Hz (86,400 position records buffered) and
// sends its backlog as historical batches through Mosquitto while it keeps reporting live; measured: the time
// from the simulator's start until the hub's SQLite history holds every one of those records.
//   bench_fleet_drain [--offline 24h] [--json FILE] [--smoke]   (--smoke: 1 h offline, 3,600 records)
#include <sqlite3.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench/fleet/bench_args.hpp"
#include "bench/fleet/fleet_stack.hpp"
#include "fleetlink/common/config.hpp"

using namespace fleetlink;
using namespace fleetlink::bench;
using json = nlohmann::json;

namespace {

// Positions of the gap in the history (seq 1 is the driver log-in, seqs 2..records+1 the gap's positions).
long long gapRecordsStored(const std::string& db_path, long long records) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_timeout(db, 2000);
  long long n = -1;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM positions WHERE vehicle = 'v-00001' AND seq BETWEEN 2 AND ?", -1,
                         &st, nullptr) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, records + 1);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures reach a log even when a run is cut short
  try {
    const auto args = parseArgs(argc, argv);
    const bool smoke = args.count("--smoke") > 0;
    const std::string offline = argOr(args, "--offline", smoke ? "1h" : "24h");
    const auto offline_ms = config::parseDurationMs(offline);
    if (!offline_ms || *offline_ms < 1000) throw std::invalid_argument("--offline expects a duration such as 24h");
    const long long records = *offline_ms / 1000;
    const int timeout_s = std::stoi(argOr(args, "--timeout", smoke ? "25" : "600"));
    std::printf("bench_fleet_drain: one vehicle back after %s offline at 1 Hz (%lld records) -> Mosquitto -> "
                "fleetlink-hub -> SQLite\n",
                offline.c_str(), records);
    FleetStack stack(Binaries::fromArgs(args), {});
    const auto t0 = std::chrono::steady_clock::now();
    auto sim = stack.startSim({"--fleet", "bench", "--vehicles", "1", "--vehicle-prefix", "v", "--rate-hz", "1",
                               "--health-every", "0", "--offline-before", offline, "--duration",
                               std::to_string(timeout_s + 30) + "s", "--progress", "5s"});
    long long stored = 0;
    double first_s = -1;
    std::uint64_t hub_rss_max = 0;
    const auto hub0 = readProcStat(stack.hubPid()), broker0 = readProcStat(stack.brokerPid());
    while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(timeout_s)) {
      stored = gapRecordsStored(stack.historyDb(), records);
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (stored > 0 && first_s < 0) first_s = t;
      hub_rss_max = std::max(hub_rss_max, readProcStat(stack.hubPid()).rss_kib);
      if (stored >= records) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto hub1 = readProcStat(stack.hubPid()), broker1 = readProcStat(stack.brokerPid());
    sim.stop(std::chrono::seconds(20));
    const bool complete = stored >= records;
    std::printf("  %s: %lld of %lld records in the hub's history after %.1f s (first after %.1f s): %.0f records/s\n"
                "  hub CPU %.1f s, RSS max %.1f MiB; broker CPU %.1f s\n",
                complete ? "complete" : "INCOMPLETE", stored, records, elapsed, first_s,
                static_cast<double>(stored) / elapsed, hub1.cpu_s - hub0.cpu_s, hub_rss_max / 1024.0,
                broker1.cpu_s - broker0.cpu_s);
    const json out = {{"benchmark", "fleet_drain"},
                      {"smoke", smoke},
                      {"offline", offline},
                      {"records", records},
                      {"stored", stored},
                      {"complete", complete},
                      {"seconds_until_complete", elapsed},
                      {"seconds_until_first", first_s},
                      {"records_per_s", static_cast<double>(stored) / elapsed},
                      {"hub_cpu_s", hub1.cpu_s - hub0.cpu_s},
                      {"hub_rss_max_mib", hub_rss_max / 1024.0},
                      {"broker_cpu_s", broker1.cpu_s - broker0.cpu_s}};
    if (const auto path = argOr(args, "--json", ""); !path.empty()) {
      std::ofstream(path) << out.dump(2) << "\n";
      std::printf("bench_fleet_drain: results written to %s\n", path.c_str());
    }
    if (!complete) std::fprintf(stderr, "bench_fleet_drain: the backlog did not reach the history within %d s\n%s\n",
                                timeout_s, stack.hubLog().substr(0, 4000).c_str());
    return complete ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_fleet_drain: %s\n", e.what());
    return 1;
  }
}
