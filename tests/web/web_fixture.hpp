#pragma once
// Helpers for the web tests: settings, tokens and live events, and an in-process web server over the fakes
// of fake_core.hpp.
#include <memory>
#include <string>
#include <vector>

#include "fake_core.hpp"
#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/metrics.hpp"
#include "hub/config/hub_config.hpp"
#include "hub/web/auth.hpp"
#include "hub/web/web_server.hpp"

namespace fleetlink::test {

inline const std::string kSecret = "test-secret-for-web-tests";

hub::HubSettings::Web webSettings();
std::string token(hub::web::Role role, std::vector<std::string> fleets, std::vector<std::string> vehicles = {},
                  std::int64_t ttl_ms = 3'600'000, const std::string& secret = kSecret, const std::string& sub = "tester");

hub::LiveEvent positionEvent(const std::string& fleet, const std::string& vehicle, std::int64_t time_ms,
                             double lat = 52.0, double lon = 4.0);
hub::LiveEvent alertEvent(const std::string& fleet, const std::string& vehicle, const std::string& alert_id,
                          v1::AlertState state = v1::ALERT_STATE_OPEN);
hub::LiveEvent statusEvent(const std::string& fleet, const std::string& vehicle, const std::string& status);

// A web server on a free loopback port over FakeAdmin/FakeHealth, with its own metrics registry.
class ServerUnderTest {
 public:
  explicit ServerUnderTest(hub::HubSettings::Web settings = webSettings());
  ~ServerUnderTest();
  hub::web::WebServer& server() { return *server_; }
  int port() const { return server_->port(); }
  FakeAdmin& admin() { return admin_; }
  FakeHealth& health() { return health_; }
  metrics::Registry& metrics() { return metrics_; }
  void publish(const hub::LiveEvent& e) { server_->publish(e); }
  void drain() { server_->drainFanout(); }

 private:
  FakeAdmin admin_;
  FakeHealth health_;
  metrics::Registry metrics_;
  hub::HubSettings::Web settings_;
  std::unique_ptr<hub::web::WebServer> server_;
};

}  // namespace fleetlink::test
