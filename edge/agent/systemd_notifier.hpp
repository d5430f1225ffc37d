#pragma once
// systemd integration (Type=notify): READY, WATCHDOG keep-alives, STOPPING and a status line, sent as
// datagrams to $NOTIFY_SOCKET (the service notification protocol of sd_notify(3), which systemd documents as a
// stable interface; a filesystem path or an abstract socket "@name"). Written here rather than linked from
// libsystemd, which with its compression and crypto libraries would be a tenth of the agent's memory for one
// sendto. All calls are no-ops when the agent does not run under systemd (no NOTIFY_SOCKET).
#include <chrono>
#include <optional>
#include <string>

namespace fleetlink::edge {

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the environment.
  SystemdNotifier();
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  void ready(const std::string& status);
  void watchdog();
  void stopping();
  void status(const std::string& text);
  // The watchdog period systemd expects (WatchdogSec), if enabled for this process.
  std::optional<std::chrono::milliseconds> watchdogInterval() const { return watchdog_; }
  // Whether a notification socket was given and usable.
  bool active() const { return fd_ >= 0; }

 private:
  void send(const std::string& state);

  int fd_ = -1;
  std::string address_;  // sockaddr_un path, a leading '\0' for the abstract namespace
  std::optional<std::chrono::milliseconds> watchdog_;
};

}  // namespace fleetlink::edge
