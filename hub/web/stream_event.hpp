#pragma once
// One live event as the fan-out delivers it: numbered in its stream (one stream per fleet) and serialised to
// its JSON message once, then shared by every client queue that carries it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "hub/api/hub_api.hpp"
#include "hub/web/client_message.hpp"

namespace fleetlink::hub::web {

struct StreamEvent {
  std::string stream;         // the fleet
  std::uint64_t offset = 0;   // 0 for control messages (subscribed, resync, pong, error)
  std::uint8_t kind = 0;      // a KindBit, 0 for control messages
  std::string vehicle;
  std::int64_t time_ms = 0;
  std::string json;           // the complete message object
  std::chrono::steady_clock::time_point made = std::chrono::steady_clock::now();  // for the wait metrics
};
using EventPtr = std::shared_ptr<const StreamEvent>;

KindBit kindOf(LiveEvent::Kind k);
// The event's protobuf payload (LiveUpdate, Alert or RouteProgress), as stored in the event log.
std::string payloadBytes(const LiveEvent& e);

// {"type":"event","stream":..,"offset":..,"kind":..,"vehicle":..,"time_ms":..,"data":{proto3 JSON}}
EventPtr makeEvent(std::string stream, std::uint64_t offset, const LiveEvent& e);
// The same message rebuilt from a stored payload; nullptr when the payload does not parse.
EventPtr makeStoredEvent(std::string stream, std::uint64_t offset, std::uint8_t kind, std::string vehicle,
                         std::int64_t time_ms, const std::string& payload);
// A control message (no stream offset).
EventPtr makeControl(std::string json);

}  // namespace fleetlink::hub::web
