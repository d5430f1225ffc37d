#include "hub_fixture.hpp"

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "fleetlink/common/wire_json.hpp"
#include "hub/admin/admin_service.hpp"
#include "hub/config/hub_config.hpp"

namespace fleetlink::test {

HubUnderTest::HubUnderTest(const Broker& broker, const std::string& data_dir, const std::string& toml) {
  auto cfg = config::Loader(hub::hubSchema())
                 .text(toml, "test.toml")
                 .set("mqtt.port", std::to_string(broker.port()))
                 .set("hub.data_dir", data_dir)
                 .set("store.flush_interval", "20ms")
                 .load();
  REQUIRE(cfg);
  auto settings = hub::hubSettings(*cfg);
  core_ = std::make_unique<hub::HubCore>(settings, *cfg);
  core_->addLiveSink(sink_);
  auto st = core_->start();
  INFO((st ? std::string() : st.error().message));
  REQUIRE(st);
  // Connected and subscribed before the test publishes.
  REQUIRE(waitUntil([&] { return core_->healthSource().health().broker_connected; }, std::chrono::seconds(10)));
}

HubUnderTest::~HubUnderTest() { stop(); }

void HubUnderTest::stop() {
  if (core_) core_->stop();
}

nlohmann::json HubUnderTest::admin(const std::string& fleet, const std::string& action, const nlohmann::json& args,
                                   const std::string& actor) {
  v1::AdminRequest req;
  req.set_action(action);
  req.set_actor(actor);
  if (!args.is_null()) REQUIRE(wire::fromJson(args.dump(), *req.mutable_args()));
  auto res = core_->admin().handle(fleet, req);
  return nlohmann::json::parse(hub::admin::responseJson(res));
}

std::vector<Fix> readRmc(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<Fix> out;
  std::string line;
  auto coord = [](const std::string& v, const std::string& hemi, int deg_digits) {
    if (v.size() < static_cast<std::size_t>(deg_digits) + 2) return 0.0;
    const double deg = std::stod(v.substr(0, static_cast<std::size_t>(deg_digits)));
    const double min = std::stod(v.substr(static_cast<std::size_t>(deg_digits)));
    const double d = deg + min / 60.0;
    return hemi == "S" || hemi == "W" ? -d : d;
  };
  while (std::getline(in, line)) {
    const auto start = line.find("RMC,");
    if (start == std::string::npos || start < 3) continue;
    std::vector<std::string> f;
    std::stringstream ss(line.substr(start + 4, line.find('*') - start - 4));
    std::string part;
    while (std::getline(ss, part, ',')) f.push_back(part);
    if (f.size() < 9 || f[1] != "A" || f[0].size() < 6 || f[8].size() != 6) continue;
    std::tm tm{};
    tm.tm_hour = std::stoi(f[0].substr(0, 2));
    tm.tm_min = std::stoi(f[0].substr(2, 2));
    tm.tm_sec = std::stoi(f[0].substr(4, 2));
    tm.tm_mday = std::stoi(f[8].substr(0, 2));
    tm.tm_mon = std::stoi(f[8].substr(2, 2)) - 1;
    tm.tm_year = std::stoi(f[8].substr(4, 2)) + 100;
    Fix x;
    x.time_ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
    x.lat = coord(f[2], f[3], 2);
    x.lon = coord(f[4], f[5], 3);
    x.speed_mps = f[6].empty() ? 0 : std::stod(f[6]) * 0.514444;
    x.course_deg = f[7].empty() ? 0 : std::stod(f[7]);
    if (!out.empty() && x.time_ms <= out.back().time_ms) continue;
    out.push_back(x);
  }
  return out;
}

v1::Record positionRecord(std::uint64_t seq, std::int64_t time_ms, double lat, double lon, double speed_mps,
                          std::uint64_t epoch) {
  v1::Record r;
  r.set_seq(seq);
  r.set_epoch(epoch);
  r.set_time_ms(time_ms);
  r.set_time_source(v1::TIME_SOURCE_GPS);
  auto* p = r.mutable_position();
  p->set_lat(lat);
  p->set_lon(lon);
  p->set_speed_mps(static_cast<float>(speed_mps));
  p->set_fix_mode(v1::FIX_MODE_3D);
  p->set_satellites(8);
  return r;
}

std::string uplink(const std::string& fleet, const std::string& vehicle, const std::vector<v1::Record>& records,
                   const std::string& device, bool historical) {
  v1::Uplink u;
  u.set_fleet_id(fleet);
  u.set_vehicle_id(vehicle);
  u.set_device_id(device);
  u.set_historical(historical);
  u.set_sent_at_ms(nowMs());
  for (const auto& r : records) *u.add_records() = r;
  return u.SerializeAsString();
}

std::vector<v1::Alert> alertsOn(const MqttProbe& probe) { return alertsIn(probe.messages()); }

std::vector<v1::Alert> alertsIn(const std::vector<Received>& messages) {
  std::vector<v1::Alert> out;
  for (const auto& m : messages) {
    if (m.topic.find("/alerts") == std::string::npos) continue;
    v1::Alert a;
    if (a.ParseFromString(m.payload)) out.push_back(a);
  }
  return out;
}

std::int64_t nowMs() { return SystemClock().nowMs(); }

}  // namespace fleetlink::test
