#pragma once
// Sends one admin request to the hub over MQTT 5 request/response and waits for the answer.
#include <chrono>
#include <string>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/common/mqtt_endpoint.hpp"

namespace fleetlink::ctl {

struct AdminCall {
  std::string fleet;
  std::string action;
  std::string actor;
  std::string args_json = "{}";  // JSON object
  std::chrono::milliseconds timeout{10000};
};

// Returns the hub's AdminResponse as JSON text (proto3 JSON mapping).
Expected<std::string> callAdmin(const mqttx::Endpoint& broker, const AdminCall& call);

}  // namespace fleetlink::ctl
