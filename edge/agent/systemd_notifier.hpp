#pragma once
// systemd integration (Type=notify): READY, WATCHDOG keep-alives, STOPPING and a status line. All calls are
// no-ops when the agent does not run under systemd (no NOTIFY_SOCKET).
#include <chrono>
#include <optional>
#include <string>

namespace fleetlink::edge {

class SystemdNotifier {
 public:
  void ready(const std::string& status);
  void watchdog();
  void stopping();
  void status(const std::string& text);
  // The watchdog period systemd expects (WatchdogSec), if enabled for this process.
  std::optional<std::chrono::milliseconds> watchdogInterval() const;
};

}  // namespace fleetlink::edge
