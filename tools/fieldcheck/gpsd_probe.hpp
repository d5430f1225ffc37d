#pragma once
// Asks gpsd (the same host and port the agent uses) whether it answers, which receiver it reads and whether a
// fix of the required mode arrives within a time limit.
#include <chrono>
#include <string>

namespace fleetlink::fieldcheck {

struct GpsdProbeResult {
  bool reachable = false;
  std::string error;        // why gpsd could not be reached
  std::string device;       // receiver path gpsd reported (may stay empty)
  int best_mode = 0;        // best TPV mode seen: 0 none, 1 no fix, 2 2D, 3 3D
  bool fix = false;         // a TPV with mode >= min_fix_mode arrived
  double lat = 0, lon = 0;
  int satellites_used = -1;
};

GpsdProbeResult probeGpsd(const std::string& host, int port, int min_fix_mode, std::chrono::milliseconds timeout);

}  // namespace fleetlink::fieldcheck
