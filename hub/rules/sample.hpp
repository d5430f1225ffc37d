#pragma once
// The compact, ordered form of a vehicle's records that the order-dependent rules replay.
#include <cstdint>
#include <tuple>

namespace fleetlink::hub::rules {

struct Sample {
  enum class Kind : std::uint8_t { Position, Duty, Health };
  Kind kind = Kind::Position;
  std::uint8_t duty = 0;        // v1::DutyStatus (Duty)
  std::uint8_t gps = 0;         // v1::GpsState (Health)
  std::uint32_t driver = 0;     // interned driver id (Duty); 0 = nobody logged in
  std::int64_t time_ms = 0;
  std::uint64_t order = 0;      // arrival order, breaks ties between equal times
  double lat = 0, lon = 0;
  float speed_mps = 0;
  float heading_deg = 0;

  // Position in the vehicle's ordered history.
  auto key() const { return std::make_tuple(time_ms, order); }
};

inline bool before(const Sample& a, const Sample& b) { return a.key() < b.key(); }

}  // namespace fleetlink::hub::rules
