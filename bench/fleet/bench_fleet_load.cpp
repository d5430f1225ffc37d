// bench_fleet_load: end-to-end ingest and latency under load. For each fleet size, a fresh Mosquitto and
// fleetlink-hub (rules on, SQLite history), fleetlink-sim driving N vehicles at 1 Hz, one dispatcher WebSocket
// client watching 50 of them, and a panic pressed every 2 s on a vehicle of its own. Prints and stores in JSON:
// records/s offered, accepted and stored; CPU and RSS of hub, broker and simulator; position latency
// (simulator publish -> WebSocket client) and panic press -> dispatcher alert, p50/p95/p99/max.
//   bench_fleet_load [--vehicles 1000,5000,10000,20000] [--measure 30] [--json FILE] [--smoke]
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench/fleet/bench_args.hpp"
#include "bench/fleet/fleet_stack.hpp"
#include "bench/fleet/latency_stats.hpp"
#include "bench/fleet/ws_fleet_clients.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/v1/fleetlink.pb.h"
#include "support/mqtt_probe.hpp"

using namespace fleetlink;
using namespace fleetlink::bench;
using json = nlohmann::json;

namespace {

constexpr int kWatched = 50;
constexpr int kConnectRate = 1000;
constexpr int kWarmS = 8;

std::string lastProgress(const std::string& log) {
  const auto at = log.rfind("fleetlink-sim: t=");
  if (at == std::string::npos) return "(none)";
  return log.substr(at, log.find('\n', at) - at);
}

// Connections the simulator opened (it carries several vehicles per connection past 15,000).
int simConnections(const std::string& log) {
  const auto at = log.find(" MQTT connection");
  const auto on = log.rfind(" on ", at);
  if (at == std::string::npos || on == std::string::npos) return 0;
  return std::atoi(log.c_str() + on + 4);
}

// Vehicles the simulator's last progress line reports as started on a connection that is up.
int simConnected(const std::string& log) {
  const auto at = log.rfind(" vehicles=");
  if (at == std::string::npos) return 0;
  int started = 0, total = 0;
  if (std::sscanf(log.c_str() + at, " vehicles=%d/%d", &started, &total) != 2) return 0;
  const auto conn = log.find("connections=", at);
  int up = 0, conns = 0;
  if (conn == std::string::npos || std::sscanf(log.c_str() + conn, "connections=%d/%d", &up, &conns) != 2) return 0;
  return up == conns ? started : 0;
}

std::string vehicleId(int i, int fleet_size) {
  const int width = std::max(5, static_cast<int>(std::to_string(fleet_size).size()));
  std::string n = std::to_string(i);
  return "v-" + std::string(static_cast<std::size_t>(width) - std::min<std::size_t>(n.size(), width), '0') + n;
}

std::string panicUplink(const std::string& vehicle, std::int64_t at_ms) {
  v1::Uplink u;
  u.set_fleet_id("bench");
  u.set_vehicle_id(vehicle);
  u.set_device_id("dev-" + vehicle);
  u.set_sent_at_ms(at_ms);
  auto* r = u.add_records();
  r->set_seq(1);
  r->set_epoch(1);
  r->set_time_ms(at_ms);
  r->set_time_source(v1::TIME_SOURCE_GPS);
  auto* p = r->mutable_panic();
  p->set_source(v1::PANIC_SOURCE_GPIO);
  p->set_pressed_at_ms(at_ms);
  p->mutable_last_position()->set_lat(52.37);
  p->mutable_last_position()->set_lon(4.89);
  return u.SerializeAsString();
}

double pct(double cpu_s, double wall_s) { return wall_s > 0 ? 100.0 * cpu_s / wall_s : 0; }

json runLevel(const Binaries& bins, int vehicles, int measure_s, bool& ok) {
  FleetStack stack(bins, {});
  const int panics = measure_s / 2;
  json sub = {{"type", "subscribe"}, {"fleets", {"bench"}}, {"kinds", {"position", "alert"}}};
  for (int i = 1; i <= std::min(kWatched, vehicles); ++i) sub["vehicles"].push_back(vehicleId(i, vehicles));
  for (int k = 1; k <= panics; ++k) sub["vehicles"].push_back("panic-" + std::to_string(k));
  WsFleetClients ws({WsFleetClients::Peer::Hub, stack.webPort(), 1, stack.token(), sub.dump(), "", 100});
  ws.start();
  if (!ws.waitReady(std::chrono::seconds(10))) throw std::runtime_error("dispatcher client: " + ws.lastError());

  auto sim = stack.startSim({"--fleet", "bench", "--vehicles", std::to_string(vehicles), "--vehicle-prefix", "v",
                             "--rate-hz", "1", "--connect-rate", std::to_string(kConnectRate), "--progress", "1s",
                             "--duration", "3600s", "--report", stack.dir() + "/sim-report.json"});
  // Measure only once every connection is up: under load the broker accepts more slowly than the simulator
  // offers connections, and a window that overlaps the ramp-up measures the ramp-up.
  const auto r0 = std::chrono::steady_clock::now();
  const bool all_up = test::waitUntil([&] { return simConnected(sim.logText()) >= vehicles || !sim.running(); },
                                      std::chrono::seconds(240));
  const double ramp_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();
  if (!all_up || !sim.running())
    throw std::runtime_error("the simulator did not connect every vehicle within 240 s; its last progress line: " +
                             lastProgress(sim.logText()));
  std::printf("  %d vehicles: all connected after %.1f s; warm-up %d s, then %d s measured\n", vehicles, ramp_s,
              kWarmS, measure_s);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(kWarmS));

  test::MqttProbe panic_pub("tcp://127.0.0.1:" + std::to_string(stack.brokerPort()), {}, "bench-panic");
  (void)ws.takeLatencies();
  const auto stored0 = stack.hubMetric("fleetlink_hub_store_records_total", "result=\"inserted\"").value_or(-1);
  const auto accepted0 = stack.hubMetric("fleetlink_hub_ingest_records_total", "result=\"accepted\"").value_or(-1);
  const auto hub0 = readProcStat(stack.hubPid()), broker0 = readProcStat(stack.brokerPid()),
             sim0 = readProcStat(sim.pid());
  const auto machine0 = readMachineCpu();
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t hub_rss_max = 0, broker_rss_max = 0;
  for (int s = 0; s < measure_s; ++s) {
    if (s % 2 == 0 && s / 2 < panics) {
      const std::string v = "panic-" + std::to_string(s / 2 + 1);
      const auto at = wallMs();
      ws.notePanic(v, at);
      panic_pub.publish(topics::vehicleUp("bench", v), panicUplink(v, at), 1);
    }
    std::this_thread::sleep_until(t0 + std::chrono::seconds(s + 1));
    hub_rss_max = std::max(hub_rss_max, readProcStat(stack.hubPid()).rss_kib);
    broker_rss_max = std::max(broker_rss_max, readProcStat(stack.brokerPid()).rss_kib);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto stored1 = stack.hubMetric("fleetlink_hub_store_records_total", "result=\"inserted\"").value_or(-1);
  const auto accepted1 = stack.hubMetric("fleetlink_hub_ingest_records_total", "result=\"accepted\"").value_or(-1);
  const auto queue = stack.hubMetric("fleetlink_hub_ingest_queue_depth").value_or(-1);
  const auto hub1 = readProcStat(stack.hubPid()), broker1 = readProcStat(stack.brokerPid()),
             sim1 = readProcStat(sim.pid());
  const auto machine1 = readMachineCpu();
  const auto lat = summarize(ws.takeLatencies());
  // Late alerts still count: give the last presses a few seconds.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const auto alerts = summarize(ws.takeAlertLatencies());
  sim.stop(std::chrono::seconds(30));

  const double offered = vehicles * 1.0;
  const double stored_rate = (stored1 - stored0) / wall, accepted_rate = (accepted1 - accepted0) / wall;
  const double hub_cpu = pct(hub1.cpu_s - hub0.cpu_s, wall), broker_cpu = pct(broker1.cpu_s - broker0.cpu_s, wall),
               sim_cpu = pct(sim1.cpu_s - sim0.cpu_s, wall);
  const double machine_busy = machine1.total > machine0.total
                                  ? 100.0 * static_cast<double>(machine1.busy - machine0.busy) /
                                        static_cast<double>(machine1.total - machine0.total)
                                  : 0;
  // Saturated: the hub stores clearly less than the fleet offers (health records add ~1/60 on top).
  const bool saturated = accepted_rate < 0.95 * offered;
  std::string limit = "none";
  if (saturated) {
    if (broker_cpu >= 85) limit = "broker CPU (Mosquitto is single-threaded)";
    else if (hub_cpu >= 85) limit = "hub CPU";
    else if (sim_cpu >= 85) limit = "simulator CPU";
    else if (machine_busy >= 90) limit = "machine CPU (2 cores shared by hub, broker, simulator and other work)";
    else limit = "unclear (no process at a full core)";
  }
  std::printf("  offered %.0f records/s; accepted %.0f/s, stored %.0f/s; queue %.0f\n"
              "  hub CPU %.0f%% RSS %.1f MiB (max %.1f); broker CPU %.0f%% RSS %.1f MiB (max %.1f); sim CPU %.0f%%; "
              "machine busy %.0f%% of 2 cores\n"
              "  position latency ms: p50 %.0f p95 %.0f p99 %.0f max %.0f (n=%zu); panic -> alert ms: p50 %.0f p95 %.0f "
              "max %.0f (n=%zu of %d)\n  saturated: %s%s\n",
              offered, accepted_rate, stored_rate, queue, hub_cpu, hub1.rss_kib / 1024.0, hub_rss_max / 1024.0,
              broker_cpu, broker1.rss_kib / 1024.0, broker_rss_max / 1024.0, sim_cpu, machine_busy, lat.p50, lat.p95,
              lat.p99, lat.max, lat.count, alerts.p50, alerts.p95, alerts.max, alerts.count, panics,
              saturated ? "yes, limit: " : "no", saturated ? limit.c_str() : "");
  std::fflush(stdout);
  ok = lat.count > 0 && alerts.count > 0 && accepted_rate > 0;
  return {{"vehicles", vehicles},
          {"connections", simConnections(sim.logText())},
          {"ramp_s", ramp_s},
          {"measure_s", wall},
          {"offered_records_per_s", offered},
          {"accepted_records_per_s", accepted_rate},
          {"stored_records_per_s", stored_rate},
          {"ingest_queue_depth", queue},
          {"hub", {{"cpu_pct", hub_cpu}, {"rss_mib", hub1.rss_kib / 1024.0}, {"rss_max_mib", hub_rss_max / 1024.0}}},
          {"broker",
           {{"cpu_pct", broker_cpu}, {"rss_mib", broker1.rss_kib / 1024.0}, {"rss_max_mib", broker_rss_max / 1024.0}}},
          {"simulator", {{"cpu_pct", sim_cpu}}},
          {"machine_busy_pct", machine_busy},
          {"position_latency", lat.toJson()},
          {"panic_to_alert", alerts.toJson()},
          {"panics_pressed", panics},
          {"saturated", saturated},
          {"limit", limit}};
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures reach a log even when a run is cut short
  try {
    const auto args = parseArgs(argc, argv);
    const bool smoke = args.count("--smoke") > 0;
    const auto bins = Binaries::fromArgs(args);
    std::vector<int> levels;
    std::stringstream ls(argOr(args, "--vehicles", smoke ? "200" : "1000,5000,10000,20000"));
    for (std::string x; std::getline(ls, x, ',');) levels.push_back(std::stoi(x));
    const int measure = std::stoi(argOr(args, "--measure", smoke ? "8" : "30"));
    std::printf("bench_fleet_load: simulator -> Mosquitto -> fleetlink-hub (rules, SQLite) -> WebSocket, 1 Hz\n");
    json results = json::array();
    bool all_ok = true;
    for (int n : levels) {
      bool ok = false;
      try {
        results.push_back(runLevel(bins, n, measure, ok));
      } catch (const std::exception& e) {
        // One level that cannot run (e.g. the broker did not take every connection in time) is a result too;
        // the others still run.
        std::printf("  %d vehicles: not measured: %s\n", n, e.what());
        results.push_back({{"vehicles", n}, {"error", e.what()}});
      }
      all_ok = all_ok && ok;
    }
    const json out = {{"benchmark", "fleet_load"}, {"smoke", smoke}, {"levels", results}};
    if (const auto path = argOr(args, "--json", ""); !path.empty()) {
      std::ofstream(path) << out.dump(2) << "\n";
      std::printf("bench_fleet_load: results written to %s\n", path.c_str());
    }
    // A run without a single latency sample or alert measured nothing: fail it.
    if (!all_ok) {
      std::fprintf(stderr, "bench_fleet_load: a level produced no position latency, no alert or no ingest\n");
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_fleet_load: %s\n", e.what());
    return 1;
  }
}
