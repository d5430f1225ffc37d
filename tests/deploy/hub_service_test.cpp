// The hub's systemd unit is code too: it must parse (systemd-analyze verify, against the real binary) and declare
// what running the hub in production relies on.
#include <catch2/catch.hpp>

#include <regex>

#include "production_broker.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink::test;
using namespace fleetlink::test::deploy;

TEST_CASE("deploy 11: the hub's systemd unit runs the hub as its own user, restarts it and checks its config first",
          "[deploy][systemd]") {
  const auto unit = readFile(sourcePath("deploy/systemd/fleetlink-hub.service"));
  for (const char* line : {"User=fleetlink-hub", "Restart=on-failure", "StateDirectory=fleetlink-hub",
                           "KillSignal=SIGTERM", "NoNewPrivileges=yes", "ProtectSystem=strict",
                           "ReadWritePaths=/var/lib/fleetlink-hub", "WantedBy=multi-user.target"}) {
    INFO(line);
    CHECK(std::regex_search(unit, std::regex("(^|\n)" + std::string(line) + "\n")));
  }
  CHECK_THAT(unit, Catch::Contains("ExecStartPre=/usr/bin/fleetlink-hub --check-config --config /etc/fleetlink/hub.toml"));
  CHECK_THAT(unit, Catch::Contains("ExecStart=/usr/bin/fleetlink-hub --config /etc/fleetlink/hub.toml"));
  CHECK_THAT(unit, Catch::Contains("After=network-online.target mosquitto.service"));

  // The ExecStartPre line is a real command: the hub accepts it (an empty config file is all defaults).
  TempDir dir;
  dir.write("hub.toml", "");
  auto check = run({binary("fleetlink-hub"), "--check-config", "--config", dir.file("hub.toml")});
  INFO(check.output);
  CHECK(check.code == 0);

  if (run({"sh", "-c", "command -v systemd-analyze"}).code == 0) {
    dir.write("fleetlink-hub.service", std::regex_replace(unit, std::regex("/usr/bin/fleetlink-hub"), binary("fleetlink-hub")));
    auto r = run({"systemd-analyze", "verify", dir.file("fleetlink-hub.service")});
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(r.output.find("Unknown") == std::string::npos);
  }
}
