// The command lines of the shipped programs: --help, --version, --check-config on the board profiles.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink::test;

namespace {
std::vector<std::string> daemons() {
  std::vector<std::string> d = {"fleetlink-edge"};
  try {
    d.push_back(binary("fleetlink-hub"));
    d.back() = "fleetlink-hub";
  } catch (...) {
  }
  return d;
}
}  // namespace

TEST_CASE("every program answers --help and --version", "[programs]") {
  auto progs = daemons();
  progs.push_back("fleetlinkctl");
  for (const auto& p : progs) {
    INFO(p);
    auto help = run({binary(p), "--help"});
    CHECK(help.code == 0);
    CHECK_THAT(help.output, Catch::Contains("Usage: " + p));
    auto ver = run({binary(p), "--version"});
    CHECK(ver.code == 0);
    CHECK_THAT(ver.output, Catch::StartsWith(p + " 0."));
  }
}

TEST_CASE("every board profile in firmware-config passes --check-config", "[programs][config]") {
  int profiles = 0;
  for (const auto& e : std::filesystem::directory_iterator(sourcePath("firmware-config/profiles"))) {
    if (e.path().extension() != ".toml") continue;
    ++profiles;
    INFO(e.path());
    auto r = run({binary("fleetlink-edge"), "--check-config", "--config", e.path().string()});
    CHECK(r.code == 0);
    CHECK_THAT(r.output, Catch::Contains("configuration valid"));
  }
  CHECK(profiles >= 3);
}

TEST_CASE("a broken config gives one line naming file, line and key", "[programs][config]") {
  TempDir dir;
  dir.write("bad.toml", "[device]\nfleet = \"acme\"\n\n[mqtt]\nport = 99999\n");
  auto r = run({binary("fleetlink-edge"), "--check-config", "--config", dir.file("bad.toml")});
  CHECK(r.code == 2);
  CHECK(r.output == "fleetlink-edge: invalid configuration: " + dir.file("bad.toml") +
                        ":5: key mqtt.port: must be between 1 and 65535, got 99999\n");
}

TEST_CASE("command-line overrides win over the file and are validated", "[programs][config]") {
  TempDir dir;
  dir.write("ok.toml", "[mqtt]\nport = 1883\n");
  auto ok = run({binary("fleetlink-edge"), "--config", dir.file("ok.toml"), "--mqtt.port=2883", "--print-config"});
  CHECK(ok.code == 0);
  CHECK_THAT(ok.output, Catch::Contains("mqtt.port = 2883"));
  auto bad = run({binary("fleetlink-edge"), "--check-config", "--config", dir.file("ok.toml"), "--set", "mqtt.port=x"});
  CHECK(bad.code == 2);
  CHECK_THAT(bad.output, Catch::Contains("mqtt.port") && Catch::Contains("expected an integer"));
  auto unknown = run({binary("fleetlink-edge"), "--bogus"});
  CHECK(unknown.code == 2);
  CHECK_THAT(unknown.output, Catch::Contains("unknown argument \"--bogus\""));
}

TEST_CASE("secrets are masked when the configuration is printed", "[programs][config]") {
  auto r = run({binary("fleetlink-edge"), "--mqtt.password=hunter2", "--print-config"});
  CHECK(r.code == 0);
  CHECK_THAT(r.output, Catch::Contains("mqtt.password = \"***\""));
  CHECK_THAT(r.output, !Catch::Contains("hunter2"));
}
