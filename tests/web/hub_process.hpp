#pragma once
// The real fleetlink-hub as a child process against a test broker, with its web port on a free port, plus
// uplink builders to feed it through the broker like a vehicle would.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "support/broker.hpp"
#include "support/mqtt_probe.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace fleetlink::test {

class HubProcess {
 public:
  // `web_toml` is appended to the [web] section (e.g. "client_queue_max = 100").
  HubProcess(const Broker& broker, std::string web_toml = "");
  ~HubProcess();
  // Waits until /readyz answers 200 (broker connected, store open). FLEETLINK_HUB_BINARY, when set, names
  // the hub binary to run (benchmarks against a release build).
  void start();
  void stop();   // SIGTERM: a clean stop
  int webPort() const { return web_port_; }
  pid_t pid() const { return proc_.pid(); }
  std::string configPath() const { return dir_.file("hub.toml"); }
  std::string log() const { return proc_.logText(); }

 private:
  const Broker& broker_;
  TempDir dir_;
  int web_port_;
  Process proc_;
};

// Publishes uplinks on fl/v1/{fleet}/v/{vehicle}/up as a vehicle's agent would.
class VehicleFeed {
 public:
  explicit VehicleFeed(const Broker& broker);
  void position(const std::string& fleet, const std::string& vehicle, std::int64_t time_ms, double lat, double lon,
                double speed_mps = 8.0);
  void panic(const std::string& fleet, const std::string& vehicle, std::int64_t time_ms, double lat, double lon);

 private:
  std::uint64_t nextSeq(const std::string& key);
  MqttProbe mqtt_;
  std::map<std::string, std::uint64_t> seq_;
};

}  // namespace fleetlink::test
