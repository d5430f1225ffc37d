// The agent's systemd unit is code too: it must parse, and declare what the agent relies on.
// (Plain string handling rather than <regex>: GCC 12's regex headers trip -Wmaybe-uninitialized at -O2 with ASan.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink::test;

namespace {
std::set<std::string> lines(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.insert(l);
  return out;
}
std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}
}  // namespace

TEST_CASE("the fleetlink-edge systemd unit is a notify service with a watchdog that always restarts", "[deploy][systemd]") {
  std::ifstream in(sourcePath("deploy/systemd/fleetlink-edge.service"));
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string unit = ss.str();
  const auto all = lines(unit);
  for (const char* line : {"Type=notify", "Restart=always", "User=fleetlink", "StateDirectory=fleetlink",
                           "NoNewPrivileges=yes", "ProtectSystem=strict", "KillSignal=SIGTERM"}) {
    INFO(line);
    CHECK(all.count(line) == 1);
  }
  bool watchdog = false;
  for (const auto& l : all) {
    const std::string key = "WatchdogSec=";
    if (l.rfind(key, 0) != 0 || l.size() < key.size() + 2 || l.back() != 's') continue;
    const std::string digits = l.substr(key.size(), l.size() - key.size() - 1);
    watchdog = digits.find_first_not_of("0123456789") == std::string::npos && digits[0] != '0';
  }
  CHECK(watchdog);
  CHECK_THAT(unit, Catch::Contains("ExecStart=/usr/bin/fleetlink-edge --config /etc/fleetlink/edge.toml"));

  if (run({"sh", "-c", "command -v systemd-analyze"}).code == 0) {
    TempDir dir;
    const std::string local = replaceAll(unit, "/usr/bin/fleetlink-edge", binary("fleetlink-edge"));
    dir.write("fleetlink-edge.service", local);
    auto r = run({"systemd-analyze", "verify", dir.file("fleetlink-edge.service")});
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(r.output.find("Unknown") == std::string::npos);
  }
}
