#include "support/proc_stat.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace fleetlink::test {

ProcStat readProcStat(pid_t pid) {
  ProcStat s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return s;
  // Fields after the command name (which may hold spaces) start at the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 > line.size()) return s;
  std::istringstream in(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::stoull(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) s.peak_rss_kib = std::stoull(line.substr(6));
  }
  s.ok = true;
  return s;
}

std::vector<MappingRss> rssByMapping(pid_t pid) {
  std::map<std::string, std::uint64_t> kib;
  std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps");
  std::string line, name;
  while (std::getline(smaps, line)) {
    if (line.empty()) continue;
    if (std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') < line.find(' ')) {
      std::istringstream fields(line);
      std::string range, perms, offset, dev, inode;
      fields >> range >> perms >> offset >> dev >> inode;
      std::getline(fields >> std::ws, name);
      if (name.empty() || name == "[heap]" || name == "[stack]") name = "[anon]";
      else name = std::filesystem::path(name).filename().string();
    } else if (line.rfind("Rss:", 0) == 0) {
      kib[name] += std::stoull(line.substr(4));
    }
  }
  std::vector<MappingRss> out;
  for (const auto& [n, k] : kib) out.push_back({n, k});
  std::sort(out.begin(), out.end(), [](const MappingRss& a, const MappingRss& b) { return a.rss_kib > b.rss_kib; });
  return out;
}

}  // namespace fleetlink::test
