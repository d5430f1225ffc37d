#pragma once
// Many WebSocket clients on one Asio thread, for the fan-out and latency benchmarks. Two kinds of peer:
//  - Hub: the hub's /ws (docs/api.md): bearer token, one subscribe message, JSON event frames;
//  - MqttWs: Mosquitto's own WebSocket listener: MQTT 5 over binary frames, one subscription, Uplink payloads.
// Each received update's latency is the wall clock now minus the record time it carries (the simulator stamps
// records with this machine's clock as it publishes them). Alerts are timed against the press times noted
// with notePanic().
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fleetlink::bench {

class WsFleetClients {
 public:
  enum class Peer { Hub, MqttWs };
  struct Options {
    Peer peer = Peer::Hub;
    int port = 0;
    int clients = 1;
    std::string token;           // Hub
    std::string subscribe_json;  // Hub: the subscribe message
    std::string mqtt_filter;     // MqttWs: topic filter
    int connect_rate = 2000;     // new connections per second
  };
  explicit WsFleetClients(Options o);
  ~WsFleetClients();
  WsFleetClients(const WsFleetClients&) = delete;
  WsFleetClients& operator=(const WsFleetClients&) = delete;

  // Starts connecting every client; waitReady() returns when all are subscribed (or the timeout passed).
  void start();
  bool waitReady(std::chrono::milliseconds timeout);
  int ready() const;
  int failed() const;
  std::string lastError() const;
  void stop();

  // Samples since the last call (position/update latencies in ms) and the number of updates received.
  std::vector<std::int64_t> takeLatencies();
  std::uint64_t updatesReceived() const;

  // A panic was pressed for this vehicle at `at_ms`; the first alert event for it is timed against it.
  void notePanic(const std::string& vehicle, std::int64_t at_ms);
  std::vector<std::int64_t> takeAlertLatencies();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fleetlink::bench
