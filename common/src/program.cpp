#include "fleetlink/common/program.hpp"

#include <iostream>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/version.hpp"

namespace fleetlink {

Expected<ProgramArgs> parseProgramArgs(int argc, char** argv) {
  ProgramArgs a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&](const std::string& flag) -> Expected<std::string> {
      if (i + 1 >= argc) return Error{flag + " needs a value"};
      return std::string(argv[++i]);
    };
    if (arg == "--help" || arg == "-h") a.help = true;
    else if (arg == "--version" || arg == "-V") a.version = true;
    else if (arg == "--check-config") a.check_config = true;
    else if (arg == "--print-config") a.print_config = true;
    else if (arg == "--config" || arg == "-c") {
      auto v = next(arg);
      if (!v) return v.error();
      a.config_files.push_back(*v);
    } else if (arg.rfind("--config=", 0) == 0) {
      a.config_files.push_back(arg.substr(9));
    } else if (arg == "--log-level") {
      auto v = next(arg);
      if (!v) return v.error();
      a.log_level = *v;
    } else if (arg == "--set") {
      auto v = next(arg);
      if (!v) return v.error();
      auto eq = v->find('=');
      if (eq == std::string::npos) return Error{"--set expects key=value, got \"" + *v + "\""};
      a.overrides.push_back({v->substr(0, eq), v->substr(eq + 1), "--set " + v->substr(0, eq)});
    } else if (arg.rfind("--", 0) == 0 && arg.find('.') != std::string::npos) {
      // --section.key=value or --section.key value
      std::string body = arg.substr(2);
      auto eq = body.find('=');
      if (eq != std::string::npos) {
        a.overrides.push_back({body.substr(0, eq), body.substr(eq + 1), "--" + body.substr(0, eq)});
      } else {
        auto v = next(arg);
        if (!v) return v.error();
        a.overrides.push_back({body, *v, arg});
      }
    } else {
      return Error{"unknown argument \"" + arg + "\" (try --help)"};
    }
  }
  return a;
}

Expected<config::Config> loadConfig(const config::Schema& schema, const ProgramArgs& args,
                                    const std::string& default_config) {
  config::Loader loader(schema);
  if (args.config_files.empty() && !default_config.empty()) loader.file(default_config, /*optional=*/true);
  for (const auto& f : args.config_files) loader.file(f);
  for (const auto& o : args.overrides) loader.set(o.key, o.value, o.origin);
  return loader.load();
}

std::string usage(const config::Schema& schema, const std::string& summary) {
  return "Usage: " + schema.program() + " [--config FILE]... [--section.key=value]... [options]\n" + summary +
         "\n\nOptions:\n"
         "  -c, --config FILE      read configuration from FILE (TOML; repeatable, later files win)\n"
         "  --section.key=VALUE    override one configuration key (same as --set section.key=VALUE)\n"
         "  --check-config         validate the configuration and exit (0 valid, 2 invalid)\n"
         "  --print-config         print the effective configuration and exit\n"
         "  --log-level LEVEL      debug, info, warn or error\n"
         "  -h, --help             this text\n"
         "  -V, --version          version and build information\n\n"
         "Configuration keys:\n" +
         schema.describe();
}

std::string versionString() { return std::string(kVersion) + " (" + kGitRevision + ")"; }

int standardStartup(int argc, char** argv, const config::Schema& schema, const std::string& summary,
                    const std::string& default_config, config::Config& out_config) {
  auto args = parseProgramArgs(argc, argv);
  if (!args) {
    std::cerr << schema.program() << ": " << args.error().message << "\n";
    return 2;
  }
  if (args->help) {
    std::cout << usage(schema, summary);
    return 0;
  }
  if (args->version) {
    std::cout << schema.program() << " " << versionString() << "\n";
    return 0;
  }
  if (!args->log_level.empty()) {
    log::Level l;
    if (!log::parseLevel(args->log_level, l)) {
      std::cerr << schema.program() << ": --log-level must be debug, info, warn or error\n";
      return 2;
    }
    log::setLevel(l);
  }
  auto cfg = loadConfig(schema, *args, default_config);
  if (!cfg) {
    std::cerr << schema.program() << ": invalid configuration: " << cfg.error().message << "\n";
    return 2;
  }
  if (args->check_config) {
    std::cout << schema.program() << ": configuration valid (hash " << cfg->hash() << ")\n";
    return 0;
  }
  if (args->print_config) {
    std::cout << cfg->dump();
    return 0;
  }
  out_config = std::move(*cfg);
  return -1;
}

}  // namespace fleetlink
