#include "edge/config/config_sources.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "edge/config/edge_config.hpp"

namespace fleetlink::edge {

ConfigSources::ConfigSources(std::vector<std::string> files, std::vector<config::Override> cli)
    : files_(std::move(files)), cli_(std::move(cli)) {}

ConfigSources ConfigSources::fromArgs(const ProgramArgs& args, const std::string& default_file) {
  ConfigSources s(args.config_files, args.overrides);
  if (args.config_files.empty() && !default_file.empty()) s.optional_files_.push_back(default_file);
  return s;
}

Expected<config::Config> ConfigSources::loadBase() const { return loadWith({}, {}); }

Expected<config::Config> ConfigSources::loadWith(const std::string& override_toml, const std::string& origin,
                                                 bool with_cli) const {
  config::Loader loader(edgeSchema());
  for (const auto& f : optional_files_) loader.file(f, /*optional=*/true);
  for (const auto& f : files_) loader.file(f);
  if (!override_toml.empty()) loader.text(override_toml, origin);
  if (with_cli)
    for (const auto& o : cli_) loader.set(o.key, o.value, o.origin);
  return loader.load();
}

Expected<LoadedConfig> loadEdgeConfig(const ConfigSources& sources) {
  auto base = sources.loadBase();
  if (!base) return base.error();
  const std::string path = edgeSettings(*base).override_file;
  if (!std::filesystem::exists(path)) return LoadedConfig{std::move(*base), {}};
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto full = sources.loadWith(text.str(), path);
  if (!full) {
    return LoadedConfig{std::move(*base), "ignoring the override file " + path + ": " + full.error().message +
                                              " (delete or fix it; a new remote config update replaces it)"};
  }
  return LoadedConfig{std::move(*full), {}};
}

}  // namespace fleetlink::edge
