// The agent's side of systemd's notification protocol, against a real datagram socket bound as systemd binds it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>

#include "edge/agent/systemd_notifier.hpp"
#include "support/notify_socket.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace std::chrono_literals;

namespace {
// Sets the variables for one test and removes them after, so no other test sees them.
struct NotifyEnv {
  NotifyEnv(const char* socket, const char* usec = nullptr, const char* pid = nullptr) {
    set("NOTIFY_SOCKET", socket);
    set("WATCHDOG_USEC", usec);
    set("WATCHDOG_PID", pid);
  }
  ~NotifyEnv() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
  static void set(const char* k, const char* v) {
    if (v) ::setenv(k, v, 1);
    else ::unsetenv(k);
  }
};
}  // namespace

TEST_CASE("the systemd notifier sends READY, WATCHDOG, STATUS and STOPPING to a socket path", "[edge][systemd]") {
  TempDir tmp("edge-notify");
  NotifySocket sock(tmp.file("notify"));
  NotifyEnv env(sock.address().c_str());
  edge::SystemdNotifier n;
  REQUIRE(n.active());
  n.ready("running, outbox /var/lib/fleetlink/outbox.db");
  CHECK(sock.receive(2s) == "READY=1\nSTATUS=running, outbox /var/lib/fleetlink/outbox.db");
  n.watchdog();
  CHECK(sock.receive(2s) == "WATCHDOG=1");
  n.status("broker down");
  CHECK(sock.receive(2s) == "STATUS=broker down");
  n.stopping();
  CHECK(sock.receive(2s) == "STOPPING=1");
  CHECK_FALSE(n.watchdogInterval());  // no WATCHDOG_USEC
}

TEST_CASE("the systemd notifier reaches an abstract socket named with @", "[edge][systemd]") {
  const std::string name = "@fleetlink-notify-test-" + std::to_string(::getpid());
  NotifySocket sock(name);
  NotifyEnv env(name.c_str());
  edge::SystemdNotifier n;
  REQUIRE(n.active());
  n.watchdog();
  CHECK(sock.receive(2s) == "WATCHDOG=1");
}

TEST_CASE("the systemd watchdog period comes from WATCHDOG_USEC, for this process only", "[edge][systemd]") {
  const std::string self = std::to_string(::getpid());
  {
    NotifyEnv env(nullptr, "3000000", self.c_str());
    CHECK(edge::SystemdNotifier().watchdogInterval() == std::chrono::milliseconds(3000));
  }
  {
    NotifyEnv env(nullptr, "1500000");  // no WATCHDOG_PID: meant for whoever reads it
    CHECK(edge::SystemdNotifier().watchdogInterval() == std::chrono::milliseconds(1500));
  }
  {
    NotifyEnv env(nullptr, "3000000", "1");  // inherited from a parent the watchdog is meant for
    CHECK_FALSE(edge::SystemdNotifier().watchdogInterval());
  }
  for (const char* bad : {"", "0", "soon", "30s", "-5"}) {
    INFO(bad);
    NotifyEnv env(nullptr, bad, self.c_str());
    CHECK_FALSE(edge::SystemdNotifier().watchdogInterval());
  }
}

TEST_CASE("without a usable NOTIFY_SOCKET the systemd notifier does nothing and does not fail", "[edge][systemd]") {
  for (const char* socket : {static_cast<const char*>(nullptr), "", "relative/notify", "/nonexistent/dir/notify"}) {
    INFO((socket ? socket : "(unset)"));
    NotifyEnv env(socket);
    edge::SystemdNotifier n;
    n.ready("x");
    n.watchdog();
    n.stopping();
    const bool path = socket && socket[0] == '/';
    CHECK(n.active() == path);  // a path is used as given; sending to a missing one just fails quietly
  }
}
