#pragma once
// Effective rule settings per fleet, layered: built-in defaults, the config's [rules.defaults], the config's
// [fleets.<id>], then run-time changes (rules.set, persisted by the caller). A fleet seen for the first time
// gets the defaults. Not thread-safe: owned by the hub's core thread.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "fleetlink/common/config.hpp"
#include "hub/rules/rule_settings.hpp"

namespace fleetlink::hub::rules {

class RuleBook {
 public:
  struct Entry {
    std::shared_ptr<const FleetRules> rules;
    std::uint64_t version = 0;  // changes with every change of the fleet's settings
  };

  RuleBook() = default;
  // Reads `rules.defaults` and `fleets` from the hub configuration (already validated by the schema).
  static Expected<RuleBook> fromConfig(const config::Config& cfg);

  const Entry& get(const std::string& fleet);
  // Applies a rules.set object on top of the fleet's effective settings; returns the new effective settings.
  Expected<Entry> set(const std::string& fleet, const nlohmann::json& changes);
  // Run-time changes of a fleet accumulated so far (what to persist), and restoring them at start.
  nlohmann::json overrides(const std::string& fleet) const;
  Status restore(const std::string& fleet, const nlohmann::json& overrides);
  std::vector<std::string> configuredFleets() const;

 private:
  Entry make(const std::string& fleet) const;
  FleetRules defaults_;
  std::map<std::string, nlohmann::json> configured_;  // fleet -> its config table as JSON
  std::map<std::string, nlohmann::json> overrides_;
  std::map<std::string, Entry> cache_;
  std::uint64_t next_version_ = 1;
};

}  // namespace fleetlink::hub::rules
