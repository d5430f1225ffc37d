#pragma once
// Live per-vehicle state: the newest position (only ever moving forward in time), driver, last health,
// connection and the three-tier status: online, silent (no data for silent_after), offline (last will, clean
// shutdown, or no data for offline_after). Not thread-safe: owned by the hub's core thread.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::hub::state {

enum class Status { Online, Silent, Offline };
inline constexpr std::size_t kStatusCount = 3;
std::string_view statusName(Status s);

struct VehicleView {
  std::string fleet, vehicle, device;
  Status status = Status::Offline;
  std::int64_t status_since_ms = 0;
  std::int64_t last_seen_ms = 0;             // hub time of the newest data or birth
  std::int64_t online_since_ms = 0;
  bool has_position = false;
  v1::Position position;
  std::int64_t position_time_ms = 0;         // fix time of `position`
  std::int64_t position_arrival_ms = 0;      // hub time the newest live position arrived
  std::string driver;
  bool has_health = false;
  v1::DeviceHealth health;
  std::int64_t health_time_ms = 0;
  std::int64_t health_arrival_ms = 0;
  v1::VehicleState::Connection connection = v1::VehicleState::CONNECTION_UNSPECIFIED;
  std::int64_t connection_at_ms = 0;         // hub time the state message arrived
  std::string route_id;
};

struct StatusPolicy {
  std::int64_t silent_after_ms = 60'000;
  std::int64_t offline_after_ms = 600'000;
  Status evaluate(const VehicleView& v, std::int64_t now_ms) const;
};

class VehicleRegistry {
 public:
  using Key = std::pair<std::string, std::string>;  // fleet, vehicle: the registry's order

  explicit VehicleRegistry(StatusPolicy policy) : policy_(policy) {}

  VehicleView& touch(const std::string& fleet, const std::string& vehicle);  // creates on first sight
  VehicleView* find(const std::string& fleet, const std::string& vehicle);
  const VehicleView* find(const std::string& fleet, const std::string& vehicle) const;

  // Data arrived now: the vehicle is heard from.
  void heard(VehicleView& v, std::int64_t now_ms);
  // Offers a fix; true when it is newer than the live position and became it.
  bool offerPosition(VehicleView& v, const v1::Position& p, std::int64_t time_ms, std::int64_t now_ms);
  void connectionChanged(VehicleView& v, v1::VehicleState::Connection c, std::int64_t now_ms);

  // Re-evaluates one vehicle's tier; true when it moved.
  bool updateStatus(VehicleView& v, std::int64_t now_ms);

  std::vector<const VehicleView*> list(const std::string& fleet) const;
  // Visits up to `max` vehicles (at least one) in key order, starting after `after` (from the first when empty), so
  // that a long pass can be cut into slices. Returns the key of the last vehicle visited, or nothing once the end
  // was reached. Vehicles added behind the cursor between slices are visited by the next pass.
  template <typename Fn>
  std::optional<Key> forEachAfter(const std::optional<Key>& after, std::size_t max, Fn&& fn) {
    auto it = after ? vehicles_.upper_bound(*after) : vehicles_.begin();
    if (max == 0) max = 1;
    for (std::size_t n = 0; it != vehicles_.end() && n < max; ++it, ++n) fn(it->second);
    if (it == vehicles_.end()) return std::nullopt;
    return std::prev(it)->first;
  }
  std::vector<std::string> fleets() const;
  std::size_t size() const { return vehicles_.size(); }
  const StatusPolicy& policy() const { return policy_; }

 private:
  StatusPolicy policy_;
  std::map<Key, VehicleView> vehicles_;
};

}  // namespace fleetlink::hub::state
