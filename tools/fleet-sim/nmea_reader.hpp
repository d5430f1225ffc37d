#pragma once
// Reads recorded NMEA 0183 receiver logs (RMC for position, speed and course; GGA for altitude, satellites and
// fix quality) into fixes the simulator can replay. Sentences with a bad checksum or no fix are skipped.
#include <string>
#include <string_view>
#include <vector>

#include "fleetlink/common/expected.hpp"

namespace fleetlink::sim {

struct NmeaFix {
  double lat = 0, lon = 0;
  double speed_mps = 0;
  double heading_deg = 0;
  double alt_m = 0;
  int satellites = 0;
  bool has_gga = false;  // altitude and satellites are known
};

// One fix per valid RMC sentence, with the GGA data of the same second when present.
std::vector<NmeaFix> parseNmea(std::string_view text);
Expected<std::vector<NmeaFix>> readNmeaFile(const std::string& path);

// Parses "ddmm.mmmm" with hemisphere letter into signed degrees; false when malformed.
bool parseNmeaCoordinate(std::string_view value, std::string_view hemisphere, double& degrees);

}  // namespace fleetlink::sim
