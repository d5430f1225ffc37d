#pragma once
// Remote configuration changes (ConfigUpdate commands): validated against the agent's schema together with
// everything already in force, written atomically to the override file, and reported as which keys apply at
// once and which at the next start. A rejected update changes nothing, on disk or in memory.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "edge/config/config_sources.hpp"
#include "edge/config/override_file.hpp"
#include "fleetlink/common/config.hpp"
#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::edge {

struct ConfigUpdateResult {
  bool accepted = false;
  std::string detail;                  // why rejected, or what applies when
  std::optional<config::Config> config;  // the new configuration when accepted
  std::vector<std::string> restart_keys; // accepted keys that take effect at the next start
};

class ConfigUpdater {
 public:
  ConfigUpdater(ConfigSources sources, std::string override_file, config::Config current);
  ConfigUpdateResult apply(const v1::ConfigUpdate& update);
  const config::Config& current() const { return current_; }

  // Keys the running agent applies without a restart.
  static bool appliesLive(const std::string& key);
  // Keys a remote update may not change (the vehicle's identity and where it keeps its data).
  static bool protectedKey(const std::string& key);

 private:
  ConfigSources sources_;
  std::string override_file_;
  config::Config current_;
};

}  // namespace fleetlink::edge
