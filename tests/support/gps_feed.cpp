#include "support/gps_feed.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <iostream>
#include <sstream>
#include <stdexcept>

#include "support/ports.hpp"

namespace fleetlink::test {
namespace {

constexpr int kLoopingStartAttempts = 3;
constexpr auto kFirstFixTimeout = std::chrono::seconds(20);

// True once gpsd on 127.0.0.1:port streams a TPV report with a 2D or 3D fix to a watching client.
bool gpsdStreamsFix(int port, std::chrono::milliseconds timeout) {
  const int fd = connectLoopback(port);
  if (fd < 0) return false;
  timeval tv{0, 250'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bool fix = false;
  const std::string watch = "?WATCH={\"enable\":true,\"json\":true};\n";
  if (::send(fd, watch.data(), watch.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(watch.size())) {
    std::string pending;
    char buf[4096];
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!fix && std::chrono::steady_clock::now() < deadline) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0) break;
      if (n < 0) continue;  // receive timeout: look at the clock again
      pending.append(buf, static_cast<size_t>(n));
      for (size_t nl; !fix && (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
        const std::string_view line(pending.data(), nl);
        fix = line.find("\"class\":\"TPV\"") != std::string_view::npos &&
              (line.find("\"mode\":2") != std::string_view::npos ||
               line.find("\"mode\":3") != std::string_view::npos);
      }
    }
  }
  ::close(fd);
  return fix;
}

}  // namespace

GpsFake::GpsFake(Options o) : opts_(std::move(o)), dir_("fleetlink-gpsfake"), port_(freePort()) { start(); }

GpsFake::~GpsFake() { stop(); }

void GpsFake::start() {
  // A log played once must not be consumed by a check before the test watches it. A looping feed is handed
  // over only once gpsd streams fixes from it: gpsfake now and then starts without gpsd ever reading its
  // pseudo-terminal, and a new gpsfake is the cure.
  for (int attempt = 1;; ++attempt) {
    launch();
    if (opts_.once || gpsdStreamsFix(port_, kFirstFixTimeout)) return;
    const std::string log_text = log();
    stop();
    if (attempt == kLoopingStartAttempts) {
      throw std::runtime_error("gpsd fed by gpsfake on port " + std::to_string(port_) + " reported no fix in " +
                               std::to_string(kLoopingStartAttempts) + " starts; gpsfake log:\n" + log_text);
    }
    std::cerr << "gpsfake on port " << port_ << " fed gpsd no fix; starting it again. Its log:\n"
              << log_text << "\n";
  }
}

void GpsFake::launch() {
  std::ostringstream cycle;
  cycle << opts_.cycle_s;
  std::vector<std::string> argv = {"gpsfake", "-q", "-c", cycle.str(), "-P", std::to_string(port_)};
  if (opts_.once) argv.push_back("-1");
  argv.push_back(opts_.log_file);
  proc_ = Process(argv, dir_.file("gpsfake.log"));
  if (!waitUntil([this] { return portOpen(port_) || !proc_.running(); }, std::chrono::seconds(20)) ||
      !proc_.running()) {
    throw std::runtime_error("gpsfake did not start on port " + std::to_string(port_) + ":\n" + log());
  }
}

void GpsFake::stop() {
  // gpsfake runs gpsd as a child in its own process group; end the whole group.
  if (proc_.running()) {
    ::kill(-proc_.pid(), SIGTERM);
    if (proc_.wait(std::chrono::seconds(5)) == -1) ::kill(-proc_.pid(), SIGKILL);
  }
  proc_.kill9();
}

}  // namespace fleetlink::test
