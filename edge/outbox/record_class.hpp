#pragma once
// Record classes of the outbox, in sending priority order; the drop policy treats each class differently.
#include <array>
#include <cstdint>

#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::edge {

enum class RecordClass : int { Panic = 0, CommandAck = 1, Duty = 2, Health = 3, Position = 4 };
inline constexpr int kRecordClasses = 5;

inline RecordClass classOf(const v1::Record& r) {
  switch (r.body_case()) {
    case v1::Record::kPanic: return RecordClass::Panic;
    case v1::Record::kCommandAck: return RecordClass::CommandAck;
    case v1::Record::kDuty: return RecordClass::Duty;
    case v1::Record::kHealth: return RecordClass::Health;
    default: return RecordClass::Position;
  }
}

inline const char* className(RecordClass c) {
  static constexpr std::array<const char*, kRecordClasses> kNames = {"panic", "command_ack", "duty", "health",
                                                                      "position"};
  return kNames[static_cast<std::size_t>(c)];
}

}  // namespace fleetlink::edge
