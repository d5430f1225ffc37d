// The agent's systemd unit is code too: it must parse, and declare what the agent relies on.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink::test;

TEST_CASE("the fleetlink-edge systemd unit is a notify service with a watchdog that always restarts", "[deploy][systemd]") {
  std::ifstream in(sourcePath("deploy/systemd/fleetlink-edge.service"));
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string unit = ss.str();
  for (const char* line : {"Type=notify", "Restart=always", "User=fleetlink", "StateDirectory=fleetlink",
                           "NoNewPrivileges=yes", "ProtectSystem=strict", "KillSignal=SIGTERM"}) {
    INFO(line);
    CHECK(std::regex_search(unit, std::regex("(^|\n)" + std::string(line) + "\n")));
  }
  CHECK(std::regex_search(unit, std::regex("\nWatchdogSec=[1-9][0-9]*s\n")));
  CHECK_THAT(unit, Catch::Contains("ExecStart=/usr/bin/fleetlink-edge --config /etc/fleetlink/edge.toml"));

  if (run({"sh", "-c", "command -v systemd-analyze"}).code == 0) {
    TempDir dir;
    std::string local = std::regex_replace(unit, std::regex("/usr/bin/fleetlink-edge"), binary("fleetlink-edge"));
    dir.write("fleetlink-edge.service", local);
    auto r = run({"systemd-analyze", "verify", dir.file("fleetlink-edge.service")});
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(r.output.find("Unknown") == std::string::npos);
  }
}
