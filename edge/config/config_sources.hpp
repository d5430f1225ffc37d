#pragma once
// Where the agent's configuration comes from, in order of precedence (later wins): the configuration files,
// the override file of remotely accepted changes (in the data folder), then command-line flags.
#include <string>
#include <vector>

#include "fleetlink/common/config.hpp"
#include "fleetlink/common/program.hpp"

namespace fleetlink::edge {

class ConfigSources {
 public:
  ConfigSources(std::vector<std::string> files, std::vector<config::Override> cli);
  // From program arguments; `default_file` is read when no --config is given and it exists.
  static ConfigSources fromArgs(const ProgramArgs& args, const std::string& default_file);

  // Files and command line only.
  Expected<config::Config> loadBase() const;
  // Files, then `override_toml` (named `origin` in errors), then the command line (unless `with_cli` is false:
  // checking the override layer on its own, so a value the command line hides today is still valid).
  Expected<config::Config> loadWith(const std::string& override_toml, const std::string& origin,
                                    bool with_cli = true) const;

  const std::vector<config::Override>& cli() const { return cli_; }

 private:
  std::vector<std::string> files_;
  std::vector<std::string> optional_files_;
  std::vector<config::Override> cli_;
};

// The full configuration at start: base, then the override file found in the base's data folder. A broken or
// no longer valid override file is reported in `warning` and ignored, so a bad remote change never stops a
// vehicle from starting.
struct LoadedConfig {
  config::Config config;
  std::string warning;
};
Expected<LoadedConfig> loadEdgeConfig(const ConfigSources& sources);

}  // namespace fleetlink::edge
