#pragma once
// The agent's command line: like every fleetlink daemon (--help, --version, --check-config, --print-config,
// --log-level, --section.key=value), with the override file of remote changes layered between the
// configuration files and the command line.
#include <optional>
#include <string>

#include "edge/config/config_sources.hpp"

namespace fleetlink::edge {

inline constexpr const char* kDefaultConfigFile = "/etc/fleetlink/edge.toml";

struct EdgeStartup {
  int exit_code = -1;  // >= 0: stop now with this code (help, version, check, errors)
  std::optional<ConfigSources> sources;
  std::optional<LoadedConfig> loaded;
};

EdgeStartup edgeStartup(int argc, char** argv);

}  // namespace fleetlink::edge
