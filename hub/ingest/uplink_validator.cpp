#include "hub/ingest/uplink_validator.hpp"

#include <cmath>

#include "fleetlink/common/geo.hpp"
#include "fleetlink/common/ids.hpp"
#include "fleetlink/common/wire.hpp"

namespace fleetlink::hub::ingest {
namespace {
constexpr double kMaxSpeedMps = 150;  // 540 km/h: above is a receiver fault
}

bool plausiblePosition(const v1::Position& p) {
  return geo::isValid({p.lat(), p.lon()}) && std::isfinite(p.speed_mps()) && p.speed_mps() >= 0 &&
         p.speed_mps() <= kMaxSpeedMps && std::isfinite(p.heading_deg()) && p.heading_deg() >= 0 &&
         p.heading_deg() <= 360 && std::isfinite(p.alt_m()) && std::isfinite(p.h_accuracy_m());
}

std::optional<RecordRejection> checkRecord(const v1::Record& r, std::int64_t now_ms, const ValidationLimits& limits) {
  auto reject = [&](const char* reason, std::string detail) {
    return std::optional<RecordRejection>(RecordRejection{r.seq(), reason, std::move(detail)});
  };
  if (r.seq() == 0) return reject("seq", "sequence number 0 (sequences start at 1)");
  if (r.time_ms() < limits.min_time_ms || r.time_ms() > now_ms + limits.max_future_ms)
    return reject("time", "time " + std::to_string(r.time_ms()) + " ms is not a plausible UTC time");
  switch (r.body_case()) {
    case v1::Record::kPosition:
      if (!plausiblePosition(r.position())) return reject("position", "coordinates, speed or heading out of range");
      break;
    case v1::Record::kPanic:
      if (r.panic().has_last_position()) {
        const auto& p = r.panic().last_position();
        if (!(p.lat() == 0 && p.lon() == 0) && !geo::isValid({p.lat(), p.lon()}))
          return reject("position", "panic carries an invalid last position");
      }
      break;
    case v1::Record::kDuty:
      if (!r.duty().driver_id().empty() && !isValidId(r.duty().driver_id()))
        return reject("body", "driver id \"" + r.duty().driver_id().substr(0, 80) + "\" is not a valid id");
      if (r.duty().status() < v1::DUTY_STATUS_OFF_DUTY || r.duty().status() > v1::DUTY_STATUS_BREAK)
        return reject("body", "duty status missing or unknown");
      break;
    case v1::Record::kCommandAck:
      if (r.command_ack().command_id().empty()) return reject("body", "command ack without a command id");
      break;
    case v1::Record::kHealth:
    case v1::Record::BODY_NOT_SET:  // a newer body this hub does not know: kept as "unknown"
      break;
  }
  return std::nullopt;
}

Expected<ValidatedUplink> validateUplink(const topics::Parsed& topic, std::string_view payload, std::int64_t now_ms,
                                         const ValidationLimits& limits) {
  if (topic.channel != topics::Channel::Up) return Error{"not an uplink topic"};
  auto up = wire::decodeUplink(payload);
  if (!up) return up.error();
  if (up->fleet_id() != topic.fleet || up->vehicle_id() != topic.vehicle)
    return Error{"payload names fleet \"" + up->fleet_id().substr(0, 64) + "\" vehicle \"" +
                 up->vehicle_id().substr(0, 64) + "\" but was published on the topic of " + topic.fleet + "/" +
                 topic.vehicle + " (a device may only speak for itself)"};
  if (!up->device_id().empty() && !isValidId(up->device_id()))
    return Error{"device id \"" + up->device_id().substr(0, 64) + "\" is not a valid id"};
  ValidatedUplink v;
  v.fleet = topic.fleet;
  v.vehicle = topic.vehicle;
  v.device = up->device_id().empty() ? topic.vehicle : up->device_id();
  v.historical = up->historical();
  v.sent_at_ms = up->sent_at_ms();
  v.records.reserve(static_cast<std::size_t>(up->records_size()));
  for (auto& r : *up->mutable_records()) {
    if (auto bad = checkRecord(r, now_ms, limits)) {
      v.rejected.push_back(std::move(*bad));
      continue;
    }
    v.records.push_back(std::move(r));
  }
  return v;
}

}  // namespace fleetlink::hub::ingest
