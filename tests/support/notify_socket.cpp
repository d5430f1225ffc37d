#include "support/notify_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace fleetlink::test {

NotifySocket::NotifySocket(std::string address) : address_(std::move(address)) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (address_.empty() || address_.size() >= sizeof(sa.sun_path)) throw std::runtime_error("bad notify socket address");
  std::memcpy(sa.sun_path, address_.data(), address_.size());
  if (address_[0] == '@') sa.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), len) != 0) {
    const std::string err = std::strerror(errno);
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("cannot bind notify socket " + address_ + ": " + err);
  }
}

NotifySocket::~NotifySocket() {
  ::close(fd_);
  if (address_[0] == '/') ::unlink(address_.c_str());
}

std::optional<std::string> NotifySocket::receive(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  char buf[4096];
  const auto n = ::recv(fd_, buf, sizeof buf, 0);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace fleetlink::test
