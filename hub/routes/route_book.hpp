#pragma once
// Every fleet's assigned routes: one unfinished route per vehicle at a time, reassignment, the fleet's
// "assignments paused" switch. Not thread-safe: the core thread owns it.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "hub/routes/route_monitor.hpp"

namespace fleetlink::hub::routes {

class RouteBook {
 public:
  Expected<RouteMonitor*> assign(const std::string& fleet, const std::string& vehicle, v1::RouteProgress route,
                                 std::int64_t now_ms);
  Expected<RouteMonitor*> reassign(const std::string& fleet, const std::string& route_id, const std::string& vehicle,
                                   std::int64_t now_ms);
  RouteMonitor* find(const std::string& fleet, const std::string& route_id);
  // The vehicle's unfinished route, if any.
  RouteMonitor* active(const std::string& fleet, const std::string& vehicle);
  std::vector<RouteMonitor*> all(const std::string& fleet);
  std::vector<RouteMonitor*> unfinished();
  void restore(v1::RouteProgress progress);

  bool paused(const std::string& fleet) const { return paused_.count(fleet) > 0; }
  void setPaused(const std::string& fleet, bool p) {
    if (p) paused_.insert(fleet); else paused_.erase(fleet);
  }

 private:
  std::map<std::pair<std::string, std::string>, std::unique_ptr<RouteMonitor>> routes_;  // (fleet, route id)
  std::set<std::string> paused_;
};

}  // namespace fleetlink::hub::routes
