// A board's files, from the package's share folder to a provisioned image: every board profile passes the
// agent's configuration check with a vehicle identity, fleetlink-provision installs a profile, gpsd's defaults
// and a vehicle bundle made by deploy/fleet-credentials.sh, and the udev rules make every device name the
// profiles and gpsd defaults rely on.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "production_broker.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink::test;
using namespace fleetlink::test::deploy;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> filesIn(const std::string& rel_dir, const std::string& extension) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(sourcePath(rel_dir)))
    if (e.path().extension() == extension) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

RunResult checkConfig(const std::vector<std::string>& files, const std::string& extra = {}) {
  std::vector<std::string> argv = {binary("fleetlink-edge"), "--check-config"};
  for (const auto& f : files) argv.insert(argv.end(), {"--config", f});
  if (!extra.empty()) argv.push_back(extra);
  return run(argv, std::chrono::seconds(30));
}

// `key = "value"` of one TOML line anywhere in the file (the profiles keep one key per line).
std::string tomlString(const std::string& text, const std::string& key) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex("(^|\n)" + key + R"(\s*=\s*"([^"]*)\")"))) return m[2];
  return {};
}

fs::perms mode(const std::string& path) { return fs::status(path).permissions() & fs::perms::mask; }

RunResult provision(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"bash", sourcePath("firmware-config/fleetlink-provision"), "--share",
                                   sourcePath("firmware-config"), "--no-restart"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, std::chrono::seconds(30));
}

}  // namespace

TEST_CASE("deploy 20: every board profile with a vehicle identity passes the agent's configuration check",
          "[deploy][profiles]") {
  const auto profiles = filesIn("firmware-config/profiles", ".toml");
  REQUIRE(profiles.size() >= 3);
  auto all = profiles;
  all.push_back(sourcePath("firmware-config/edge.toml"));
  for (const auto& profile : all) {
    INFO(profile);
    auto r = checkConfig({profile, sourcePath("firmware-config/identity.toml.example")});
    INFO(r.output);
    CHECK(r.code == 0);
  }
  // The check can fail: a profile with a misspelt key is refused, naming the file and the key.
  TempDir dir;
  dir.write("bad.toml", "[gps]\nmin_fix_mod = 2\n");
  auto bad = checkConfig({profiles.front(), dir.file("bad.toml")});
  CHECK(bad.code != 0);
  CHECK_THAT(bad.output, Catch::Contains("bad.toml") && Catch::Contains("min_fix_mod"));
}

TEST_CASE("deploy 21: fleetlink-provision installs a board profile and a vehicle's identity", "[deploy][profiles]") {
  TempDir pki("fleetlink-provision-pki"), root("fleetlink-provision-root");
  makeCredentials(pki.path(), {{"acme", {"truck-7"}, {}}}, "cert");
  const auto bundle = pki.path() + "/vehicles/acme/truck-7";

  auto r = provision({"--root", root.path(), "--board", "rpi4-cm4", "--bundle", bundle});
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto etc = root.path() + "/etc/fleetlink";
  CHECK(readFile(etc + "/edge.toml") == readFile(sourcePath("firmware-config/profiles/rpi4-cm4.toml")));
  CHECK(readFile(root.path() + "/etc/default/gpsd") == readFile(sourcePath("firmware-config/gpsd/rpi4-cm4.default")));
  // Secrets readable by root and the agent's group only.
  CHECK(mode(etc) == fs::perms(0750));
  CHECK(mode(etc + "/identity.toml") == fs::perms(0640));
  CHECK(mode(etc + "/vehicle.key") == fs::perms(0640));
  CHECK(mode(etc + "/ca.crt") == fs::perms(0644));

  // The identity names the vehicle and its certificate at the board's paths (/etc/fleetlink, not the image's).
  const auto identity = readFile(etc + "/identity.toml");
  CHECK(tomlString(identity, "fleet") == "acme");
  CHECK(tomlString(identity, "vehicle") == "truck-7");
  CHECK(tomlString(identity, "tls_cert") == "/etc/fleetlink/vehicle.crt");
  CHECK(tomlString(identity, "tls_key") == "/etc/fleetlink/vehicle.key");

  // The installed pair is what the agent accepts, and the certificate is the vehicle's, signed by the fleet CA.
  auto ok = checkConfig({etc + "/edge.toml", etc + "/identity.toml"});
  INFO(ok.output);
  CHECK(ok.code == 0);
  auto verify = run({"openssl", "verify", "-CAfile", etc + "/ca.crt", etc + "/vehicle.crt"});
  INFO(verify.output);
  CHECK(verify.code == 0);
  auto subject = run({"openssl", "x509", "-noout", "-subject", "-in", etc + "/vehicle.crt"});
  CHECK_THAT(subject.output, Catch::Contains("truck-7@acme"));

  SECTION("an unknown board is refused with the list of known ones") {
    auto bad = provision({"--root", root.path(), "--board", "rpi5"});
    CHECK(bad.code == 2);
    CHECK_THAT(bad.output, Catch::Contains("no board profile \"rpi5\"") && Catch::Contains("imx8-generic") &&
                               Catch::Contains("x86-testrig"));
  }
  SECTION("a bundle without an identity is refused and names the script that makes it") {
    TempDir empty;
    auto bad = provision({"--root", root.path(), "--bundle", empty.path()});
    CHECK(bad.code == 2);
    CHECK_THAT(bad.output, Catch::Contains("identity.toml missing") && Catch::Contains("fleet-credentials.sh"));
  }
  SECTION("the list of boards is the profiles folder") {
    auto list = provision({"--list"});
    CHECK(list.code == 0);
    CHECK(list.output == "imx8-generic\nrpi4-cm4\nx86-testrig\n");
  }
}

TEST_CASE("deploy 22: the udev rules parse and make every device name the profiles and gpsd defaults use",
          "[deploy][profiles][udev]") {
  const auto rules = readFile(sourcePath("firmware-config/udev/60-fleetlink.rules"));
  // One rule per line: comma-separated KEY[{attr}] OP "value" pairs, keys udev knows.
  const std::regex pair(R"(^\s*([A-Z_]+)(\{[^}]+\})?\s*(==|!=|\+=|-=|:=|=)\s*"[^"]*"\s*$)");
  const std::set<std::string> keys = {"ACTION", "KERNEL", "SUBSYSTEM", "SUBSYSTEMS", "ATTR",  "ATTRS", "ENV",
                                      "DRIVERS", "SYMLINK", "GROUP",    "MODE",       "OWNER", "TAG",   "NAME"};
  std::set<std::string> symlinks, groups;
  std::istringstream lines(rules);
  int rule_count = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    ++rule_count;
    std::istringstream parts(line);
    for (std::string part; std::getline(parts, part, ',');) {
      std::smatch m;
      INFO(line << "\n  element: " << part);
      REQUIRE(std::regex_match(part, m, pair));
      CHECK(keys.count(m[1]) == 1);
      std::smatch v;
      std::regex_search(part, v, std::regex(R"delim("([^"]*)")delim"));
      if (m[1] == "SYMLINK") symlinks.insert("/dev/" + v[1].str());
      if (m[1] == "GROUP") groups.insert(v[1]);
    }
  }
  CHECK(rule_count >= 5);
  CHECK(symlinks.count("/dev/gnss0") == 1);
  CHECK(symlinks.count("/dev/input/fleetlink-panic") == 1);
  // The agent's account gets the GPIO chips through the group the package creates.
  CHECK(groups.count("fleetlink") == 1);

  for (const auto& def : filesIn("firmware-config/gpsd", ".default")) {
    INFO(def);
    const auto devices = tomlString(readFile(def), "DEVICES");
    REQUIRE_FALSE(devices.empty());
    CHECK(symlinks.count(devices) == 1);
  }
  for (const auto& profile : filesIn("firmware-config/profiles", ".toml")) {
    INFO(profile);
    const auto text = readFile(profile);
    const auto name = fs::path(profile).stem().string();
    // Every board profile has its gpsd defaults.
    CHECK(fs::exists(sourcePath("firmware-config/gpsd/" + name + ".default")));
    const auto evdev = tomlString(text, "evdev_device");
    if (!evdev.empty()) CHECK(symlinks.count(evdev) == 1);
  }
}
