// bench_fleet_ws_peer: the hub's WebSocket fan-out side by side with what a user might pick instead, Mosquitto's
// own WebSocket listener, relaying the same simulated updates to the same number of clients on this machine.
// For each client count: fleetlink-sim drives V vehicles at 1 Hz; K clients subscribe to all of them on the hub
// (/ws, JSON events) and then K clients on Mosquitto (MQTT 5 over WebSocket, the raw Uplink). Measured per peer:
// server RSS per connection, server CPU, messages/s delivered, latency (simulator publish -> client) p50..max.
//   bench_fleet_ws_peer [--clients 1000,5000] [--vehicles 10] [--measure 20] [--json FILE] [--smoke]
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "bench/fleet/bench_args.hpp"
#include "bench/fleet/fleet_stack.hpp"
#include "bench/fleet/latency_stats.hpp"
#include "bench/fleet/ws_fleet_clients.hpp"

using namespace fleetlink;
using namespace fleetlink::bench;
using json = nlohmann::json;

namespace {

json measurePeer(FleetStack& stack, WsFleetClients::Peer peer, int clients, int vehicles, int measure_s, bool& ok) {
  const bool hub = peer == WsFleetClients::Peer::Hub;
  const pid_t server = hub ? stack.hubPid() : stack.brokerPid();
  const auto before = readProcStat(server);
  WsFleetClients::Options o;
  o.peer = peer;
  o.port = hub ? stack.webPort() : stack.brokerWsPort();
  o.clients = clients;
  o.token = stack.token();
  o.subscribe_json = R"({"type":"subscribe","fleets":["bench"],"kinds":["position"]})";
  o.mqtt_filter = "fl/v1/bench/v/+/up";
  o.connect_rate = 1000;
  WsFleetClients ws(o);
  const auto c0 = std::chrono::steady_clock::now();
  ws.start();
  const bool all = ws.waitReady(std::chrono::seconds(clients / 500 + 30));
  const double connect_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const auto connected = readProcStat(server);
  (void)ws.takeLatencies();
  const auto u0 = ws.updatesReceived();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(measure_s));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto u1 = ws.updatesReceived();
  const auto after = readProcStat(server);
  const auto lat = summarize(ws.takeLatencies());
  const int ready = ws.ready(), failed = ws.failed();
  const std::string err = ws.lastError();
  ws.stop();
  const double per_conn_kib =
      ready > 0 ? (static_cast<double>(connected.rss_kib) - static_cast<double>(before.rss_kib)) / ready : 0;
  const double rate = static_cast<double>(u1 - u0) / wall;
  const double expected = static_cast<double>(ready) * vehicles;
  const double cpu = 100.0 * (after.cpu_s - connected.cpu_s) / wall;
  std::printf("  %-22s %5d/%d clients (%d failed%s%s) in %.1f s; RSS +%.1f KiB/connection (%.1f -> %.1f MiB); "
              "CPU %.0f%%\n  %-22s delivered %.0f msgs/s of %.0f expected; latency ms p50 %.0f p95 %.0f p99 %.0f "
              "max %.0f (n=%zu)\n",
              hub ? "fleetlink-hub /ws" : "mosquitto websockets", ready, clients, failed, err.empty() ? "" : ": ",
              err.c_str(), connect_s, per_conn_kib, before.rss_kib / 1024.0, connected.rss_kib / 1024.0, cpu, "", rate,
              expected, lat.p50, lat.p95, lat.p99, lat.max, lat.count);
  std::fflush(stdout);
  ok = ok && all && lat.count > 0;
  return {{"peer", hub ? "fleetlink-hub" : "mosquitto-websockets"},
          {"clients", clients},
          {"connected", ready},
          {"failed", failed},
          {"connect_s", connect_s},
          {"rss_before_mib", before.rss_kib / 1024.0},
          {"rss_connected_mib", connected.rss_kib / 1024.0},
          {"rss_per_connection_kib", per_conn_kib},
          {"cpu_pct", cpu},
          {"messages_per_s", rate},
          {"messages_per_s_expected", expected},
          {"latency", lat.toJson()}};
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures reach a log even when a run is cut short
  try {
    const auto args = parseArgs(argc, argv);
    const bool smoke = args.count("--smoke") > 0;
    const auto bins = Binaries::fromArgs(args);
    std::vector<int> counts;
    std::stringstream cs(argOr(args, "--clients", smoke ? "50" : "1000,5000"));
    for (std::string x; std::getline(cs, x, ',');) counts.push_back(std::stoi(x));
    const int vehicles = std::stoi(argOr(args, "--vehicles", smoke ? "5" : "10"));
    const int measure = std::stoi(argOr(args, "--measure", smoke ? "5" : "20"));
    std::printf("bench_fleet_ws_peer: %d simulated vehicles at 1 Hz, every client subscribed to all of them\n",
                vehicles);
    json results = json::array();
    bool ok = true;
    for (int k : counts) {
      FleetStack stack(bins, {.broker_websockets = true,
                              .hub_toml = "max_clients = 19000\n"});
      auto sim = stack.startSim({"--fleet", "bench", "--vehicles", std::to_string(vehicles), "--vehicle-prefix", "v",
                                 "--rate-hz", "1", "--progress", "0", "--duration", "3600s"});
      std::this_thread::sleep_for(std::chrono::seconds(3));
      std::printf(" %d clients:\n", k);
      results.push_back(measurePeer(stack, WsFleetClients::Peer::Hub, k, vehicles, measure, ok));
      std::this_thread::sleep_for(std::chrono::seconds(2));
      results.push_back(measurePeer(stack, WsFleetClients::Peer::MqttWs, k, vehicles, measure, ok));
      sim.stop(std::chrono::seconds(20));
    }
    const json out = {{"benchmark", "fleet_ws_peer"}, {"smoke", smoke}, {"vehicles", vehicles}, {"runs", results}};
    if (const auto path = argOr(args, "--json", ""); !path.empty()) {
      std::ofstream(path) << out.dump(2) << "\n";
      std::printf("bench_fleet_ws_peer: results written to %s\n", path.c_str());
    }
    if (!ok) std::fprintf(stderr, "bench_fleet_ws_peer: a peer did not connect every client or delivered nothing\n");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_fleet_ws_peer: %s\n", e.what());
    return 1;
  }
}
