#include "edge/agent/systemd_notifier.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "fleetlink/common/log.hpp"

namespace fleetlink::edge {
namespace {

const log::Logger kLog("edge.systemd");

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

template <class T>
std::optional<T> number(const char* text) {
  if (!text) return std::nullopt;
  T v{};
  const auto* end = text + std::strlen(text);
  auto [p, ec] = std::from_chars(text, end, v);
  if (ec != std::errc() || p != end) return std::nullopt;
  return v;
}

}  // namespace

SystemdNotifier::SystemdNotifier() {
  // WATCHDOG_PID names the process the watchdog is meant for; a child that inherited the variables is not it.
  if (auto usec = number<std::uint64_t>(env("WATCHDOG_USEC")); usec && *usec > 0) {
    const auto pid = number<long>(env("WATCHDOG_PID"));
    if (!pid || *pid == static_cast<long>(::getpid())) watchdog_ = std::chrono::milliseconds(*usec / 1000);
  }

  const char* path = env("NOTIFY_SOCKET");
  if (!path) return;
  std::string address = path;
  if (address[0] == '@') address[0] = '\0';  // abstract namespace
  if (address[0] != '/' && address[0] != '\0') {
    kLog.warn("NOTIFY_SOCKET is neither a path nor an abstract socket: systemd is not notified", {{"socket", path}});
    return;
  }
  if (address.size() >= sizeof(sockaddr_un::sun_path)) {
    kLog.warn("NOTIFY_SOCKET is too long: systemd is not notified", {{"socket", path}});
    return;
  }
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    kLog.warn("no socket for systemd notifications", {{"error", std::strerror(errno)}});
    return;
  }
  address_ = std::move(address);
}

SystemdNotifier::~SystemdNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

void SystemdNotifier::send(const std::string& state) {
  if (fd_ < 0) return;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, address_.data(), address_.size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  // A datagram either arrives whole or not at all; systemd being away must never stop the agent.
  if (::sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&sa), len) < 0)
    kLog.debug("systemd notification not sent", {{"error", std::strerror(errno)}});
}

void SystemdNotifier::ready(const std::string& status) { send("READY=1\nSTATUS=" + status); }
void SystemdNotifier::watchdog() { send("WATCHDOG=1"); }
void SystemdNotifier::stopping() { send("STOPPING=1"); }
void SystemdNotifier::status(const std::string& text) { send("STATUS=" + text); }

}  // namespace fleetlink::edge
