#pragma once
// Encoding and decoding of the wire messages, with the limits and checks both sides apply.
#include <cstdint>
#include <string>
#include <string_view>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::wire {

inline constexpr std::size_t kMaxUplinkBytes = 256 * 1024;   // one MQTT message
inline constexpr std::size_t kMaxRecordsPerUplink = 2000;
inline constexpr std::size_t kMaxAdminBytes = 64 * 1024;
inline constexpr std::string_view kContentTypeJson = "application/json";
inline constexpr std::string_view kContentTypeProtobuf = "application/x-protobuf";

// Decodes an uplink batch; errors say what was wrong (size, protobuf, record count).
Expected<v1::Uplink> decodeUplink(std::string_view bytes);
Expected<v1::Command> decodeCommand(std::string_view bytes);
Expected<v1::VehicleState> decodeVehicleState(std::string_view bytes);

// Admin requests arrive as JSON (proto3 JSON mapping) or protobuf. `content_type` may be empty, then a
// payload starting with '{' is JSON.
enum class Encoding { Json, Protobuf };
Encoding detectEncoding(std::string_view content_type, std::string_view payload);
Expected<v1::AdminRequest> decodeAdminRequest(std::string_view payload, Encoding enc);
std::string encodeAdminResponse(const v1::AdminResponse& r, Encoding enc);

// proto3 JSON mapping (field names in lowerCamelCase, enums as names, int64 as strings).
std::string toJson(const google::protobuf::Message& m);
Status fromJson(std::string_view json, google::protobuf::Message& m);

std::string_view recordKind(const v1::Record& r);  // "position", "panic", "duty", "health", "command_ack", "unknown"
std::string_view severityName(v1::Severity s);      // "critical", "high", "medium", "low"
std::string_view alertStateName(v1::AlertState s);  // "open", "acknowledged", "resolved"

}  // namespace fleetlink::wire
