#include "fleetlink/common/nmea.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace fleetlink::nmea {
namespace {

std::string coord(double deg, bool is_lat) {
  const char hemi = is_lat ? (deg >= 0 ? 'N' : 'S') : (deg >= 0 ? 'E' : 'W');
  deg = std::abs(deg);
  int whole = static_cast<int>(deg);
  double minutes = (deg - whole) * 60.0;
  if (minutes >= 59.999995) {  // rounding would print 60.00000
    whole += 1;
    minutes = 0;
  }
  char buf[32];
  if (is_lat) std::snprintf(buf, sizeof buf, "%02d%08.5f,%c", whole, minutes, hemi);
  else std::snprintf(buf, sizeof buf, "%03d%08.5f,%c", whole, minutes, hemi);
  return buf;
}

}  // namespace

std::string checksum(const std::string& body) {
  unsigned char c = 0;
  for (char ch : body) c ^= static_cast<unsigned char>(ch);
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02X", c);
  return buf;
}

std::string sentence(const std::string& body) { return "$" + body + "*" + checksum(body) + "\r\n"; }

std::string fixSentences(const drive::Sample& s, double alt_m, int satellites, double hdop) {
  const std::time_t secs = static_cast<std::time_t>(s.time_ms / 1000);
  const int centis = static_cast<int>((s.time_ms % 1000) / 10);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char hms[48], dmy[48];
  std::snprintf(hms, sizeof hms, "%02d%02d%02d.%02d", tm.tm_hour, tm.tm_min, tm.tm_sec, centis);
  std::snprintf(dmy, sizeof dmy, "%02d%02d%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year % 100);
  const std::string lat = coord(s.at.lat, true), lon = coord(s.at.lon, false);
  char buf[256];
  std::string out;
  std::snprintf(buf, sizeof buf, "GPGGA,%s,%s,%s,1,%02d,%.1f,%.1f,M,47.0,M,,", hms, lat.c_str(), lon.c_str(),
                satellites, hdop, alt_m);
  out += sentence(buf);
  std::snprintf(buf, sizeof buf, "GPGSA,A,3,02,05,07,09,13,16,20,26,29,,,,%.1f,%.1f,%.1f", hdop * 1.6, hdop,
                hdop * 1.3);
  out += sentence(buf);
  const double knots = s.speed_mps * 3600.0 / 1852.0;
  std::snprintf(buf, sizeof buf, "GPRMC,%s,A,%s,%s,%.2f,%.1f,%s,,,A", hms, lat.c_str(), lon.c_str(), knots,
                s.heading_deg, dmy);
  out += sentence(buf);
  return out;
}

}  // namespace fleetlink::nmea
