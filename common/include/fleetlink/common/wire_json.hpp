#pragma once
// The admin messages and the proto3 JSON mapping: the hub, fleetlinkctl and the tools. Needs the full protobuf
// runtime (fleetlink_common); the edge agent does without.
#include <string>
#include <string_view>

#include "fleetlink/common/wire.hpp"
#include "fleetlink/v1/admin.pb.h"

namespace fleetlink::wire {

inline constexpr std::string_view kContentTypeJson = "application/json";
inline constexpr std::string_view kContentTypeProtobuf = "application/x-protobuf";

// Admin requests arrive as JSON (proto3 JSON mapping) or protobuf. `content_type` may be empty, then a
// payload starting with '{' is JSON.
enum class Encoding { Json, Protobuf };
Encoding detectEncoding(std::string_view content_type, std::string_view payload);
Expected<v1::AdminRequest> decodeAdminRequest(std::string_view payload, Encoding enc);
std::string encodeAdminResponse(const v1::AdminResponse& r, Encoding enc);

// proto3 JSON mapping (proto field names, enums as names, int64 as strings; protobuf's text for every message).
std::string toJson(const google::protobuf::Message& m);
Status fromJson(std::string_view json, google::protobuf::Message& m);

}  // namespace fleetlink::wire
