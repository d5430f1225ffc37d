// The package cross/build-package.sh makes: `dpkg-deb -c` shows the binaries, the systemd unit, the default
// config (a conffile) and the user setup; the tarball carries the same tree for boards without dpkg.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink::test;

namespace {
std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
std::string debPath() {
  return std::string(FLEETLINK_BINARY_DIR) + "/packages/fleetlink-edge_" + FLEETLINK_VERSION + "_" +
         FLEETLINK_CROSS_DEBARCH + ".deb";
}
std::string dpkgDeb(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"dpkg-deb"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run(argv);
  INFO(r.output);
  REQUIRE(r.code == 0);
  return r.output;
}
}  // namespace

TEST_CASE("cross package 01: the Debian package holds binary, unit, config and user setup", "[cross][package]") {
  const auto deb = debPath();
  INFO("build the package first: bash cross/build-package.sh " << FLEETLINK_CROSS_DEBARCH);
  REQUIRE(std::filesystem::exists(deb));

  const auto files = dpkgDeb({"-c", deb});
  for (const char* f : {"./usr/bin/fleetlink-edge", "./usr/bin/fleetlinkctl", "./usr/bin/fleetlink-fieldcheck",
                        "./usr/bin/fleetlink-provision", "./lib/systemd/system/fleetlink-edge.service",
                        "./etc/fleetlink/edge.toml", "./lib/udev/rules.d/60-fleetlink.rules",
                        "./usr/share/fleetlink/profiles/rpi4-cm4.toml", "./usr/share/fleetlink/gpsd/rpi4-cm4.default",
                        "./usr/share/fleetlink/identity.toml.example", "./usr/lib/sysusers.d/fleetlink-edge.conf",
                        "./usr/lib/tmpfiles.d/fleetlink-edge.conf"}) {
    INFO(f);
    CHECK_THAT(files, Catch::Contains(std::string(f) + "\n"));
  }
  CHECK_THAT(files, !Catch::Contains("fleetlink-hub"));
  CHECK_THAT(files, !Catch::Contains("identity.toml\n"));  // per vehicle, placed at install time

  CHECK(dpkgDeb({"-f", deb, "Architecture"}) == std::string(FLEETLINK_CROSS_DEBARCH) + "\n");
  const auto depends = dpkgDeb({"-f", deb, "Depends"});
  for (const char* d : {"adduser", "gpsd", "libpaho-mqttpp3", "libprotobuf-lite", "libsqlite3-0", "libgps"}) {
    INFO(d);
    CHECK_THAT(depends, Catch::Contains(d));
  }
  // The agent needs only the lite protobuf runtime; the full one (libprotobuf32) is not pulled onto boards.
  CHECK_THAT(depends, !Catch::Contains("libprotobuf32"));

  TempDir ctl("fleetlink-deb-control");
  dpkgDeb({"-e", deb, ctl.path()});
  CHECK(readText(ctl.file("conffiles")) == "/etc/fleetlink/edge.toml\n");
  const auto postinst = readText(ctl.file("postinst"));
  CHECK_THAT(postinst, Catch::Contains("adduser --system --group --home /var/lib/fleetlink"));
  CHECK_THAT(postinst, Catch::Contains("install -d -m 0750 -o fleetlink -g fleetlink /var/lib/fleetlink"));
  CHECK_THAT(postinst, Catch::Contains("deb-systemd-helper"));
  CHECK(std::filesystem::status(ctl.file("postinst")).permissions() == std::filesystem::perms(0755));
  CHECK(run({"sh", "-n", ctl.file("postinst")}).code == 0);
  CHECK(run({"sh", "-n", ctl.file("prerm")}).code == 0);
  CHECK(run({"sh", "-n", ctl.file("postrm")}).code == 0);

  // The unit runs the agent as the user the postinst creates.
  TempDir tree("fleetlink-deb-tree");
  dpkgDeb({"-x", deb, tree.path()});
  const auto unit = readText(tree.file("lib/systemd/system/fleetlink-edge.service"));
  CHECK_THAT(unit, Catch::Contains("User=fleetlink"));
  CHECK_THAT(unit, Catch::Contains("/usr/bin/fleetlink-edge"));
  // The packaged default config is what the agent accepts.
  CHECK_THAT(readText(tree.file("etc/fleetlink/edge.toml")), Catch::Contains("data_dir = \"/var/lib/fleetlink\""));
}

TEST_CASE("cross package 03: the packaged sysusers and tmpfiles entries create the agent's account and folders",
          "[cross][package]") {
  // systemd applies them to the unpacked tree as it would at a board's boot (the tarball install path).
  TempDir tree("fleetlink-deb-root");
  dpkgDeb({"-x", debPath(), tree.path()});
  std::filesystem::create_directories(tree.file("etc"));
  auto users = run({"systemd-sysusers", "--root=" + tree.path()});
  INFO(users.output);
  REQUIRE(users.code == 0);
  const auto passwd = readText(tree.file("etc/passwd"));
  INFO(passwd);
  CHECK_THAT(passwd, Catch::Contains(":fleetlink edge agent:/var/lib/fleetlink:/usr/sbin/nologin\n"));
  CHECK_THAT(passwd, Catch::StartsWith("fleetlink:x:") || Catch::Contains("\nfleetlink:x:"));
  CHECK_THAT(readText(tree.file("etc/group")), Catch::Contains("input:x:") && Catch::Contains("fleetlink"));

  const auto tmpfiles = readText(tree.file("usr/lib/tmpfiles.d/fleetlink-edge.conf"));
  CHECK_THAT(tmpfiles, Catch::Contains("d /var/lib/fleetlink 0750 fleetlink fleetlink -\n"));
  CHECK_THAT(tmpfiles, Catch::Contains("d /etc/fleetlink 0750 root fleetlink -\n"));
  // Creating them resolves the account from the tree's /etc/passwd and needs root for the owner.
  if (::geteuid() == 0) {
    auto dirs = run({"systemd-tmpfiles", "--root=" + tree.path(), "--create"});
    INFO(dirs.output);
    CHECK(dirs.code == 0);
    for (const char* d : {"var/lib/fleetlink", "etc/fleetlink"}) {
      INFO(d);
      CHECK(std::filesystem::is_directory(tree.file(d)));
      CHECK(std::filesystem::status(tree.file(d)).permissions() == std::filesystem::perms(0750));
    }
  }
}

TEST_CASE("cross package 02: the tarball carries the same tree for boards without dpkg", "[cross][package]") {
  const std::string tgz = std::string(FLEETLINK_BINARY_DIR) + "/packages/fleetlink-edge_" + FLEETLINK_VERSION + "_" +
                          FLEETLINK_CROSS_DEBARCH + ".tar.gz";
  REQUIRE(std::filesystem::exists(tgz));
  auto r = run({"tar", "-tzf", tgz});
  REQUIRE(r.code == 0);
  for (const char* f : {"usr/bin/fleetlink-edge", "lib/systemd/system/fleetlink-edge.service", "etc/fleetlink/edge.toml",
                        "usr/share/fleetlink/setup/create-user-and-enable.sh"}) {
    INFO(f);
    CHECK_THAT(r.output, Catch::Contains(std::string(f) + "\n"));
  }
}
