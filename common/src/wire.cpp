#include "fleetlink/common/wire.hpp"

#include <google/protobuf/util/json_util.h>

namespace fleetlink::wire {
namespace {

template <typename M>
Expected<M> decodeBinary(std::string_view bytes, std::size_t limit, const char* what) {
  if (bytes.size() > limit)
    return Error{std::string(what) + " of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                 std::to_string(limit)};
  M m;
  if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return Error{std::string(what) + " is not a valid protobuf message"};
  return m;
}

}  // namespace

Expected<v1::Uplink> decodeUplink(std::string_view bytes) {
  auto up = decodeBinary<v1::Uplink>(bytes, kMaxUplinkBytes, "uplink");
  if (up && static_cast<std::size_t>(up->records_size()) > kMaxRecordsPerUplink)
    return Error{"uplink carries " + std::to_string(up->records_size()) + " records, more than the limit of " +
                 std::to_string(kMaxRecordsPerUplink)};
  return up;
}

Expected<v1::Command> decodeCommand(std::string_view bytes) {
  return decodeBinary<v1::Command>(bytes, kMaxAdminBytes, "command");
}

Expected<v1::VehicleState> decodeVehicleState(std::string_view bytes) {
  return decodeBinary<v1::VehicleState>(bytes, 4096, "vehicle state");
}

Encoding detectEncoding(std::string_view content_type, std::string_view payload) {
  if (content_type == kContentTypeJson) return Encoding::Json;
  if (content_type == kContentTypeProtobuf) return Encoding::Protobuf;
  for (char c : payload) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{' ? Encoding::Json : Encoding::Protobuf;
  }
  return Encoding::Protobuf;
}

Expected<v1::AdminRequest> decodeAdminRequest(std::string_view payload, Encoding enc) {
  if (payload.size() > kMaxAdminBytes)
    return Error{"admin request of " + std::to_string(payload.size()) + " bytes exceeds the limit of " +
                 std::to_string(kMaxAdminBytes)};
  v1::AdminRequest req;
  if (enc == Encoding::Json) {
    if (auto st = fromJson(payload, req); !st) return st.error().context("admin request is not valid JSON");
  } else if (!req.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Error{"admin request is not a valid protobuf message"};
  }
  if (req.action().empty()) return Error{"admin request has no \"action\""};
  return req;
}

std::string encodeAdminResponse(const v1::AdminResponse& r, Encoding enc) {
  if (enc == Encoding::Json) return toJson(r);
  return r.SerializeAsString();
}

std::string toJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  return out;
}

Status fromJson(std::string_view json, google::protobuf::Message& m) {
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;  // newer clients may send fields this version does not know
  auto st = google::protobuf::util::JsonStringToMessage(std::string(json), &m, opts);
  if (!st.ok()) return Error{std::string(st.message())};
  return okStatus();
}

std::string_view recordKind(const v1::Record& r) {
  switch (r.body_case()) {
    case v1::Record::kPosition: return "position";
    case v1::Record::kPanic: return "panic";
    case v1::Record::kDuty: return "duty";
    case v1::Record::kHealth: return "health";
    case v1::Record::kCommandAck: return "command_ack";
    case v1::Record::BODY_NOT_SET: break;
  }
  return "unknown";
}

std::string_view severityName(v1::Severity s) {
  switch (s) {
    case v1::SEVERITY_CRITICAL: return "critical";
    case v1::SEVERITY_HIGH: return "high";
    case v1::SEVERITY_MEDIUM: return "medium";
    case v1::SEVERITY_LOW: return "low";
    default: return "unspecified";
  }
}

std::string_view alertStateName(v1::AlertState s) {
  switch (s) {
    case v1::ALERT_STATE_OPEN: return "open";
    case v1::ALERT_STATE_ACKNOWLEDGED: return "acknowledged";
    case v1::ALERT_STATE_RESOLVED: return "resolved";
    default: return "unspecified";
  }
}

}  // namespace fleetlink::wire
