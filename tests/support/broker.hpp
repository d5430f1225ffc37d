#pragma once
// A real Mosquitto broker on a free loopback port, with its own config, data folder and log.
#include <memory>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace fleetlink::test {

class Broker {
 public:
  struct Options {
    bool persistence = true;        // keep sessions and queued messages across restart()
    std::string extra_config;       // appended to mosquitto.conf (listeners, auth, ACLs)
    bool anonymous = true;
  };
  Broker();
  explicit Broker(Options o);
  ~Broker();

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_.path(); }

  void start();                       // starts and waits until it accepts connections
  void stop();                        // SIGTERM: saves persistence, disconnects clients
  void kill9();                       // abrupt death
  void restart() { stop(); start(); }
  bool running() { return proc_.running(); }
  std::string log() const { return proc_.logText(); }
  pid_t pid() const { return proc_.pid(); }

 private:
  Options opts_;
  TempDir dir_;
  int port_;
  Process proc_;
};

}  // namespace fleetlink::test
