#pragma once
// The whole system on loopback for one chaos scenario: a real Mosquitto, the real fleetlink-hub, N real
// fleetlink-edge agents (each reading its own gpsd, fed by gpsfake with a drive generated from deploy/routes),
// a TCP proxy between the edges and the broker for network cuts, and a WebSocket client watching the live
// stream. finish() lets everything drain and checks, record by record, what the hub stored.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edge/edge_harness.hpp"
#include "hub_runner.hpp"
#include "live_watcher.hpp"
#include "small_disk.hpp"
#include "support/broker.hpp"
#include "support/gps_feed.hpp"
#include "support/tcp_proxy.hpp"
#include "support/temp_dir.hpp"

namespace fleetlink::test::chaos {

// A step of GPS time inside a replayed drive: after `after_fixes` fixes, time moves by `jump_ms`.
struct ClockJump {
  std::size_t after_fixes;
  std::int64_t jump_ms;
};

struct RigOptions {
  int edges = 2;
  std::chrono::seconds drive_length{60};  // GPS data each gpsd serves (the scenario stops it earlier)
  std::vector<ClockJump> clock_jumps;     // applied to every edge's drive
  bool small_disk_on_first_edge = false;  // its data folder on a 16 MiB tmpfs
  std::vector<std::string> edge_flags;    // more --key=value flags for every edge
};

// One line of the chaos table.
struct ChaosResult {
  std::string fault;
  int injected = 0;
  std::uint64_t sent = 0;        // records the edges numbered (and buffered), less what their drop policy removed
  std::uint64_t stored = 0;      // of those, in the hub's history
  std::uint64_t lost = 0;        // numbered, not dropped by policy, not stored
  std::uint64_t duplicated = 0;  // stored more than once
  std::uint64_t dropped = 0;     // removed by an edge's drop policy (reported in its health records)
  std::uint64_t panics = 0;      // panic presses
  std::uint64_t panic_alerts = 0;     // of those, with their own alert
  std::uint64_t panic_alerts_live = 0;  // of those alerts, seen by the WebSocket client
  LiveTally live;
  double seconds = 0;
  std::vector<std::string> problems;  // what went wrong, for the failure message
};

class ChaosRig {
 public:
  ChaosRig(std::string fault, RigOptions o);
  ~ChaosRig();

  Broker& broker() { return *broker_; }
  TcpProxy& proxy() { return *proxy_; }
  HubRunner& hub() { return *hub_; }
  int edgeCount() const { return static_cast<int>(edges_.size()); }
  edge::EdgeAgent& edge(int i) { return *edges_.at(i)->agent; }
  SmallDisk& smallDisk() { return *edges_.at(0)->disk; }

  // Presses the panic button of edge i through its control socket (as the in-cab app does).
  void pressPanic(int i);
  void pressPanicAll();
  void countFault(int n = 1) { injected_ += n; }

  // Brings every part back, stops the GPS feeds, waits until every edge's outbox is empty (panics acked),
  // stops the edges, then compares the outboxes with the hub's history and the live stream.
  ChaosResult finish();

 private:
  struct EdgeUnit {
    std::string vehicle;
    std::unique_ptr<TempDir> dir;
    std::unique_ptr<SmallDisk> disk;
    std::unique_ptr<GpsFake> gps;
    std::unique_ptr<edge::EdgeAgent> agent;
    std::string outbox() const { return agent->options().data_dir + "/outbox.db"; }
    std::string device() const { return "board-" + vehicle; }
  };
  std::string makeDrive(int i, const TempDir& dir);

  std::string fault_;
  RigOptions opts_;
  std::chrono::steady_clock::time_point started_;
  int injected_ = 0;
  std::uint64_t panics_ = 0;
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<TcpProxy> proxy_;
  std::unique_ptr<HubRunner> hub_;
  std::unique_ptr<LiveWatcher> watcher_;
  std::vector<std::unique_ptr<EdgeUnit>> edges_;
};

inline constexpr const char* kFleet = "chaos";

// The chaos table: a header and one line per result, as printed by every scenario and kept in docs/chaos.md.
std::string tableHeader();
std::string tableRow(const ChaosResult& r);
// Appends the row to <build>/tests/chaos/chaos-<profile>.md so a whole run ends with one table.
void recordRow(const ChaosResult& r, const std::string& profile);

}  // namespace fleetlink::test::chaos
