#pragma once
// CPU time and memory of a running process from /proc, for tests and benchmarks that report what a process
// they started used.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fleetlink::test {

struct ProcStat {
  double cpu_s = 0;                // user + system
  std::uint64_t rss_kib = 0;       // VmRSS
  std::uint64_t peak_rss_kib = 0;  // VmHWM
  bool ok = false;                 // false once the process is gone
};
ProcStat readProcStat(pid_t pid);

// Resident memory by what is mapped (a library or program by file name, "[anon]" for heap, stacks and anonymous
// memory), largest first (/proc/<pid>/smaps): where an RSS figure comes from.
struct MappingRss {
  std::string name;
  std::uint64_t rss_kib = 0;
};
std::vector<MappingRss> rssByMapping(pid_t pid);

}  // namespace fleetlink::test
