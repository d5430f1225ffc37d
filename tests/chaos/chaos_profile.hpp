#pragma once
// How long and how hard the chaos scenarios run. The short profile (label "chaos") keeps each scenario under a
// minute for the default run; the long profile (label "chaos-long") is the same code run for minutes.
#include <chrono>
#include <string>

namespace fleetlink::test::chaos {

struct ChaosProfile {
  std::string name;                      // "short" or "long"
  int edges = 3;                         // real fleetlink-edge agents, each with its own gpsd
  std::chrono::seconds broker_period{};  // broker killed and restarted this often
  int broker_kills = 1;
  int hub_kills = 1;
  int edge_kills = 2;                    // kill -9 of every edge, this many rounds
  int network_cuts = 1;
  std::chrono::seconds cut_length{};     // how long each cut lasts
  std::chrono::seconds disk_full_for{};  // how long the edge's disk stays full
  int clock_jumps = 2;                   // GPS time steps in the replayed drive (back, then forward)
  std::chrono::seconds warmup{};         // load before the first fault
};

// Defined once per test program: chaos_profile_short.cpp or chaos_profile_long.cpp.
const ChaosProfile& chaosProfile();

}  // namespace fleetlink::test::chaos
