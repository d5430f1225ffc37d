#include "hub_runner.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/ports.hpp"
#include "web_client.hpp"

namespace fleetlink::test::chaos {

HubRunner::HubRunner(int broker_port, std::string jwt_secret) : dir_("fleetlink-chaos-hub"), web_port_(freePort()) {
  // Alerts for the same rule may repeat at once (no cooldown): each panic must be its own alert anyway.
  dir_.write("hub.toml", "[hub]\ninstance = \"chaos\"\ndata_dir = \"" + dir_.file("data") +
                             "\"\n[mqtt]\nhost = \"127.0.0.1\"\nport = " + std::to_string(broker_port) +
                             "\nkeepalive = \"5s\"\n[web]\naddress = \"127.0.0.1\"\nport = " +
                             std::to_string(web_port_) + "\njwt_secret = \"" + jwt_secret +
                             "\"\nidle_timeout = \"10s\"\n[log]\nlevel = \"info\"\n");
}

HubRunner::~HubRunner() { proc_.kill9(); }

void HubRunner::start() {
  proc_ = Process({binary("fleetlink-hub"), "--config", dir_.file("hub.toml")},
                  dir_.file("hub-" + std::to_string(++starts_) + ".log"));
  const bool ready = waitUntil(
      [&] { return !proc_.running() || httpRequest(web_port_, "GET", "/readyz").status == 200; },
      std::chrono::seconds(30));
  if (!ready || !proc_.running()) throw std::runtime_error("fleetlink-hub did not become ready:\n" + log());
}

void HubRunner::kill9() { proc_.kill9(); }

void HubRunner::stop() {
  if (proc_.running()) proc_.stop(std::chrono::seconds(10));
}

std::string HubRunner::log() const {
  std::string all;
  for (int i = 1; i <= starts_; ++i) {
    const auto path = dir_.file("hub-" + std::to_string(i) + ".log");
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    all += "--- " + path + "\n" + ss.str();
  }
  return all;
}

}  // namespace fleetlink::test::chaos
