#pragma once
// The hub's own health as alerts through the same engine: broker connection lost, store writes slow,
// too many rejected messages.
#include <map>
#include <string>

#include "hub/rules/finding.hpp"

namespace fleetlink::hub::rules {

class HubHealthRule {
 public:
  struct Limits {
    std::int64_t broker_down_after_ms = 30'000;
    double store_latency_max_ms = 2000;
    double ingest_error_rate_max = 0.05;   // share of messages rejected in the last window
    std::uint64_t min_messages = 50;       // a window with fewer messages is not judged
  };
  struct Input {
    bool broker_connected = true;
    std::int64_t broker_down_since_ms = 0;
    double store_latency_ms = 0;
    std::uint64_t messages = 0;            // in the window
    std::uint64_t rejected = 0;
  };
  struct State {
    std::map<std::string, bool> active;
  };
  static void evaluate(State& s, const Input& in, const Limits& lim, std::int64_t now_ms, Findings& out);
};

}  // namespace fleetlink::hub::rules
