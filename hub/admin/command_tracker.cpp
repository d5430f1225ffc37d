#include "hub/admin/command_tracker.hpp"

#include <cstdio>
#include <random>

#include "fleetlink/common/clock.hpp"

namespace fleetlink::hub::admin {

std::string newCommandId() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ static_cast<std::uint64_t>(monotonicMs()));
  char buf[24];
  std::snprintf(buf, sizeof buf, "cmd-%012llx", static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
  return buf;
}

store::CommandRow CommandTracker::issue(const std::string& fleet, const std::string& vehicle, const std::string& kind,
                                        const v1::Command& cmd, bool vehicle_online, std::int64_t now_ms) {
  store::CommandRow row;
  row.fleet = fleet;
  row.vehicle = vehicle;
  row.command_id = cmd.command_id();
  row.kind = kind;
  row.state = vehicle_online ? "delivered" : "queued";
  row.detail = vehicle_online ? "sent to the vehicle" : "vehicle not online; held by the broker until it reconnects";
  row.issued_by = cmd.issued_by();
  row.issued_at_ms = now_ms;
  row.updated_at_ms = now_ms;
  row.expires_at_ms = cmd.expires_at_ms();
  row.payload = cmd.SerializeAsString();
  open_[row.command_id] = row;
  return row;
}

std::optional<store::CommandRow> CommandTracker::onAck(const std::string& fleet, const std::string& vehicle,
                                                       const v1::CommandAck& ack, std::int64_t now_ms) {
  auto it = open_.find(ack.command_id());
  if (it == open_.end() || it->second.fleet != fleet || it->second.vehicle != vehicle) return std::nullopt;
  store::CommandRow row = it->second;
  row.state = ack.status() == v1::ACK_STATUS_ACCEPTED ? "acknowledged" : "rejected";
  row.detail = ack.detail().empty() ? row.state : ack.detail();
  row.updated_at_ms = now_ms;
  open_.erase(it);
  return row;
}

std::vector<store::CommandRow> CommandTracker::onOnline(const std::string& fleet, const std::string& vehicle,
                                                        std::int64_t now_ms) {
  std::vector<store::CommandRow> out;
  for (auto& [id, row] : open_)
    if (row.fleet == fleet && row.vehicle == vehicle && row.state == "queued") {
      row.state = "delivered";
      row.detail = "vehicle back online";
      row.updated_at_ms = now_ms;
      out.push_back(row);
    }
  return out;
}

std::vector<store::CommandRow> CommandTracker::expire(std::int64_t now_ms) {
  std::vector<store::CommandRow> out;
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->second.expires_at_ms > 0 && now_ms >= it->second.expires_at_ms) {
      it->second.state = "expired";
      it->second.detail = "no acknowledgement before it expired";
      it->second.updated_at_ms = now_ms;
      out.push_back(it->second);
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void CommandTracker::restore(const store::CommandRow& row) {
  if (row.state == "queued" || row.state == "delivered") open_[row.command_id] = row;
}

}  // namespace fleetlink::hub::admin
