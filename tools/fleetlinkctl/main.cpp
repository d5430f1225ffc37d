// fleetlinkctl: the fleet admin's command line. Each call is one MQTT 5 request to the hub's admin topic.
//
//   fleetlinkctl --fleet acme vehicles.list
//   fleetlinkctl --fleet acme alerts.ack alert_id=A-12 note="called the driver"
#include <cstring>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "admin_client.hpp"
#include "fleetlink/common/program.hpp"

namespace {

const char* kUsage =
    "Usage: fleetlinkctl [options] ACTION [key=value]...\n"
    "Sends an admin request to the fleetlink hub over MQTT and prints the answer as JSON.\n\n"
    "Options:\n"
    "  --broker HOST:PORT   broker (default 127.0.0.1:1883; env FLEETLINK_BROKER)\n"
    "  --fleet ID           fleet to act on (default: demo; env FLEETLINK_FLEET)\n"
    "  --user NAME          broker user name (env FLEETLINK_USER)\n"
    "  --password TEXT      broker password (env FLEETLINK_PASSWORD)\n"
    "  --tls-ca FILE        connect with TLS, trusting this CA\n"
    "  --actor NAME         who is acting, for the audit log (default: $USER)\n"
    "  --timeout SECONDS    how long to wait for the hub (default 10)\n"
    "  -h, --help, -V, --version\n\n"
    "Values are taken as JSON where they parse (numbers, true, [\"a\",\"b\"]) and as text otherwise.\n"
    "Actions (docs/protocol.md lists all): vehicles.list, alerts.list, alerts.ack, alerts.resolve,\n"
    "  assignments.pause, assignments.resume, routes.assign, routes.reassign, routes.list, drivers.message,\n"
    "  alerts.escalate, rules.get, rules.set, commands.list, audit.list\n";

std::string env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fleetlink;
  mqttx::Endpoint broker;
  std::string broker_text = env("FLEETLINK_BROKER", "127.0.0.1:1883");
  ctl::AdminCall call;
  call.fleet = env("FLEETLINK_FLEET", "demo");
  call.actor = env("USER", "admin");
  broker.username = env("FLEETLINK_USER", "");
  broker.password = env("FLEETLINK_PASSWORD", "");
  nlohmann::json args = nlohmann::json::object();

  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "fleetlinkctl: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "-V" || a == "--version") {
      std::cout << "fleetlinkctl " << versionString() << "\n";
      return 0;
    } else if (a == "--broker") broker_text = next();
    else if (a == "--fleet") call.fleet = next();
    else if (a == "--user") broker.username = next();
    else if (a == "--password") broker.password = next();
    else if (a == "--tls-ca") {
      broker.tls = true;
      broker.tls_ca = next();
    } else if (a == "--actor") call.actor = next();
    else if (a == "--timeout") call.timeout = std::chrono::milliseconds(static_cast<long>(std::stod(next()) * 1000));
    else if (a.rfind("--", 0) == 0) {
      std::cerr << "fleetlinkctl: unknown option " << a << " (try --help)\n";
      return 2;
    } else if (call.action.empty()) call.action = a;
    else {
      const auto eq = a.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "fleetlinkctl: expected key=value, got \"" << a << "\"\n";
        return 2;
      }
      const std::string key = a.substr(0, eq), value = a.substr(eq + 1);
      auto parsed = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
      args[key] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
    }
  }
  if (call.action.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const auto colon = broker_text.rfind(':');
  broker.host = broker_text.substr(0, colon);
  if (colon != std::string::npos) broker.port = std::atoi(broker_text.c_str() + colon + 1);
  call.args_json = args.dump();

  auto answer = ctl::callAdmin(broker, call);
  if (!answer) {
    std::cerr << "fleetlinkctl: " << answer.error().message << "\n";
    return 3;
  }
  auto json = nlohmann::json::parse(*answer, nullptr, false);
  if (json.is_discarded()) {
    std::cout << *answer << "\n";
    return 1;
  }
  std::cout << json.dump(2) << "\n";
  return json.value("ok", false) ? 0 : 1;
}
