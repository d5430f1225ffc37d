#include "gpsd_probe.hpp"

#include <gps.h>

#include <cerrno>
#include <cmath>

namespace fleetlink::fieldcheck {

GpsdProbeResult probeGpsd(const std::string& host, int port, int min_fix_mode, std::chrono::milliseconds timeout) {
  GpsdProbeResult r;
  gps_data_t data{};
  const std::string port_text = std::to_string(port);
  if (gps_open(host.c_str(), port_text.c_str(), &data) != 0) {
    r.error = gps_errstr(errno);
    return r;
  }
  r.reachable = true;
  gps_stream(&data, WATCH_ENABLE | WATCH_JSON, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline && !r.fix) {
    if (!gps_waiting(&data, 250000)) continue;
    errno = 0;
    if (gps_read(&data, nullptr, 0) == -1) {
      r.error = "gpsd closed the connection";
      break;
    }
    if ((data.set & DEVICE_SET) && data.dev.path[0] != '\0') r.device = data.dev.path;
    if (data.set & MODE_SET) {
      r.best_mode = std::max(r.best_mode, data.fix.mode);
      if (data.fix.mode >= min_fix_mode && std::isfinite(data.fix.latitude) && std::isfinite(data.fix.longitude)) {
        r.fix = true;
        r.lat = data.fix.latitude;
        r.lon = data.fix.longitude;
        r.satellites_used = data.satellites_used;
      }
    }
  }
  gps_stream(&data, WATCH_DISABLE, nullptr);
  gps_close(&data);
  return r;
}

}  // namespace fleetlink::fieldcheck
