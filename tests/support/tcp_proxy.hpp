#pragma once
// A loopback TCP proxy for network faults: put it between a client and a server (edge and broker) and cut,
// blackhole or restore the path while the test runs. One thread, poll()-based; counters for assertions.
//
//   TcpProxy proxy(broker.port());          // clients connect to proxy.port()
//   proxy.cut();                            // every connection dropped (RST), new ones refused
//   proxy.blackhole();                      // connections accepted, nothing forwarded either way (a silent
//                                           // network: data waits in the kernel, as in a long TCP stall)
//   proxy.restore();                        // forwarding again; stalled data flows on
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace fleetlink::test {

class TcpProxy {
 public:
  enum class Mode { Forward, Cut, Blackhole };
  struct Counters {
    std::uint64_t accepted = 0;        // client connections accepted
    std::uint64_t active = 0;          // client connections open now
    std::uint64_t bytes_to_target = 0;
    std::uint64_t bytes_to_client = 0;
    std::uint64_t dropped = 0;         // connections closed by cut()
    std::uint64_t target_refused = 0;  // the target did not accept a connection
  };

  explicit TcpProxy(int target_port, std::string target_host = "127.0.0.1");
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  void cut();
  void blackhole();
  void restore();
  Mode mode() const { return mode_.load(); }
  Counters counters() const;

 private:
  void run(std::stop_token st);
  void wake();

  std::string target_host_;
  int target_port_;
  int port_ = 0;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: mode changes and stop
  std::atomic<Mode> mode_{Mode::Forward};
  std::atomic<bool> cut_pending_{false};
  mutable std::mutex mu_;
  Counters counters_;
  std::jthread thread_;
};

}  // namespace fleetlink::test
