#pragma once
// The command line every fleetlink daemon shares: --config, --set, --<key>=value, --check-config,
// --print-config, --help, --version, --log-level. Mains call parseProgramArgs() then loadConfig().
#include <string>
#include <vector>

#include "fleetlink/common/config.hpp"

namespace fleetlink {

struct ProgramArgs {
  std::vector<std::string> config_files;  // --config FILE (repeatable; later wins)
  std::vector<config::Override> overrides;
  bool check_config = false;
  bool print_config = false;
  bool help = false;
  bool version = false;
  std::string log_level;  // empty = from config / default
};

// Parses argv. Unknown flags are errors; `--section.key=value` and `--section.key value` are overrides.
Expected<ProgramArgs> parseProgramArgs(int argc, char** argv);

// Loads the files and overrides against the schema. `default_config` is used when no --config is given
// and the file exists (e.g. /etc/fleetlink/edge.toml).
Expected<config::Config> loadConfig(const config::Schema& schema, const ProgramArgs& args,
                                    const std::string& default_config = {});

std::string usage(const config::Schema& schema, const std::string& summary);

// Handles --help/--version/--check-config/--print-config uniformly. Returns an exit code when the program
// should stop (0 or 2), or -1 to continue running with `out_config` filled.
int standardStartup(int argc, char** argv, const config::Schema& schema, const std::string& summary,
                    const std::string& default_config, config::Config& out_config);

std::string versionString();

}  // namespace fleetlink
