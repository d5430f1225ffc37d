#pragma once
// NMEA 0183 sentence writing (RMC, GGA, GSA) for generated receiver logs.
#include <string>

#include "fleetlink/common/drive.hpp"

namespace fleetlink::nmea {

std::string checksum(const std::string& body);  // two hex digits over the text between '$' and '*'
std::string sentence(const std::string& body);  // "$" body "*" checksum "\r\n"

// The sentences a receiver emits for one 3D fix: GGA, GSA, RMC.
std::string fixSentences(const drive::Sample& s, double alt_m = 12.0, int satellites = 9, double hdop = 0.9);

}  // namespace fleetlink::nmea
