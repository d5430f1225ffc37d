#include "edge/gps/gps_source.hpp"

#include <gps.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

#include "edge/retry/backoff.hpp"
#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/thread_name.hpp"

#ifdef FLEETLINK_LIBGPS_STATIC
// The agent links libgps statically and reads gpsd over its socket only. libgps's D-Bus source (the host name
// "DBUS_EXPORT") would bring libdbus, and through it libsystemd, libgcrypt and three compression libraries,
// about 1.1 MiB of resident memory, for a source the agent never opens: its two entry points are defined here,
// so the linker leaves libgps's D-Bus part out, and that host name gets a plain failure.
extern "C" int gps_dbus_open(gps_data_t*) {
  errno = EPROTONOSUPPORT;
  return -1;
}
extern "C" int gps_dbus_mainloop(gps_data_t*, int, void (*)(gps_data_t*)) {
  errno = EPROTONOSUPPORT;
  return -1;
}
#endif

namespace fleetlink::edge {
namespace {

const log::Logger kLog("edge.gps");

double finiteOr(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

Fix toFix(const gps_data_t& d) {
  Fix f;
  f.mode = d.fix.mode;
  if (d.fix.time.tv_sec > 0) {
    f.time_ms = static_cast<std::int64_t>(d.fix.time.tv_sec) * 1000 + d.fix.time.tv_nsec / 1'000'000;
  }
  f.lat = finiteOr(d.fix.latitude, 0);
  f.lon = finiteOr(d.fix.longitude, 0);
  f.alt_m = d.fix.mode >= MODE_3D ? finiteOr(d.fix.altMSL, 0) : 0;
  f.speed_mps = finiteOr(d.fix.speed, 0);
  f.heading_valid = std::isfinite(d.fix.track);
  f.heading_deg = finiteOr(d.fix.track, 0);
  f.h_accuracy_m = finiteOr(d.fix.eph, 0);
  f.v_accuracy_m = finiteOr(d.fix.epv, 0);
  f.satellites = d.satellites_used > 0 ? d.satellites_used : 0;
  return f;
}

}  // namespace

const char* gpsLinkName(GpsLink s) {
  switch (s) {
    case GpsLink::NoGpsd: return "no_gpsd";
    case GpsLink::NoFix: return "no_fix";
    case GpsLink::Fix: return "fix";
  }
  return "no_gpsd";
}

GpsSource::GpsSource(Settings settings, FixHandler on_fix) : settings_(std::move(settings)), on_fix_(std::move(on_fix)) {}

GpsSource::~GpsSource() { stop(); }

void GpsSource::start() {
  thread_ = std::jthread([this](std::stop_token st) {
    nameThisThread("gps");
    run(st);
  });
}

void GpsSource::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    cv_.notify_all();
    thread_.join();
  }
}

GpsLink GpsSource::state() const {
  if (!connected_.load()) return GpsLink::NoGpsd;
  const auto last = last_fix_mono_.load();
  if (last == 0 || monotonicMs() - last > settings_.no_fix_after.count()) return GpsLink::NoFix;
  return GpsLink::Fix;
}

bool GpsSource::sleepFor(std::stop_token& st, std::chrono::milliseconds d) {
  // Short slices keep the watchdog heartbeat turning through a long backoff.
  const auto until = monotonicMs() + d.count();
  std::unique_lock lock(mu_);
  while (!st.stop_requested() && monotonicMs() < until) {
    heartbeat_.store(monotonicMs());
    cv_.wait_for(lock, st, std::chrono::milliseconds(std::min<std::int64_t>(1000, until - monotonicMs())),
                 [] { return false; });
  }
  return !st.stop_requested();
}

void GpsSource::run(std::stop_token st) {
  Backoff backoff(settings_.reconnect_min, settings_.reconnect_max);
  const std::string port = std::to_string(settings_.port);
  bool first_attempt = true;
  while (!st.stop_requested()) {
    heartbeat_.store(monotonicMs());
    gps_data_t data{};
    if (gps_open(settings_.host.c_str(), port.c_str(), &data) != 0) {
      if (first_attempt || backoff.attempts() % 10 == 0) {
        kLog.warn("gpsd not reachable, retrying", {{"host", settings_.host}, {"port", port}, {"error", gps_errstr(errno)}});
      }
      first_attempt = false;
      sleepFor(st, backoff.next());
      continue;
    }
    gps_stream(&data, WATCH_ENABLE | WATCH_JSON, nullptr);
    connected_.store(true);
    backoff.reset();
    kLog.info("connected to gpsd", {{"host", settings_.host}, {"port", port}});
    while (!st.stop_requested()) {
      heartbeat_.store(monotonicMs());
      // Short waits keep stop() and the watchdog heartbeat responsive.
      if (!gps_waiting(&data, 250'000)) continue;
      errno = 0;
      if (gps_read(&data, nullptr, 0) == -1) {
        kLog.warn("lost gpsd, reconnecting", {{"host", settings_.host}, {"port", port}});
        break;
      }
      if ((data.set & MODE_SET) == 0) continue;
      const Fix fix = toFix(data);
      if (fix.mode >= MODE_2D) last_fix_mono_.store(monotonicMs());
      if (on_fix_) on_fix_(fix);
    }
    gps_stream(&data, WATCH_DISABLE, nullptr);
    gps_close(&data);
    connected_.store(false);
    if (!st.stop_requested()) {
      ++reconnects_;
      sleepFor(st, backoff.next());
    }
  }
}

}  // namespace fleetlink::edge
