#include "hub/state/vehicle_registry.hpp"

#include <set>

namespace fleetlink::hub::state {

std::string_view statusName(Status s) {
  switch (s) {
    case Status::Online: return "online";
    case Status::Silent: return "silent";
    case Status::Offline: return "offline";
  }
  return "offline";
}

Status StatusPolicy::evaluate(const VehicleView& v, std::int64_t now_ms) const {
  const bool said_goodbye = (v.connection == v1::VehicleState::CONNECTION_LOST ||
                             v.connection == v1::VehicleState::CONNECTION_OFFLINE) &&
                            v.connection_at_ms >= v.last_seen_ms;
  if (said_goodbye || v.last_seen_ms == 0) return Status::Offline;
  const std::int64_t quiet = now_ms - v.last_seen_ms;
  if (quiet >= offline_after_ms) return Status::Offline;
  if (quiet >= silent_after_ms) return Status::Silent;
  return Status::Online;
}

VehicleView& VehicleRegistry::touch(const std::string& fleet, const std::string& vehicle) {
  auto [it, fresh] = vehicles_.try_emplace({fleet, vehicle});
  if (fresh) {
    it->second.fleet = fleet;
    it->second.vehicle = vehicle;
  }
  return it->second;
}

VehicleView* VehicleRegistry::find(const std::string& fleet, const std::string& vehicle) {
  auto it = vehicles_.find({fleet, vehicle});
  return it == vehicles_.end() ? nullptr : &it->second;
}

const VehicleView* VehicleRegistry::find(const std::string& fleet, const std::string& vehicle) const {
  auto it = vehicles_.find({fleet, vehicle});
  return it == vehicles_.end() ? nullptr : &it->second;
}

void VehicleRegistry::heard(VehicleView& v, std::int64_t now_ms) { v.last_seen_ms = std::max(v.last_seen_ms, now_ms); }

bool VehicleRegistry::offerPosition(VehicleView& v, const v1::Position& p, std::int64_t time_ms, std::int64_t now_ms) {
  if (v.has_position && time_ms <= v.position_time_ms) return false;  // late data: history only
  v.has_position = true;
  v.position = p;
  v.position_time_ms = time_ms;
  v.position_arrival_ms = now_ms;
  return true;
}

void VehicleRegistry::connectionChanged(VehicleView& v, v1::VehicleState::Connection c, std::int64_t now_ms) {
  v.connection = c;
  v.connection_at_ms = now_ms;
  if (c == v1::VehicleState::CONNECTION_ONLINE) heard(v, now_ms);
}

bool VehicleRegistry::updateStatus(VehicleView& v, std::int64_t now_ms) {
  const Status s = policy_.evaluate(v, now_ms);
  if (s == v.status && v.status_since_ms != 0) return false;
  const bool changed = s != v.status || v.status_since_ms == 0;
  if (s == Status::Online && v.status != Status::Online) v.online_since_ms = now_ms;
  v.status = s;
  v.status_since_ms = now_ms;
  return changed;
}

std::vector<const VehicleView*> VehicleRegistry::list(const std::string& fleet) const {
  std::vector<const VehicleView*> out;
  for (const auto& [k, v] : vehicles_)
    if (k.first == fleet) out.push_back(&v);
  return out;
}

std::vector<std::string> VehicleRegistry::fleets() const {
  std::set<std::string> s;
  for (const auto& [k, v] : vehicles_) s.insert(k.first);
  return {s.begin(), s.end()};
}

}  // namespace fleetlink::hub::state
