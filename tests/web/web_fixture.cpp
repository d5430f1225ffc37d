#include "web_fixture.hpp"

#include <stdexcept>

namespace fleetlink::test {

hub::HubSettings::Web webSettings() {
  hub::HubSettings::Web w{};
  w.address = "127.0.0.1";
  w.port = 0;
  w.jwt_secret = kSecret;
  w.max_clients = 1000;
  w.threads = 2;
  w.event_log = "off";
  w.event_log_retention = std::chrono::hours(1);
  w.idle_timeout = std::chrono::seconds(30);
  w.history_events = 1000;
  w.client_conflate_after = 64;
  w.client_queue_max = 4096;
  w.resume_max_events = 50000;
  w.request_max = 64 * 1024;
  return w;
}

std::string token(hub::web::Role role, std::vector<std::string> fleets, std::vector<std::string> vehicles,
                  std::int64_t ttl_ms, const std::string& secret, const std::string& sub) {
  hub::web::TokenClaims c;
  c.subject = sub;
  c.role = role;
  c.fleets = std::move(fleets);
  c.vehicles = std::move(vehicles);
  c.issued_at_ms = SystemClock().nowMs();
  c.expires_at_ms = c.issued_at_ms + ttl_ms;
  auto t = hub::web::issueToken(c, secret);
  if (!t) throw std::runtime_error(t.error().message);
  return *t;
}

hub::LiveEvent positionEvent(const std::string& fleet, const std::string& vehicle, std::int64_t time_ms, double lat,
                             double lon) {
  hub::LiveEvent e;
  e.kind = hub::LiveEvent::Kind::Position;
  e.fleet = fleet;
  e.vehicle = vehicle;
  e.time_ms = time_ms;
  e.update.set_fleet_id(fleet);
  e.update.set_vehicle_id(vehicle);
  e.update.set_time_ms(time_ms);
  e.update.set_status("online");
  e.update.mutable_position()->set_lat(lat);
  e.update.mutable_position()->set_lon(lon);
  e.update.mutable_position()->set_speed_mps(10);
  return e;
}

hub::LiveEvent alertEvent(const std::string& fleet, const std::string& vehicle, const std::string& alert_id,
                          v1::AlertState state) {
  hub::LiveEvent e;
  e.kind = hub::LiveEvent::Kind::Alert;
  e.fleet = fleet;
  e.vehicle = vehicle;
  e.time_ms = SystemClock().nowMs();
  e.alert.set_alert_id(alert_id);
  e.alert.set_fleet_id(fleet);
  e.alert.set_vehicle_id(vehicle);
  e.alert.set_rule("panic");
  e.alert.set_severity(v1::SEVERITY_CRITICAL);
  e.alert.set_state(state);
  e.alert.set_title("Panic button pressed");
  return e;
}

hub::LiveEvent statusEvent(const std::string& fleet, const std::string& vehicle, const std::string& status) {
  hub::LiveEvent e;
  e.kind = hub::LiveEvent::Kind::VehicleStatus;
  e.fleet = fleet;
  e.vehicle = vehicle;
  e.time_ms = SystemClock().nowMs();
  e.update.set_fleet_id(fleet);
  e.update.set_vehicle_id(vehicle);
  e.update.set_status(status);
  return e;
}

ServerUnderTest::ServerUnderTest(hub::HubSettings::Web settings) : settings_(std::move(settings)) {
  server_ = std::make_unique<hub::web::WebServer>(settings_, admin_, health_, metrics_);
  if (auto st = server_->start(); !st) throw std::runtime_error(st.error().message);
}

ServerUnderTest::~ServerUnderTest() { server_->stop(); }

}  // namespace fleetlink::test
