#pragma once
// Test helpers for the hub: a hub core in-process against a real Mosquitto, uplink builders, a recording
// live sink, and RMC fixes read from real receiver logs.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fleetlink/common/clock.hpp"
#include "hub/api/hub_api.hpp"
#include "hub/core/hub_core.hpp"
#include "support/broker.hpp"
#include "support/mqtt_probe.hpp"
#include "support/temp_dir.hpp"

namespace fleetlink::test {

class RecordingSink final : public hub::LiveSink {
 public:
  void publish(const hub::LiveEvent& e) override {
    std::lock_guard lock(mu_);
    events_.push_back(e);
  }
  std::vector<hub::LiveEvent> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<hub::LiveEvent> events_;
};

// A hub core configured by TOML text plus the test's broker and data folder.
class HubUnderTest {
 public:
  HubUnderTest(const Broker& broker, const std::string& data_dir, const std::string& toml = "");
  ~HubUnderTest();
  hub::HubCore& core() { return *core_; }
  RecordingSink& sink() { return sink_; }
  // Runs an admin action in-process (as the HTTP front end would) and returns the JSON answer.
  nlohmann::json admin(const std::string& fleet, const std::string& action, const nlohmann::json& args = {},
                       const std::string& actor = "test");
  void stop();

 private:
  RecordingSink sink_;
  std::unique_ptr<hub::HubCore> core_;
};

// One fix of a receiver log (RMC sentences with a valid fix).
struct Fix {
  std::int64_t time_ms;
  double lat, lon, speed_mps, course_deg;
};
std::vector<Fix> readRmc(const std::string& path);

v1::Record positionRecord(std::uint64_t seq, std::int64_t time_ms, double lat, double lon, double speed_mps,
                          std::uint64_t epoch = 1);
std::string uplink(const std::string& fleet, const std::string& vehicle, const std::vector<v1::Record>& records,
                   const std::string& device = "", bool historical = false);

// Subscribes to the fleet's alert topic and decodes what arrives.
std::vector<v1::Alert> alertsOn(const MqttProbe& probe);
std::vector<v1::Alert> alertsIn(const std::vector<Received>& messages);  // inside MqttProbe::waitFor predicates
std::int64_t nowMs();

}  // namespace fleetlink::test
