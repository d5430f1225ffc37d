#include "edge/config/edge_startup.hpp"

#include <iostream>

#include "edge/config/edge_config.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/program.hpp"

namespace fleetlink::edge {

EdgeStartup edgeStartup(int argc, char** argv) {
  EdgeStartup out;
  const config::Schema schema = edgeSchema();
  auto args = parseProgramArgs(argc, argv);
  if (!args) {
    std::cerr << schema.program() << ": " << args.error().message << "\n";
    out.exit_code = 2;
    return out;
  }
  if (args->help) {
    std::cout << usage(schema, "In-vehicle agent: GPS and panic button to the fleetlink hub, loss-free.");
    out.exit_code = 0;
    return out;
  }
  if (args->version) {
    std::cout << schema.program() << " " << versionString() << "\n";
    out.exit_code = 0;
    return out;
  }
  if (!args->log_level.empty()) {
    log::Level l;
    if (!log::parseLevel(args->log_level, l)) {
      std::cerr << schema.program() << ": --log-level must be debug, info, warn or error\n";
      out.exit_code = 2;
      return out;
    }
    log::setLevel(l);
    args->overrides.push_back({"log.level", args->log_level, "--log-level"});
  }
  auto sources = ConfigSources::fromArgs(*args, kDefaultConfigFile);
  auto loaded = loadEdgeConfig(sources);
  if (!loaded) {
    std::cerr << schema.program() << ": invalid configuration: " << loaded.error().message << "\n";
    out.exit_code = 2;
    return out;
  }
  if (!loaded->warning.empty()) log::Logger("edge").warn(loaded->warning);
  if (args->check_config) {
    std::cout << schema.program() << ": configuration valid (hash " << loaded->config.hash() << ")\n";
    out.exit_code = 0;
    return out;
  }
  if (args->print_config) {
    std::cout << loaded->config.dump();
    out.exit_code = 0;
    return out;
  }
  out.sources = std::move(sources);
  out.loaded = std::move(*loaded);
  return out;
}

}  // namespace fleetlink::edge
