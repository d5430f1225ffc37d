#include "hub/rules/device_health_rule.hpp"

namespace fleetlink::hub::rules {

void DeviceHealthRule::feed(State& s, const v1::DeviceHealth& h, std::int64_t time_ms, const FleetRules& r,
                            Findings& out) {
  if (time_ms < s.last_ms) return;
  s.last_ms = time_ms;
  auto step = [&](const char* key, bool cond, bool& active, std::int64_t& since, const std::string& title,
                  const std::string& detail) {
    if (cond == active) return;
    active = cond;
    if (cond) since = time_ms;
    Finding f;
    f.rule = "device_health";
    f.key = key;
    f.active = cond;
    f.severity = v1::SEVERITY_MEDIUM;
    f.since_ms = since;
    f.at_ms = time_ms;
    f.title = title;
    f.detail = detail;
    out.push_back(std::move(f));
  };
  const bool backlog = static_cast<double>(h.buffer_records()) > r.backlog_records_max ||
                       static_cast<double>(h.oldest_unsent_age_s()) > r.backlog_age_max_s;
  step("backlog", backlog, s.backlog, s.backlog_since, "Upload backlog growing",
       std::to_string(h.buffer_records()) + " records waiting, oldest " + std::to_string(h.oldest_unsent_age_s()) +
           " s old");
  // 0 means the board did not report free space.
  const bool disk = h.disk_free_bytes() > 0 &&
                    static_cast<double>(h.disk_free_bytes()) < r.disk_free_min_mb * 1024.0 * 1024.0;
  step("disk", disk, s.disk, s.disk_since, "Device disk low",
       std::to_string(h.disk_free_bytes() / (1024 * 1024)) + " MiB free");
}

}  // namespace fleetlink::hub::rules
