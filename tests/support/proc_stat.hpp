#pragma once
// CPU time and memory of a running process from /proc, for tests and benchmarks that report what a process
// they started used.
#include <sys/types.h>

#include <cstdint>

namespace fleetlink::test {

struct ProcStat {
  double cpu_s = 0;                // user + system
  std::uint64_t rss_kib = 0;       // VmRSS
  std::uint64_t peak_rss_kib = 0;  // VmHWM
  bool ok = false;                 // false once the process is gone
};
ProcStat readProcStat(pid_t pid);

}  // namespace fleetlink::test
