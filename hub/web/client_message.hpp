#pragma once
// What a WebSocket client may send (docs/api.md, "WebSocket"): subscribe (with optional resume offsets),
// unsubscribe and ping. A pure parser, so the fuzz target and the unit tests link it without sockets.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fleetlink/common/expected.hpp"

namespace fleetlink::hub::web {

// Kinds of live event, as bits so a subscription is a mask.
enum KindBit : std::uint8_t { kPosition = 1, kStatus = 2, kAlert = 4, kRoute = 8 };
inline constexpr std::uint8_t kAllKinds = kPosition | kStatus | kAlert | kRoute;
std::string_view kindName(KindBit k);  // "position", "status", "alert", "route"

inline constexpr std::size_t kMaxSubscriptionItems = 1000;

struct ClientMessage {
  enum class Type { Subscribe, Unsubscribe, Ping };
  Type type = Type::Ping;
  // Subscribe: fleets ("*" alone = every fleet the token may read), optional vehicles (limits the fleets to
  // these vehicles), kinds (mask; default all), resume point: the epoch and last offset per stream.
  std::vector<std::string> fleets;
  std::vector<std::string> vehicles;
  std::uint8_t kinds = kAllKinds;
  std::string epoch;
  std::vector<std::pair<std::string, std::uint64_t>> resume;
  // Ping: echoed in the pong.
  std::string id;
};

// Parses one text frame. Errors say what to fix ("'kinds' holds unknown kind 'foo'").
Expected<ClientMessage> parseClientMessage(std::string_view text);

}  // namespace fleetlink::hub::web
