#pragma once
// The parts of the hub's core that admin actions work on, and the side effects they may trigger. All of it
// is used on the core thread only.
#include <string>

#include <nlohmann/json.hpp>

#include "fleetlink/common/clock.hpp"
#include "hub/admin/command_tracker.hpp"
#include "hub/alerts/alert_book.hpp"
#include "hub/routes/route_book.hpp"
#include "hub/rules/rule_book.hpp"
#include "hub/rules/rule_engine.hpp"
#include "hub/state/vehicle_registry.hpp"
#include "hub/store/store.hpp"

namespace fleetlink::hub {

class CoreEffects {
 public:
  virtual ~CoreEffects() = default;
  // Stores, publishes and notifies an alert change.
  virtual void alertChanged(const alerts::AlertChange& change) = 0;
  // Sends a command to a vehicle's cmd topic and tracks it.
  virtual store::CommandRow sendCommand(const std::string& fleet, const std::string& vehicle, const std::string& kind,
                                        v1::Command cmd) = 0;
  // Stores and emits a route's progress.
  virtual void routeChanged(routes::RouteMonitor& route) = 0;
  // Persists the fleet's rule changes.
  virtual void rulesChanged(const std::string& fleet) = 0;
  // Counts for the stats action.
  virtual nlohmann::json stats(const std::string& fleet) = 0;
};

struct CoreParts {
  const Clock& clock;
  rules::RuleBook& rule_book;
  rules::RuleEngine& engine;
  alerts::AlertBook& alerts;
  state::VehicleRegistry& vehicles;
  routes::RouteBook& routes;
  admin::CommandTracker& commands;
  store::Store& store;
  CoreEffects& effects;
};

}  // namespace fleetlink::hub
