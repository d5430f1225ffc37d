#include "tools/fleet-sim/nmea_reader.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "fleetlink/common/nmea.hpp"

namespace fleetlink::sim {
namespace {

std::vector<std::string_view> splitFields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ',') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool toDouble(std::string_view s, double& v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(v);
}

// The sentence body between '$' and '*' when the checksum matches; empty otherwise.
std::string_view checkedBody(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
  if (line.size() < 9 || line[0] != '$') return {};
  const auto star = line.rfind('*');
  if (star == std::string_view::npos || star + 3 != line.size()) return {};
  const std::string_view body = line.substr(1, star - 1);
  std::string want(line.substr(star + 1));
  for (auto& c : want) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return nmea::checksum(std::string(body)) == want ? body : std::string_view{};
}

}  // namespace

bool parseNmeaCoordinate(std::string_view value, std::string_view hemisphere, double& degrees) {
  double raw;
  if (!toDouble(value, raw) || raw < 0) return false;
  const double whole = std::floor(raw / 100);
  const double minutes = raw - whole * 100;
  if (minutes >= 60) return false;
  degrees = whole + minutes / 60;
  if (hemisphere == "S" || hemisphere == "W") degrees = -degrees;
  else if (hemisphere != "N" && hemisphere != "E") return false;
  return true;
}

std::vector<NmeaFix> parseNmea(std::string_view text) {
  std::vector<NmeaFix> out;
  double gga_alt = 0;
  int gga_sats = 0;
  bool gga_fresh = false;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto body = checkedBody(text.substr(start, end - start));
    start = end + 1;
    if (body.size() < 6) continue;
    const auto f = splitFields(body);
    const auto kind = f[0].substr(f[0].size() >= 3 ? f[0].size() - 3 : 0);
    if (kind == "GGA" && f.size() >= 10) {
      double alt;
      double sats = 0;
      if (f[6] != "0" && toDouble(f[9], alt)) {
        gga_alt = alt;
        gga_sats = toDouble(f[7], sats) ? static_cast<int>(sats) : 0;
        gga_fresh = true;
      }
    } else if (kind == "RMC" && f.size() >= 9 && f[2] == "A") {
      NmeaFix fix;
      if (!parseNmeaCoordinate(f[3], f[4], fix.lat) || !parseNmeaCoordinate(f[5], f[6], fix.lon)) continue;
      double knots = 0, course = 0;
      if (toDouble(f[7], knots)) fix.speed_mps = knots * 0.514444;
      if (toDouble(f[8], course)) fix.heading_deg = course;
      if (gga_fresh) {
        fix.alt_m = gga_alt;
        fix.satellites = gga_sats;
        fix.has_gga = true;
        gga_fresh = false;
      }
      out.push_back(fix);
    }
  }
  return out;
}

Expected<std::vector<NmeaFix>> readNmeaFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read NMEA log " + path};
  std::stringstream ss;
  ss << in.rdbuf();
  auto fixes = parseNmea(ss.str());
  if (fixes.size() < 2)
    return Error{"NMEA log " + path + " has fewer than two valid RMC fixes (status A with a good checksum)"};
  return fixes;
}

}  // namespace fleetlink::sim
