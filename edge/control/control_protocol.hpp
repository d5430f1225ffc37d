#pragma once
// The control socket's protocol: one JSON object per line in, one per line out, always with "ok" (and "error"
// when false). docs/edge.md lists the commands. This class checks requests and calls ControlActions; it knows
// nothing about sockets.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::edge {

struct ButtonTestResult {
  bool pressed = false;
  std::string source;  // "evdev" or "gpio" when pressed
};

// What the agent offers the in-cab app and technicians.
class ControlActions {
 public:
  virtual ~ControlActions() = default;
  virtual nlohmann::json status() = 0;
  virtual Expected<std::uint64_t> raisePanic() = 0;  // the panic record's seq
  virtual Status changeDuty(const std::string& driver_id, v1::DutyStatus status) = 0;
  virtual std::string currentDriver() = 0;
  virtual nlohmann::json messages() = 0;
  virtual Expected<bool> markRead(const std::string& message_id) = 0;
  virtual ButtonTestResult buttonTest(std::chrono::seconds wait) = 0;
};

class ControlProtocol {
 public:
  static constexpr std::size_t kMaxLineBytes = 64 * 1024;
  static constexpr int kMaxButtonTestSeconds = 60;

  explicit ControlProtocol(ControlActions& actions) : actions_(actions) {}
  // One request line (without the newline) -> one response line (without the newline).
  std::string handleLine(std::string_view line);

 private:
  nlohmann::json dispatch(const nlohmann::json& req);
  ControlActions& actions_;
};

}  // namespace fleetlink::edge
