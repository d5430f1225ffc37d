// fleetlink-token: prints a bearer token for the hub's HTTP API and WebSocket, signed with web.jwt_secret
// from the hub's configuration.
//   fleetlink-token --config /etc/fleetlink/hub.toml --role dispatcher --fleet acme [--vehicle v1] [--ttl 8h] [--sub name]
#include <iostream>
#include <string>
#include <vector>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/config.hpp"
#include "fleetlink/common/ids.hpp"
#include "fleetlink/common/program.hpp"
#include "hub/config/hub_config.hpp"
#include "hub/web/auth.hpp"

namespace {

constexpr const char* kUsage =
    "usage: fleetlink-token [--config FILE] --role admin|dispatcher|viewer [--fleet ID]... [--vehicle ID]...\n"
    "                       [--ttl DURATION (default 8h)] [--sub NAME (default: the role)] [--web.jwt_secret=S]\n"
    "Prints an HS256 bearer token signed with the hub's web.jwt_secret (config file /etc/fleetlink/hub.toml\n"
    "when --config is not given).\n";

int fail(const std::string& msg) {
  std::cerr << "fleetlink-token: " << msg << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fleetlink;
  using namespace fleetlink::hub::web;
  ProgramArgs args;
  TokenClaims claims;
  std::string role, ttl = "8h";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const std::string& name) -> std::string {
      if (a.rfind(name + "=", 0) == 0) return a.substr(name.size() + 1);
      if (i + 1 < argc) return argv[++i];
      return {};
    };
    auto is = [&](const std::string& name) { return a == name || a.rfind(name + "=", 0) == 0; };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (is("--config")) args.config_files.push_back(value("--config"));
    else if (is("--role")) role = value("--role");
    else if (is("--fleet")) claims.fleets.push_back(value("--fleet"));
    else if (is("--vehicle")) claims.vehicles.push_back(value("--vehicle"));
    else if (is("--ttl")) ttl = value("--ttl");
    else if (is("--sub")) claims.subject = value("--sub");
    else if (a.rfind("--web.", 0) == 0 && a.find('=') != std::string::npos)
      args.overrides.push_back({a.substr(2, a.find('=') - 2), a.substr(a.find('=') + 1)});
    else return fail("unknown argument " + a + "\n" + kUsage);
  }
  if (role == "admin") claims.role = Role::Admin;
  else if (role == "dispatcher") claims.role = Role::Dispatcher;
  else if (role == "viewer") claims.role = Role::Viewer;
  else return fail("--role must be admin, dispatcher or viewer\n" + std::string(kUsage));
  for (const auto& id : claims.fleets)
    if (!isValidId(id)) return fail("--fleet '" + id + "' is not a valid fleet id");
  for (const auto& id : claims.vehicles)
    if (!isValidId(id)) return fail("--vehicle '" + id + "' is not a valid vehicle id");
  if (claims.role != Role::Admin && claims.fleets.empty()) return fail("a " + role + " token needs --fleet");
  const auto ttl_ms = config::parseDurationMs(ttl);
  if (!ttl_ms || *ttl_ms <= 0) return fail("--ttl must be a duration like 30m, 8h or 7d");
  if (claims.subject.empty()) claims.subject = role;

  auto cfg = loadConfig(hub::hubSchema(), args, "/etc/fleetlink/hub.toml");
  if (!cfg) return fail("invalid configuration: " + cfg.error().message);
  const auto settings = hub::hubSettings(*cfg);
  claims.issued_at_ms = SystemClock().nowMs();
  claims.expires_at_ms = claims.issued_at_ms + *ttl_ms;
  auto token = issueToken(claims, settings.web.jwt_secret);
  if (!token) return fail(token.error().message);
  std::cout << *token << "\n";
  return 0;
}
