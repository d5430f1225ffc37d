#include "hub/routes/route_book.hpp"

namespace fleetlink::hub::routes {

Expected<RouteMonitor*> RouteBook::assign(const std::string& fleet, const std::string& vehicle,
                                          v1::RouteProgress route, std::int64_t now_ms) {
  if (paused(fleet)) return Error{"new assignments are paused for fleet " + fleet + " (assignments.resume lifts that)"};
  if (find(fleet, route.route_id()))
    return Error{"route " + route.route_id() + " already exists (routes.reassign moves it to another vehicle)"};
  if (auto* cur = active(fleet, vehicle))
    return Error{"vehicle " + vehicle + " already drives unfinished route " + cur->progress().route_id() +
                 " (reassign or finish it first)"};
  route.set_fleet_id(fleet);
  route.set_vehicle_id(vehicle);
  route.set_updated_at_ms(now_ms);
  auto m = std::make_unique<RouteMonitor>(std::move(route));
  auto* raw = m.get();
  routes_[{fleet, raw->progress().route_id()}] = std::move(m);
  return raw;
}

Expected<RouteMonitor*> RouteBook::reassign(const std::string& fleet, const std::string& route_id,
                                            const std::string& vehicle, std::int64_t now_ms) {
  auto* m = find(fleet, route_id);
  if (!m) return Error{"no route " + route_id + " in fleet " + fleet + " (routes.list shows them)"};
  if (m->progress().vehicle_id() == vehicle) return Error{"route " + route_id + " is already assigned to " + vehicle};
  if (auto* cur = active(fleet, vehicle))
    return Error{"vehicle " + vehicle + " already drives unfinished route " + cur->progress().route_id()};
  m->reassign(vehicle, now_ms);
  return m;
}

RouteMonitor* RouteBook::find(const std::string& fleet, const std::string& route_id) {
  auto it = routes_.find({fleet, route_id});
  return it == routes_.end() ? nullptr : it->second.get();
}

RouteMonitor* RouteBook::active(const std::string& fleet, const std::string& vehicle) {
  for (auto& [k, m] : routes_)
    if (k.first == fleet && m->progress().vehicle_id() == vehicle && !m->finished()) return m.get();
  return nullptr;
}

std::vector<RouteMonitor*> RouteBook::all(const std::string& fleet) {
  std::vector<RouteMonitor*> out;
  for (auto& [k, m] : routes_)
    if (k.first == fleet) out.push_back(m.get());
  return out;
}

std::vector<RouteMonitor*> RouteBook::unfinished() {
  std::vector<RouteMonitor*> out;
  for (auto& [k, m] : routes_)
    if (!m->finished()) out.push_back(m.get());
  return out;
}

void RouteBook::restore(v1::RouteProgress progress) {
  const std::pair<std::string, std::string> key{progress.fleet_id(), progress.route_id()};
  routes_[key] = std::make_unique<RouteMonitor>(std::move(progress));
}

}  // namespace fleetlink::hub::routes
