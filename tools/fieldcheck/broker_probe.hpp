#pragma once
// Connects to the broker with the vehicle's own credentials and TLS settings (the agent's Endpoint), under a
// separate client id so the running agent's session is left alone, and says why a connection is refused.
#include <chrono>
#include <string>

#include "fleetlink/common/mqtt_endpoint.hpp"

namespace fleetlink::fieldcheck {

struct BrokerProbeResult {
  bool connected = false;
  bool refused = false;        // the broker answered and refused (credentials, authorisation)
  std::string error;           // what went wrong, for a person
};

BrokerProbeResult probeBroker(const mqttx::Endpoint& endpoint, const std::string& client_id,
                              std::chrono::milliseconds timeout);

}  // namespace fleetlink::fieldcheck
