// fleetlink-fieldcheck: the technician's one command on a vehicle board. Loads the agent's configuration exactly
// as the agent does, then checks gpsd and the fix, the agent, the panic button (press test), the broker with the
// vehicle's credentials and the outbox, and prints PASS/WARN/FAIL/SKIP per item. Exit 0 = no FAIL, 1 = a FAIL,
// 2 = bad command line.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "check_report.hpp"
#include "edge/config/config_sources.hpp"
#include "edge/config/edge_config.hpp"
#include "field_check.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/program.hpp"

namespace {

constexpr const char* kEdgeConfig = "/etc/fleetlink/edge.toml";
constexpr const char* kIdentityConfig = "/etc/fleetlink/identity.toml";

const char* kUsage =
    "Usage: fleetlink-fieldcheck [--config FILE]... [--section.key=value]... [options]\n"
    "Checks a vehicle board: configuration, gpsd and fix, agent, panic button, broker credentials, buffer.\n"
    "Without --config it reads /etc/fleetlink/edge.toml and /etc/fleetlink/identity.toml, like the service.\n\n"
    "Options:\n"
    "  -c, --config FILE        agent configuration (repeatable, later files win)\n"
    "  --section.key=VALUE      override one agent configuration key\n"
    "  --button-seconds N       wait N seconds for a panic button press (default 15; 0 skips the press test)\n"
    "  --gps-timeout N          wait N seconds for a fix (default 15)\n"
    "  --broker-timeout N       wait N seconds for the broker (default 10)\n"
    "  -h, --help               this text\n"
    "  -V, --version            version\n\n"
    "Exit status: 0 every item passed (warnings allowed), 1 an item failed, 2 bad command line.\n";

bool takeSeconds(const std::string& flag, const std::string& value, int max, int& out) {
  try {
    std::size_t used = 0;
    out = std::stoi(value, &used);
    if (used == value.size() && out >= 0 && out <= max) return true;
  } catch (const std::exception&) {
  }
  std::cerr << "fleetlink-fieldcheck: " << flag << " expects a number of seconds from 0 to " << max << ", got \""
            << value << "\"\n";
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fleetlink;
  fieldcheck::FieldCheckOptions options;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    const std::string flag = arg.substr(0, eq);
    if (flag == "--button-seconds" || flag == "--gps-timeout" || flag == "--broker-timeout") {
      std::string value;
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        std::cerr << "fleetlink-fieldcheck: " << flag << " needs a value\n";
        return 2;
      }
      int secs = 0;
      if (!takeSeconds(flag, value, flag == "--button-seconds" ? 60 : 600, secs)) return 2;
      if (flag == "--button-seconds") options.button_wait = std::chrono::seconds(secs);
      if (flag == "--gps-timeout") options.gps_timeout = std::chrono::seconds(secs);
      if (flag == "--broker-timeout") options.broker_timeout = std::chrono::seconds(secs);
    } else {
      rest.push_back(argv[i]);
    }
  }
  auto args = parseProgramArgs(static_cast<int>(rest.size()), rest.data());
  if (!args) {
    std::cerr << "fleetlink-fieldcheck: " << args.error().message << "\n";
    return 2;
  }
  if (args->help) {
    std::cout << kUsage;
    return 0;
  }
  if (args->version) {
    std::cout << "fleetlink-fieldcheck " << versionString() << "\n";
    return 0;
  }
  log::setLevel(log::Level::Warn);

  std::vector<std::string> files = args->config_files;
  if (files.empty()) {
    for (const char* f : {kEdgeConfig, kIdentityConfig})
      if (std::filesystem::exists(f)) files.emplace_back(f);
  }
  std::string sources;
  for (const auto& f : files) sources += (sources.empty() ? "" : ", ") + f;
  if (sources.empty()) sources = "built-in defaults only (no /etc/fleetlink/edge.toml)";

  fieldcheck::CheckReport report;
  auto loaded = edge::loadEdgeConfig(edge::ConfigSources(files, args->overrides));
  if (!loaded) {
    report.add("config", fieldcheck::Outcome::Fail,
               loaded.error().message + " (check it with: fleetlink-edge --check-config --config FILE)");
    std::cout << report.render("fleetlink field check (" + sources + ")");
    return report.exitCode();
  }
  const auto settings = edge::edgeSettings(loaded->config);
  std::string detail = "valid (hash " + settings.config_hash + ") from " + sources;
  if (!loaded->warning.empty()) {
    report.add("config", fieldcheck::Outcome::Warn, detail + "; " + loaded->warning);
  } else {
    report.add("config", fieldcheck::Outcome::Pass, detail);
  }
  options.prompt = [](const std::string& text) { std::cout << ">> " << text << std::endl; };
  fieldcheck::FieldCheck(settings, options).run(report);
  std::cout << report.render("fleetlink field check: vehicle " + settings.device.fleet + "/" + settings.device.vehicle);
  return report.exitCode();
}
