#include "elf_check.hpp"

#include <filesystem>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "support/process.hpp"

namespace fleetlink::test::cross {

ElfInfo readElf(const std::string& path) {
  auto r = run({"readelf", "-h", "-d", "-l", "-W", path}, std::chrono::seconds(30));
  if (r.code != 0) throw std::runtime_error("readelf " + path + " failed:\n" + r.output);
  ElfInfo info;
  std::istringstream in(r.output);
  const std::regex machine(R"(^\s*Machine:\s*(.*\S)\s*$)");
  const std::regex needed(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
  const std::regex interp(R"(\[Requesting program interpreter: ([^\]]+)\])");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, machine)) info.machine = m[1];
    if (std::regex_search(line, m, needed)) info.needed.push_back(m[1]);
    if (std::regex_search(line, m, interp)) info.interpreter = m[1];
  }
  return info;
}

std::vector<Resolved> resolveNeeded(const ElfInfo& elf, const std::string& triplet) {
  std::vector<Resolved> out;
  for (const auto& so : elf.needed) {
    Resolved r{so, {}, {}};
    for (const std::string& dir : {"/usr/lib/" + triplet, "/lib/" + triplet}) {
      if (std::filesystem::exists(dir + "/" + so)) {
        r.path = std::filesystem::canonical(dir + "/" + so).string();
        r.machine = readElf(r.path).machine;
        break;
      }
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace fleetlink::test::cross
