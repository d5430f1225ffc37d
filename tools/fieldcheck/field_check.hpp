#pragma once
// The technician's board check: given the agent's effective settings, checks gpsd and the fix, the running agent
// (control socket), the panic button (press test), the broker with the vehicle's credentials and the outbox.
#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "check_report.hpp"
#include "edge/config/edge_config.hpp"

namespace fleetlink::fieldcheck {

struct FieldCheckOptions {
  std::chrono::seconds button_wait{15};        // 0 = skip the press test
  std::chrono::milliseconds gps_timeout{15000};
  std::chrono::milliseconds broker_timeout{10000};
  std::function<void(const std::string&)> prompt;  // tells the technician what to do now (e.g. press the button)
};

class FieldCheck {
 public:
  FieldCheck(const edge::EdgeSettings& settings, FieldCheckOptions options)
      : settings_(settings), options_(std::move(options)) {}
  // Runs every item after "config" (which main adds: it needs the configuration to get here at all).
  void run(CheckReport& report);

 private:
  void checkGps(CheckReport& report);
  bool checkAgent(CheckReport& report);  // true when the control socket answered status
  void checkButton(CheckReport& report, bool agent_up);
  void checkBroker(CheckReport& report);
  void checkBuffer(CheckReport& report);

  const edge::EdgeSettings& settings_;
  FieldCheckOptions options_;
  nlohmann::json status_;  // the agent's last status answer (empty when it did not answer)
};

}  // namespace fleetlink::fieldcheck
