#pragma once
// A dispatcher's view during chaos: a real WebSocket client of the hub that reconnects whenever the hub goes
// away and resumes from the last offset it received, checking that every stream's offsets run on without a
// hole unless the hub said so ("resync"). Runs on its own thread from start() to stop().
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace fleetlink::test::chaos {

struct LiveTally {
  std::uint64_t events = 0;         // event messages received
  std::uint64_t positions = 0;
  std::uint64_t alerts = 0;
  std::uint64_t connects = 0;       // successful subscriptions (1 + reconnects)
  std::uint64_t resumed = 0;        // reconnects that asked to resume from an offset
  std::uint64_t announced_gaps = 0; // "resync" messages: the hub said events were skipped
  std::uint64_t conflated = 0;      // events the hub announced as replaced by newer states (lagging client)
  std::uint64_t unannounced_gaps = 0;   // offsets that jumped ahead further than resyncs and conflation explain
  std::uint64_t unannounced_missing = 0;  // events those jumps skipped
  std::uint64_t repeated = 0;       // offsets received twice in one epoch
  std::set<std::string> panic_alert_ids;  // alerts of rule "panic" seen live
  std::string first_problem;        // the first unannounced gap or repeat, for the failure message
};

class LiveWatcher {
 public:
  LiveWatcher(int web_port, std::string token, std::string fleet);
  ~LiveWatcher();
  void start();
  void stop();
  LiveTally tally() const;

 private:
  void run(std::stop_token st);
  void onMessage(const nlohmann::json& m);

  int port_;
  std::string token_;
  std::string fleet_;
  mutable std::mutex mu_;
  LiveTally tally_;
  std::string epoch_;                       // the epoch the offsets below belong to
  std::map<std::string, std::uint64_t> last_;  // stream -> last offset received
  // stream -> replaced events announced on this connection and not yet seen as skipped offsets
  std::map<std::string, std::uint64_t> conflated_credit_;
  bool resuming_ = false;                   // the current connection asked to resume from last_
  std::jthread thread_;
};

}  // namespace fleetlink::test::chaos
