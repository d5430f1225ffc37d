// The cross toolchain files, used the way the edge build uses them: a probe project that links the edge's
// libraries is configured and built for aarch64, and the result must be an AArch64 program that links only
// target libraries and runs under qemu-user. armhf is build-tested without libraries when its multiarch
// packages are not installed (cross/install-toolchain.sh exit code 3).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "elf_check.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink::test;
using namespace fleetlink::test::cross;

namespace {

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool toolchainInstalled(const std::string& triplet) {
  return run({"sh", "-c", "command -v " + triplet + "-g++"}).code == 0;
}

// Configures and builds tests/cross/probe with a toolchain file; REQUIREs success.
void buildProbe(const TempDir& dir, const std::string& toolchain, bool with_libs) {
  auto conf = run({"cmake", "-S", sourcePath("tests/cross/probe"), "-B", dir.path(), "-G", "Ninja",
                   "--toolchain", sourcePath("cross/" + toolchain), "-DCMAKE_BUILD_TYPE=Release",
                   std::string("-DPROBE_LIBS=") + (with_libs ? "ON" : "OFF")},
                  std::chrono::seconds(120));
  INFO(conf.output);
  REQUIRE(conf.code == 0);
  auto build = run({"cmake", "--build", dir.path(), "-j", "1"}, std::chrono::seconds(180));
  INFO(build.output);
  REQUIRE(build.code == 0);
}

}  // namespace

TEST_CASE("cross 01: the aarch64 toolchain file links target libraries only and the result runs under qemu",
          "[cross][toolchain]") {
  INFO("install the toolchain with: bash cross/install-toolchain.sh aarch64");
  REQUIRE(toolchainInstalled("aarch64-linux-gnu"));
  TempDir dir("fleetlink-probe-aarch64");
  buildProbe(dir, "aarch64-linux-gnu.cmake", true);

  const auto elf = readElf(dir.file("probe"));
  CHECK(elf.machine == "AArch64");
  CHECK(elf.interpreter == "/lib/ld-linux-aarch64.so.1");
  REQUIRE_FALSE(elf.needed.empty());
  for (const auto& lib : resolveNeeded(elf, "aarch64-linux-gnu")) {
    INFO(lib.soname << " -> " << lib.path);
    CHECK_FALSE(lib.path.empty());
    CHECK(lib.machine == "AArch64");
  }
  // What CMake found: target libraries, the host's protoc.
  const auto found = readAll(dir.file("found.txt"));
  INFO(found);
  CHECK_THAT(found, Catch::Contains("sqlite=/usr/lib/aarch64-linux-gnu/libsqlite3.so"));
  CHECK_THAT(found, Catch::Contains("protobuf=/usr/lib/aarch64-linux-gnu/libprotobuf.so"));
  CHECK_THAT(found, Catch::Contains("gps=/usr/lib/aarch64-linux-gnu/libgps.so"));
  CHECK_THAT(found, Catch::Contains("protoc=/usr/bin/protoc"));
  const auto cache = readAll(dir.file("CMakeCache.txt"));
  CHECK(cache.find("/usr/lib/x86_64-linux-gnu") == std::string::npos);
  const auto ninja = readAll(dir.file("build.ninja"));
  CHECK(ninja.find("x86_64-linux-gnu") == std::string::npos);

  auto r = run({"qemu-aarch64", "-L", "/", dir.file("probe")}, std::chrono::seconds(60));
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK_THAT(r.output, Catch::StartsWith("probe 42 sqlite 3.") && Catch::Contains("protobuf 3021"));
}

TEST_CASE("cross 02: the armhf toolchain file builds a threaded C++20 program that runs under qemu-arm",
          "[cross][toolchain]") {
  INFO("install the toolchain with: bash cross/install-toolchain.sh armhf");
  REQUIRE(toolchainInstalled("arm-linux-gnueabihf"));
  const bool libs = std::filesystem::exists("/usr/lib/arm-linux-gnueabihf/libpaho-mqttpp3.so");
  TempDir dir("fleetlink-probe-armhf");
  buildProbe(dir, "arm-linux-gnueabihf.cmake", libs);
  const auto elf = readElf(dir.file("probe"));
  CHECK(elf.machine == "ARM");
  CHECK(elf.interpreter == "/lib/ld-linux-armhf.so.3");
  // Without the armhf multiarch libc the cross libc under /usr/arm-linux-gnueabihf stands in (the toolchain file's
  // emulator setting does the same).
  const std::string root = std::filesystem::exists("/lib/ld-linux-armhf.so.3") ? "/" : "/usr/arm-linux-gnueabihf";
  auto r = run({"qemu-arm", "-L", root, dir.file("probe")}, std::chrono::seconds(60));
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK_THAT(r.output, Catch::StartsWith("probe 42"));
  if (!libs) WARN("armhf libraries not installed: only the toolchain and C++ runtime were tested");
}
