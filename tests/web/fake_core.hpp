#pragma once
// Below the seam (hub/api/hub_api.hpp), for in-process tests of the web server: an AdminHandler that
// records each call and answers with what it was asked (plus a tiny alert book), and a settable
// HealthSource. The end-to-end tests cross the same seam with the real core.
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fleetlink/common/wire_json.hpp"
#include "hub/api/hub_api.hpp"

namespace fleetlink::test {

struct AdminCall {
  std::string fleet, action, actor;
  nlohmann::json args;
};

class FakeAdmin final : public hub::AdminHandler {
 public:
  v1::AdminResponse handle(const std::string& fleet, const v1::AdminRequest& request) override {
    AdminCall call{fleet, request.action(), request.actor(), nlohmann::json::parse(wire::toJson(request.args()))};
    nlohmann::json result;
    std::string error;
    {
      std::lock_guard lk(mu_);
      calls_.push_back(call);
      if (call.action == "alerts.ack") {
        const auto id = call.args.value("alert_id", std::string());
        if (id == "missing") error = "no alert with id \"missing\" in fleet " + fleet;
        else acked_.push_back(id);
      }
      if (call.action == "history.track" && call.args.value("format", std::string()) == "csv")
        result = "time_ms,lat,lon\n1,2,3\n";
      else if (call.action == "vehicles.list")
        result = nlohmann::json::array({{{"vehicle", "v1"}, {"status", "online"}}, {{"vehicle", "v2"}, {"status", "online"}}});
      else
        result = {{"fleet", fleet}, {"action", call.action}, {"actor", call.actor}, {"args", call.args}};
    }
    v1::AdminResponse res;
    res.set_action(request.action());
    if (!error.empty()) {
      res.set_ok(false);
      res.set_error(error);
      return res;
    }
    res.set_ok(true);
    (void)wire::fromJson(result.dump(), *res.mutable_result());
    return res;
  }
  std::vector<AdminCall> calls() const {
    std::lock_guard lk(mu_);
    return calls_;
  }
  std::vector<std::string> acked() const {
    std::lock_guard lk(mu_);
    return acked_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<AdminCall> calls_;
  std::vector<std::string> acked_;
};

class FakeHealth final : public hub::HealthSource {
 public:
  hub::HealthReport health() const override {
    std::lock_guard lk(mu_);
    return report_;
  }
  void set(hub::HealthReport r) {
    std::lock_guard lk(mu_);
    report_ = r;
  }

 private:
  mutable std::mutex mu_;
  hub::HealthReport report_;
};

}  // namespace fleetlink::test
