#include <catch2/catch.hpp>

#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include "fleetlink/common/thread_name.hpp"

namespace {

std::string kernelName() {
  std::ifstream in("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

TEST_CASE("a thread's name is what the kernel shows for it, cut to 15 characters", "[common][thread]") {
  std::string shown, cut;
  std::thread([&] {
    fleetlink::nameThisThread("web-fanout");
    shown = kernelName();
    fleetlink::nameThisThread("a-name-longer-than-fifteen");
    cut = kernelName();
  }).join();
  CHECK(shown == "web-fanout");
  CHECK(cut == "a-name-longer-t");
}
