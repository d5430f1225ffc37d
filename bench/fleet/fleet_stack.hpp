#pragma once
// The real stack an end-to-end benchmark drives: Mosquitto (optionally with its own WebSocket listener),
// fleetlink-hub with its web port and a dispatcher token, and fleetlink-sim runs against them; plus the
// process figures (CPU, RSS) and the hub's Prometheus counters the benchmarks report.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/proc_stat.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace fleetlink::bench {

// Paths of the programs under test (CMake passes the built ones; defaults look in the build tree).
struct Binaries {
  std::string hub, sim, token;
  static Binaries fromArgs(const std::map<std::string, std::string>& args);
};

using test::ProcStat;
using test::readProcStat;

class FleetStack {
 public:
  struct Options {
    bool broker_websockets = false;  // also a Mosquitto WebSocket listener (the side-by-side peer)
    std::string hub_toml;            // appended to the hub's configuration
  };
  FleetStack(Binaries bins, Options opts);
  ~FleetStack();
  FleetStack(const FleetStack&) = delete;
  FleetStack& operator=(const FleetStack&) = delete;

  int brokerPort() const { return broker_port_; }
  int brokerWsPort() const { return broker_ws_port_; }
  int webPort() const { return web_port_; }
  pid_t brokerPid() const { return broker_.pid(); }
  pid_t hubPid() const { return hub_.pid(); }
  std::string historyDb() const { return dir_.file("data/history.db"); }
  const std::string& token() const { return token_; }
  const std::string& dir() const { return dir_.path(); }

  // fleetlink-sim with these arguments (broker added); its output goes to <dir>/sim-<n>.log.
  test::Process startSim(const std::vector<std::string>& args);
  // Sum of one metric over all its label sets on the hub's /metrics; nullopt when unreachable.
  // `label` (e.g. result="accepted") keeps only the samples whose labels contain it.
  std::optional<double> hubMetric(const std::string& name, const std::string& label = "") const;
  std::string hubLog() const { return hub_.logText(); }
  std::string brokerLog() const { return broker_.logText(); }
  void stop();

 private:
  Binaries bins_;
  test::TempDir dir_;
  int broker_port_, broker_ws_port_ = 0, web_port_;
  test::Process broker_, hub_;
  std::string token_;
  int sims_ = 0;
};

// One GET on a fresh loopback connection; the body, or nullopt on failure or a status other than 200.
std::optional<std::string> httpGet(int port, const std::string& target);
// Sum of a Prometheus metric's samples (every label set) in exposition text.
double promSum(const std::string& text, const std::string& name, const std::string& label = "");

// Busy and total jiffies of the whole machine (/proc/stat), to say how much of the 2 cores others used.
struct MachineCpu {
  unsigned long long busy = 0, total = 0;
};
MachineCpu readMachineCpu();

// Wall clock in ms since the Unix epoch (latencies compare it with record times taken on this machine).
std::int64_t wallMs();

}  // namespace fleetlink::bench
