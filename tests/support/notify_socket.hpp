#pragma once
// The receiving end of systemd's service notification protocol: a Unix datagram socket bound where
// NOTIFY_SOCKET points (a path, or "@name" for the abstract namespace), as systemd binds it for a
// Type=notify service.
#include <chrono>
#include <optional>
#include <string>

namespace fleetlink::test {

class NotifySocket {
 public:
  explicit NotifySocket(std::string address);  // throws when it cannot bind
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  // The value for NOTIFY_SOCKET.
  const std::string& address() const { return address_; }
  // The next datagram, or nothing within `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout);

 private:
  std::string address_;
  int fd_ = -1;
};

}  // namespace fleetlink::test
