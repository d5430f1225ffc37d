#pragma once
// One fix as gpsd reported it, before any filtering.
#include <cstdint>

namespace fleetlink::edge {

struct Fix {
  std::int64_t time_ms = 0;   // UTC from the receiver; 0 when the report carried no time
  int mode = 0;               // 0 unknown, 1 no fix, 2 2D, 3 3D (gpsd's MODE_*)
  double lat = 0, lon = 0;
  double alt_m = 0;           // above mean sea level; 0 without a 3D fix
  double speed_mps = 0;
  double heading_deg = 0;
  bool heading_valid = false;
  double h_accuracy_m = 0;    // 0 = unknown
  double v_accuracy_m = 0;    // 0 = unknown
  int satellites = 0;
};

}  // namespace fleetlink::edge
