#include "hub_process.hpp"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/v1/fleetlink.pb.h"
#include "support/ports.hpp"
#include "web_client.hpp"
#include "web_fixture.hpp"

namespace fleetlink::test {

HubProcess::HubProcess(const Broker& broker, std::string web_toml)
    : broker_(broker), dir_("fleetlink-web-hub"), web_port_(freePort()) {
  dir_.write("hub.toml", "[hub]\ninstance = \"web-e2e\"\ndata_dir = \"" + dir_.file("data") +
                             "\"\n[mqtt]\nhost = \"127.0.0.1\"\nport = " + std::to_string(broker.port()) +
                             "\n[web]\naddress = \"127.0.0.1\"\nport = " + std::to_string(web_port_) +
                             "\njwt_secret = \"" + kSecret + "\"\n" + web_toml + "\n");
}

HubProcess::~HubProcess() { stop(); }

void HubProcess::start() {
  const char* chosen = std::getenv("FLEETLINK_HUB_BINARY");
  // Absolute, so that a path relative to where the benchmark or test was started still names the same file.
  const std::string bin = chosen && *chosen ? std::filesystem::absolute(chosen).string() : binary("fleetlink-hub");
  proc_ = Process({bin, "--config", configPath()}, dir_.file("hub.log"));
  const bool ready = waitUntil([&] { return httpRequest(web_port_, "GET", "/readyz").status == 200; },
                               std::chrono::seconds(30));
  if (!ready) throw std::runtime_error("fleetlink-hub did not become ready:\n" + log());
}

void HubProcess::stop() {
  if (proc_.running()) proc_.stop(std::chrono::seconds(10));
}

VehicleFeed::VehicleFeed(const Broker& broker) : mqtt_(broker.uri(), {}, "web-feed") {}

std::uint64_t VehicleFeed::nextSeq(const std::string& key) { return ++seq_[key]; }

void VehicleFeed::position(const std::string& fleet, const std::string& vehicle, std::int64_t time_ms, double lat,
                           double lon, double speed_mps) {
  v1::Uplink u;
  u.set_fleet_id(fleet);
  u.set_vehicle_id(vehicle);
  u.set_device_id("dev-" + vehicle);
  u.set_sent_at_ms(SystemClock().nowMs());
  auto* r = u.add_records();
  r->set_seq(nextSeq(fleet + "/" + vehicle));
  r->set_epoch(1);
  r->set_time_ms(time_ms);
  r->set_time_source(v1::TIME_SOURCE_GPS);
  auto* p = r->mutable_position();
  p->set_lat(lat);
  p->set_lon(lon);
  p->set_speed_mps(static_cast<float>(speed_mps));
  p->set_fix_mode(v1::FIX_MODE_3D);
  p->set_satellites(9);
  mqtt_.publish(topics::vehicleUp(fleet, vehicle), u.SerializeAsString(), 1);
}

void VehicleFeed::panic(const std::string& fleet, const std::string& vehicle, std::int64_t time_ms, double lat,
                        double lon) {
  v1::Uplink u;
  u.set_fleet_id(fleet);
  u.set_vehicle_id(vehicle);
  u.set_device_id("dev-" + vehicle);
  u.set_sent_at_ms(SystemClock().nowMs());
  auto* r = u.add_records();
  r->set_seq(nextSeq(fleet + "/" + vehicle));
  r->set_epoch(1);
  r->set_time_ms(time_ms);
  r->set_time_source(v1::TIME_SOURCE_GPS);
  auto* p = r->mutable_panic();
  p->set_source(v1::PANIC_SOURCE_CONTROL_SOCKET);
  p->set_pressed_at_ms(time_ms);
  p->mutable_last_position()->set_lat(lat);
  p->mutable_last_position()->set_lon(lon);
  mqtt_.publish(topics::vehicleUp(fleet, vehicle), u.SerializeAsString(), 1);
}

}  // namespace fleetlink::test
