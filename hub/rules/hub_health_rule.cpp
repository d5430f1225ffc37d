#include "hub/rules/hub_health_rule.hpp"

#include <cstdio>

namespace fleetlink::hub::rules {

void HubHealthRule::evaluate(State& s, const Input& in, const Limits& lim, std::int64_t now_ms, Findings& out) {
  auto step = [&](const std::string& key, bool cond, v1::Severity sev, const std::string& title,
                  const std::string& detail) {
    bool& active = s.active[key];
    if (cond == active) return;
    active = cond;
    Finding f;
    f.rule = "hub_health";
    f.key = key;
    f.active = cond;
    f.severity = sev;
    f.since_ms = now_ms;
    f.at_ms = now_ms;
    f.title = title;
    f.detail = cond ? detail : "recovered";
    out.push_back(std::move(f));
  };
  step("broker", !in.broker_connected && now_ms - in.broker_down_since_ms >= lim.broker_down_after_ms,
       v1::SEVERITY_CRITICAL, "Hub lost the broker",
       "disconnected for " + std::to_string((now_ms - in.broker_down_since_ms) / 1000) + " s; vehicle data is not arriving");
  char buf[96];
  std::snprintf(buf, sizeof buf, "history writes take %.0f ms (limit %.0f ms)", in.store_latency_ms,
                lim.store_latency_max_ms);
  step("store_latency", in.store_latency_ms > lim.store_latency_max_ms, v1::SEVERITY_HIGH, "History store slow", buf);
  const double rate = in.messages ? static_cast<double>(in.rejected) / static_cast<double>(in.messages) : 0;
  std::snprintf(buf, sizeof buf, "%.1f%% of %llu messages rejected in the last minute", rate * 100,
                static_cast<unsigned long long>(in.messages));
  if (in.messages >= lim.min_messages || s.active["ingest_errors"])
    step("ingest_errors", in.messages >= lim.min_messages && rate > lim.ingest_error_rate_max, v1::SEVERITY_HIGH,
         "Many rejected messages", buf);
}

}  // namespace fleetlink::hub::rules
