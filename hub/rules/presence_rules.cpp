#include "hub/rules/presence_rules.hpp"

#include <algorithm>

namespace fleetlink::hub::rules {

void OfflineRule::evaluate(State& s, bool offline, std::int64_t offline_since_ms, std::int64_t now_ms,
                           const FleetRules& r, Findings& out) {
  const bool cond = offline && now_ms - offline_since_ms >= static_cast<std::int64_t>(r.offline_alert_after_s * 1000);
  if (cond == s.active) return;
  if (!cond && offline) return;  // still offline: only a reconnect clears it
  s.active = cond;
  Finding f;
  f.rule = "offline";
  f.active = cond;
  f.severity = v1::SEVERITY_MEDIUM;
  f.since_ms = offline_since_ms;
  f.at_ms = now_ms;
  f.title = "Vehicle offline";
  f.detail = cond ? "no connection for " + std::to_string((now_ms - offline_since_ms) / 1000) + " s" : "back online";
  out.push_back(std::move(f));
}

void GpsLostRule::evaluate(State& s, const Input& in, std::int64_t now_ms, const FleetRules& r, Findings& out) {
  constexpr int kFix = 3;  // v1::GPS_STATE_FIX
  bool cond = false;
  std::int64_t since = 0;
  if (in.online) {
    // A health record newer than the last position that reports a fix means the receiver is fine (a parked
    // vehicle may report positions rarely).
    const bool health_says_fix = in.gps_state == kFix && in.gps_state_ms >= in.last_position_ms;
    since = std::max(in.last_position_ms, in.online_since_ms);
    cond = !health_says_fix && now_ms - since >= static_cast<std::int64_t>(r.gps_lost_after_s * 1000);
  }
  if (cond == s.active) return;
  s.active = cond;
  if (cond) s.since = since;
  Finding f;
  f.rule = "gps_lost";
  f.active = cond;
  f.severity = v1::SEVERITY_MEDIUM;
  f.since_ms = s.since;
  f.at_ms = now_ms;
  f.title = "GPS lost";
  static const char* kStates[] = {"unknown", "gpsd not reachable", "no fix", "fix"};
  f.detail = cond ? std::string("online but no position; receiver reports ") +
                        kStates[std::clamp(in.gps_state, 0, 3)]
                  : "positions again";
  out.push_back(std::move(f));
}

}  // namespace fleetlink::hub::rules
