#include "support/gps_feed.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "support/ports.hpp"

namespace fleetlink::test {
namespace {

constexpr int kLoopingStartAttempts = 3;
constexpr auto kFirstFixTimeout = std::chrono::seconds(20);

// Sends `request` to gpsd on 127.0.0.1:port and hands each line of the answer to `answered` until it returns
// true (then true) or `timeout` passes (then false).
bool askGpsd(int port, const std::string& request, std::chrono::milliseconds timeout,
             const std::function<bool(std::string_view)>& answered) {
  const int fd = connectLoopback(port);
  if (fd < 0) return false;
  timeval tv{0, 250'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bool done = false;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    std::string pending;
    char buf[4096];
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0) break;
      if (n < 0) continue;  // receive timeout: look at the clock again
      pending.append(buf, static_cast<size_t>(n));
      for (size_t nl; !done && (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1))
        done = answered(std::string_view(pending.data(), nl));
    }
  }
  ::close(fd);
  return done;
}

// True once gpsd on 127.0.0.1:port streams a TPV report with a 2D or 3D fix to a watching client.
bool gpsdStreamsFix(int port, std::chrono::milliseconds timeout) {
  return askGpsd(port, "?WATCH={\"enable\":true,\"json\":true};\n", timeout, [](std::string_view line) {
    return line.find("\"class\":\"TPV\"") != std::string_view::npos &&
           (line.find("\"mode\":2") != std::string_view::npos || line.find("\"mode\":3") != std::string_view::npos);
  });
}

// True when gpsd on 127.0.0.1:port has a device open, which it does only while a client watches. Asking does
// not watch, so it does not open the device itself.
bool gpsdDeviceActivated(int port) {
  bool activated = false;
  askGpsd(port, "?DEVICES;\n", std::chrono::seconds(1), [&](std::string_view line) {
    if (line.find("\"class\":\"DEVICES\"") == std::string_view::npos) return false;
    activated = line.find("\"activated\"") != std::string_view::npos;
    return true;
  });
  return activated;
}

std::size_t lineCount(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return static_cast<std::size_t>(std::count(std::istreambuf_iterator<char>(in), {}, '\n'));
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
  int child_in = -1;
  if (opts_.once) {
    // -i makes gpsfake read a line from its standard input before each sentence: the gate held shut until a
    // client watches.
    argv.insert(argv.end(), {"-1", "-i"});
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
      throw std::runtime_error("socketpair for gpsfake's input failed");
    gate_ = ends[0];
    child_in = ends[1];
  }
  argv.push_back(opts_.log_file);
  proc_ = Process(argv, dir_.file("gpsfake.log"), {}, child_in);
  if (child_in >= 0) ::close(child_in);
  if (!waitUntil([this] { return portOpen(port_) || !proc_.running(); }, std::chrono::seconds(20)) ||
      !proc_.running()) {
    throw std::runtime_error("gpsfake did not start on port " + std::to_string(port_) + ":\n" + log());
  }
  if (opts_.once) releaser_ = std::jthread([this](std::stop_token stop) { releaseOnFirstWatch(stop, gate_); });
}

void GpsFake::releaseOnFirstWatch(std::stop_token stop, int gate) {
  while (!stop.stop_requested() && !gpsdDeviceActivated(port_))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // One line per sentence and a few over for gpsfake's end-of-log prompt; the cycle time still paces it.
  const std::string go(lineCount(opts_.log_file) + 4, '\n');
  std::size_t sent = 0;
  while (!stop.stop_requested() && sent < go.size()) {
    pollfd p{gate, POLLOUT, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::send(gate, go.data() + sent, go.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return;  // gpsfake is gone
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
}

void GpsFake::stop() {
  if (releaser_.joinable()) {
    releaser_.request_stop();
    releaser_.join();
  }
  if (gate_ >= 0) ::close(std::exchange(gate_, -1));
  // gpsfake runs gpsd as a child in its own process group; end the whole group.
  if (proc_.running()) {
    ::kill(-proc_.pid(), SIGTERM);
    if (proc_.wait(std::chrono::seconds(5)) == -1) ::kill(-proc_.pid(), SIGKILL);
  }
  proc_.kill9();
}

}  // namespace fleetlink::test
