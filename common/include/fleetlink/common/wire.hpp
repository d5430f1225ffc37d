#pragma once
// Encoding and decoding of the wire messages, with the limits and checks both sides apply. Binary protobuf only,
// so that it builds on the lite runtime too (the edge agent); the admin messages and JSON are in wire_json.hpp.
#include <cstdint>
#include <string>
#include <string_view>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::wire {

inline constexpr std::size_t kMaxUplinkBytes = 256 * 1024;   // one MQTT message
inline constexpr std::size_t kMaxRecordsPerUplink = 2000;
inline constexpr std::size_t kMaxAdminBytes = 64 * 1024;  // admin requests, commands

// Decodes an uplink batch; errors say what was wrong (size, protobuf, record count).
Expected<v1::Uplink> decodeUplink(std::string_view bytes);
Expected<v1::Command> decodeCommand(std::string_view bytes);
Expected<v1::VehicleState> decodeVehicleState(std::string_view bytes);

std::string_view recordKind(const v1::Record& r);  // "position", "panic", "duty", "health", "command_ack", "unknown"
std::string_view severityName(v1::Severity s);      // "critical", "high", "medium", "low"
std::string_view alertStateName(v1::AlertState s);  // "open", "acknowledged", "resolved"

}  // namespace fleetlink::wire
