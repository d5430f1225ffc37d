#pragma once
// The state of every command sent to a vehicle: queued (vehicle away; the broker holds it in the vehicle's
// session), delivered (sent while the vehicle was online, or it came back), acknowledged / rejected (its
// CommandAck arrived), expired (no ack before expires_at). Not thread-safe: the core thread owns it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/store/store.hpp"

namespace fleetlink::hub::admin {

class CommandTracker {
 public:
  store::CommandRow issue(const std::string& fleet, const std::string& vehicle, const std::string& kind,
                          const v1::Command& cmd, bool vehicle_online, std::int64_t now_ms);
  std::optional<store::CommandRow> onAck(const std::string& fleet, const std::string& vehicle,
                                         const v1::CommandAck& ack, std::int64_t now_ms);
  std::vector<store::CommandRow> onOnline(const std::string& fleet, const std::string& vehicle, std::int64_t now_ms);
  std::vector<store::CommandRow> expire(std::int64_t now_ms);
  void restore(const store::CommandRow& row);
  std::size_t open() const { return open_.size(); }

 private:
  std::map<std::string, store::CommandRow> open_;  // command id -> not yet final
};

std::string newCommandId();

}  // namespace fleetlink::hub::admin
