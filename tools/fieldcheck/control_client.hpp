#pragma once
// A client of the agent's control socket (one JSON object per line each way, see docs/edge.md).
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "fleetlink/common/expected.hpp"

namespace fleetlink::fieldcheck {

class ControlClient {
 public:
  explicit ControlClient(std::string socket_path) : path_(std::move(socket_path)) {}
  // Sends one request and waits up to `timeout` for its one-line answer (a new connection per request).
  Expected<nlohmann::json> request(const nlohmann::json& req, std::chrono::milliseconds timeout) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace fleetlink::fieldcheck
