#pragma once
// ControlServer: the Unix domain socket for the in-cab app and technicians. One thread accepts; each client
// gets its own thread (at most kMaxClients at once) so a long request (button_test) never blocks the others.
#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "edge/control/control_protocol.hpp"
#include "fleetlink/common/expected.hpp"

namespace fleetlink::edge {

class ControlServer {
 public:
  static constexpr int kMaxClients = 8;
  ControlServer(std::string path, ControlProtocol& protocol);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds the socket (replacing a stale one) and starts accepting.
  Status start();
  void stop();
  const std::string& path() const { return path_; }

 private:
  struct Client {
    int fd;
    std::jthread thread;
    std::atomic<bool> done{false};
  };
  void acceptLoop(std::stop_token st);
  void serve(std::stop_token st, Client& c);
  void reap();

  std::string path_;
  ControlProtocol& protocol_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::mutex mu_;
  std::list<std::unique_ptr<Client>> clients_;
  std::jthread accept_thread_;
};

}  // namespace fleetlink::edge
