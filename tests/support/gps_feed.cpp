#include "support/gps_feed.hpp"

#include <signal.h>

#include <sstream>
#include <stdexcept>

#include "support/ports.hpp"

namespace fleetlink::test {

GpsFake::GpsFake(Options o) : opts_(std::move(o)), dir_("fleetlink-gpsfake"), port_(freePort()) { start(); }

GpsFake::~GpsFake() { stop(); }

void GpsFake::start() {
  std::ostringstream cycle;
  cycle << opts_.cycle_s;
  std::vector<std::string> argv = {"gpsfake", "-q", "-c", cycle.str(), "-P", std::to_string(port_)};
  if (opts_.once) argv.push_back("-1");
  argv.push_back(opts_.log_file);
  proc_ = Process(argv, dir_.file("gpsfake.log"));
  if (!waitUntil([this] { return portOpen(port_) || !proc_.running(); }, std::chrono::seconds(20)) ||
      !proc_.running()) {
    throw std::runtime_error("gpsfake did not start on port " + std::to_string(port_) + ":\n" + log());
  }
}

void GpsFake::stop() {
  // gpsfake runs gpsd as a child in its own process group; end the whole group.
  if (proc_.running()) {
    ::kill(-proc_.pid(), SIGTERM);
    if (proc_.wait(std::chrono::seconds(5)) == -1) ::kill(-proc_.pid(), SIGKILL);
  }
  proc_.kill9();
}

}  // namespace fleetlink::test
