#include "edge/agent/systemd_notifier.hpp"

#ifdef FLEETLINK_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace fleetlink::edge {

#ifdef FLEETLINK_HAVE_SYSTEMD
void SystemdNotifier::ready(const std::string& status) { sd_notify(0, ("READY=1\nSTATUS=" + status).c_str()); }
void SystemdNotifier::watchdog() { sd_notify(0, "WATCHDOG=1"); }
void SystemdNotifier::stopping() { sd_notify(0, "STOPPING=1"); }
void SystemdNotifier::status(const std::string& text) { sd_notify(0, ("STATUS=" + text).c_str()); }
std::optional<std::chrono::milliseconds> SystemdNotifier::watchdogInterval() const {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::milliseconds(usec / 1000);
  return std::nullopt;
}
#else
void SystemdNotifier::ready(const std::string&) {}
void SystemdNotifier::watchdog() {}
void SystemdNotifier::stopping() {}
void SystemdNotifier::status(const std::string&) {}
std::optional<std::chrono::milliseconds> SystemdNotifier::watchdogInterval() const { return std::nullopt; }
#endif

}  // namespace fleetlink::edge
