#include "support/broker.hpp"

#include <unistd.h>

#include <stdexcept>

#include "support/ports.hpp"

namespace fleetlink::test {

Broker::Broker() : Broker(Options{}) {}

Broker::Broker(Options o) : opts_(std::move(o)), dir_("fleetlink-broker"), port_(freePort()) { start(); }

Broker::~Broker() { proc_.kill9(); }

void Broker::start() {
  std::string conf;
  conf += "listener " + std::to_string(port_) + " 127.0.0.1\n";
  conf += "socket_domain ipv4\n";
  conf += std::string("allow_anonymous ") + (opts_.anonymous ? "true" : "false") + "\n";
  conf += "log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n";
  conf += "max_queued_messages 1000000\nmax_inflight_messages 100\n";
  if (::geteuid() == 0) conf += "user root\n";  // stay root so the data folder stays writable
  if (opts_.persistence) {
    conf += "persistence true\npersistence_location " + dir_.path() + "/\nautosave_interval 1\n";
  } else {
    conf += "persistence false\n";
  }
  conf += opts_.extra_config;
  dir_.write("mosquitto.conf", conf);
  proc_ = Process({"mosquitto", "-c", dir_.file("mosquitto.conf")}, dir_.file("mosquitto.log"));
  if (!waitUntil([this] { return portOpen(port_) || !proc_.running(); }, std::chrono::seconds(10)) ||
      !proc_.running()) {
    throw std::runtime_error("mosquitto did not start on port " + std::to_string(port_) + ":\n" + log());
  }
}

void Broker::stop() { proc_.stop(std::chrono::seconds(10)); }

void Broker::kill9() { proc_.kill9(); }

}  // namespace fleetlink::test
