#include "hub/ingest/crash_recovery.hpp"

#include <climits>

#include <nlohmann/json.hpp>

namespace fleetlink::hub::ingest {

std::string CrashRecovery::encode(const Marker& m) {
  return nlohmann::json{{"alive_at_ms", m.alive_at_ms}, {"clean", m.clean}}.dump();
}

std::optional<CrashRecovery::Marker> CrashRecovery::decode(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto at = j.find("alive_at_ms");
  const auto clean = j.find("clean");
  if (at == j.end() || !at->is_number_integer() || clean == j.end() || !clean->is_boolean()) return std::nullopt;
  return Marker{at->get<std::int64_t>(), clean->get<bool>()};
}

CrashRecovery::CrashRecovery(Options opts, const std::optional<Marker>& previous, std::int64_t started_at_ms)
    : opts_(opts), started_at_ms_(started_at_ms) {
  if (previous && !previous->clean && opts_.period_ms > 0)
    recover_since_ms_ = std::max<std::int64_t>(1, previous->alive_at_ms - opts_.margin_ms);
}

std::optional<std::int64_t> CrashRecovery::windowFor(const std::string& fleet, const std::string& vehicle,
                                                     std::int64_t now_ms) {
  if (!recovering() || now_ms - started_at_ms_ > opts_.period_ms) return std::nullopt;
  if (!asked_.emplace(fleet, vehicle).second) return std::nullopt;
  // A clock that went backwards still gets the margin.
  return std::max(now_ms - recover_since_ms_, opts_.margin_ms);
}

std::optional<CrashRecovery::Marker> CrashRecovery::heartbeat(std::int64_t now_ms) {
  if (last_heartbeat_ms_ != INT64_MIN && now_ms - last_heartbeat_ms_ < opts_.heartbeat_ms && now_ms >= last_heartbeat_ms_)
    return std::nullopt;
  last_heartbeat_ms_ = now_ms;
  return Marker{now_ms, false};
}

}  // namespace fleetlink::hub::ingest
