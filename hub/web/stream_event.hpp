#pragma once
// One live event as the fan-out delivers it: numbered in its stream (one stream per fleet) and serialised to
// its JSON message once, then shared by every client queue that carries it. Its binary form (a serialised
// v1::FeedMessage, for clients of the "fleetlink.v1.protobuf" subprotocol) is built once too, on first use.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

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
  std::string payload;        // events: the data as protobuf (LiveUpdate, Alert or RouteProgress)
  std::chrono::steady_clock::time_point made = std::chrono::steady_clock::now();  // for the wait metrics

  // The message as a serialised v1::FeedMessage (common/proto/fleetlink/v1/feed.proto). Built by the first
  // connection that asks, from `payload` (events) or from `json` (control messages); safe from any thread.
  const std::string& protobuf() const;

 private:
  mutable std::once_flag protobuf_once_;
  mutable std::string protobuf_;
};
using EventPtr = std::shared_ptr<const StreamEvent>;

KindBit kindOf(LiveEvent::Kind k);

// {"type":"event","stream":..,"offset":..,"kind":..,"vehicle":..,"time_ms":..,"data":{proto3 JSON}}
EventPtr makeEvent(std::string stream, std::uint64_t offset, const LiveEvent& e);
// The same message rebuilt from a stored payload; nullptr when the payload does not parse.
EventPtr makeStoredEvent(std::string stream, std::uint64_t offset, std::uint8_t kind, std::string vehicle,
                         std::int64_t time_ms, std::string payload);
// A control message (no stream offset).
EventPtr makeControl(std::string json);

// A binary frame: the messages' FeedMessage encodings appended to `frame` as the repeated field of one
// v1::FeedFrame, without parsing anything again.
void appendFeedFrame(const std::vector<EventPtr>& batch, std::string& frame);

// The WebSocket subprotocols a client may ask for (Sec-WebSocket-Protocol). JSON is also what a client that
// names none gets.
inline constexpr std::string_view kSubprotocolJson = "fleetlink.v1.json";
inline constexpr std::string_view kSubprotocolProtobuf = "fleetlink.v1.protobuf";

}  // namespace fleetlink::hub::web
