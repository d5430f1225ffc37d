#include "fleetlink/common/wire.hpp"

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
