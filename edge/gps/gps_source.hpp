#pragma once
// GpsSource: reads fixes from gpsd through libgps on its own thread. Survives gpsd not running, restarting or
// losing its receiver: it reconnects with backoff and reports the link state (no gpsd / no fix / fix).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "edge/gps/fix.hpp"

namespace fleetlink::edge {

enum class GpsLink { NoGpsd, NoFix, Fix };
const char* gpsLinkName(GpsLink s);  // "no_gpsd", "no_fix", "fix"

class GpsSource {
 public:
  struct Settings {
    std::string host = "127.0.0.1";
    int port = 2947;
    std::chrono::milliseconds reconnect_min{1000}, reconnect_max{30000};
    std::chrono::milliseconds no_fix_after{5000};  // no usable report for this long counts as no fix
  };
  using FixHandler = std::function<void(const Fix&)>;  // every TPV report (also mode 1), on the reader thread

  GpsSource(Settings settings, FixHandler on_fix);
  ~GpsSource();
  GpsSource(const GpsSource&) = delete;
  GpsSource& operator=(const GpsSource&) = delete;

  void start();
  void stop();

  GpsLink state() const;
  int reconnects() const { return reconnects_.load(); }
  // Monotonic ms of the last report with a 2D/3D fix (0 = none yet).
  std::int64_t lastFixMonoMs() const { return last_fix_mono_.load(); }
  // Monotonic ms of the reader loop's last turn, for the watchdog (0 before start).
  std::int64_t heartbeatMonoMs() const { return heartbeat_.load(); }

 private:
  void run(std::stop_token st);
  bool sleepFor(std::stop_token& st, std::chrono::milliseconds d);

  Settings settings_;
  FixHandler on_fix_;
  std::atomic<bool> connected_{false};
  std::atomic<int> reconnects_{0};
  std::atomic<std::int64_t> last_fix_mono_{0};
  std::atomic<std::int64_t> heartbeat_{0};
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::jthread thread_;
};

}  // namespace fleetlink::edge
