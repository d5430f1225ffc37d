#include "hub/web/stream_event.hpp"

#include <nlohmann/json.hpp>

#include "fleetlink/common/wire_json.hpp"

namespace fleetlink::hub::web {
namespace {

std::string envelope(const std::string& stream, std::uint64_t offset, std::uint8_t kind, const std::string& vehicle,
                     std::int64_t time_ms, const std::string& data_json) {
  std::string out;
  out.reserve(data_json.size() + stream.size() + vehicle.size() + 96);
  out += R"({"type":"event","stream":)";
  out += nlohmann::json(stream).dump();
  out += R"(,"offset":)";
  out += std::to_string(offset);
  out += R"(,"kind":")";
  out += kindName(static_cast<KindBit>(kind));
  out += R"(","vehicle":)";
  out += nlohmann::json(vehicle).dump();
  out += R"(,"time_ms":)";
  out += std::to_string(time_ms);
  out += R"(,"data":)";
  out += data_json.empty() ? std::string("{}") : data_json;
  out += '}';
  return out;
}

}  // namespace

KindBit kindOf(LiveEvent::Kind k) {
  switch (k) {
    case LiveEvent::Kind::Position: return kPosition;
    case LiveEvent::Kind::VehicleStatus: return kStatus;
    case LiveEvent::Kind::Alert: return kAlert;
    case LiveEvent::Kind::RouteProgress: return kRoute;
  }
  return kPosition;
}

std::string payloadBytes(const LiveEvent& e) {
  switch (e.kind) {
    case LiveEvent::Kind::Alert: return e.alert.SerializeAsString();
    case LiveEvent::Kind::RouteProgress: return e.route.SerializeAsString();
    default: return e.update.SerializeAsString();
  }
}

EventPtr makeEvent(std::string stream, std::uint64_t offset, const LiveEvent& e) {
  const google::protobuf::Message* data = &e.update;
  if (e.kind == LiveEvent::Kind::Alert) data = &e.alert;
  if (e.kind == LiveEvent::Kind::RouteProgress) data = &e.route;
  auto ev = std::make_shared<StreamEvent>();
  ev->kind = kindOf(e.kind);
  ev->json = envelope(stream, offset, ev->kind, e.vehicle, e.time_ms, wire::toJson(*data));
  ev->stream = std::move(stream);
  ev->offset = offset;
  ev->vehicle = e.vehicle;
  ev->time_ms = e.time_ms;
  return ev;
}

EventPtr makeStoredEvent(std::string stream, std::uint64_t offset, std::uint8_t kind, std::string vehicle,
                         std::int64_t time_ms, const std::string& payload) {
  v1::LiveUpdate update;
  v1::Alert alert;
  v1::RouteProgress route;
  google::protobuf::Message* data = &update;
  if (kind == kAlert) data = &alert;
  if (kind == kRoute) data = &route;
  if (kind != kPosition && kind != kStatus && kind != kAlert && kind != kRoute) return nullptr;
  if (!data->ParseFromString(payload)) return nullptr;
  auto ev = std::make_shared<StreamEvent>();
  ev->kind = kind;
  ev->json = envelope(stream, offset, kind, vehicle, time_ms, wire::toJson(*data));
  ev->stream = std::move(stream);
  ev->offset = offset;
  ev->vehicle = std::move(vehicle);
  ev->time_ms = time_ms;
  return ev;
}

EventPtr makeControl(std::string json) {
  auto ev = std::make_shared<StreamEvent>();
  ev->json = std::move(json);
  return ev;
}

}  // namespace fleetlink::hub::web
