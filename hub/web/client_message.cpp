#include "hub/web/client_message.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "fleetlink/common/ids.hpp"

namespace fleetlink::hub::web {
namespace {

using nlohmann::json;

Expected<std::vector<std::string>> ids(const json& msg, const char* name, bool allow_star) {
  std::vector<std::string> out;
  if (!msg.contains(name)) return out;
  const auto& v = msg[name];
  if (!v.is_array()) return Error{std::string("'") + name + "' must be an array of ids"};
  if (v.size() > kMaxSubscriptionItems)
    return Error{std::string("'") + name + "' lists more than " + std::to_string(kMaxSubscriptionItems) + " ids"};
  for (const auto& x : v) {
    if (!x.is_string()) return Error{std::string("'") + name + "' must hold strings"};
    const auto s = x.get<std::string>();
    if (!(allow_star && s == "*") && !isValidId(s))
      return Error{std::string("'") + name + "' holds an invalid id '" + s.substr(0, 64) +
                   "' (1-64 characters of A-Z a-z 0-9 _ -)"};
    out.push_back(s);
  }
  return out;
}

}  // namespace

std::string_view kindName(KindBit k) {
  switch (k) {
    case kPosition: return "position";
    case kStatus: return "status";
    case kAlert: return "alert";
    case kRoute: return "route";
  }
  return "unknown";
}

Expected<ClientMessage> parseClientMessage(std::string_view text) {
  const json msg = json::parse(text.begin(), text.end(), nullptr, false);
  if (msg.is_discarded()) return Error{"message is not valid JSON"};
  if (!msg.is_object()) return Error{"message must be a JSON object with a 'type'"};
  if (!msg.contains("type") || !msg["type"].is_string()) return Error{"message has no 'type' string"};
  const auto type = msg["type"].get<std::string>();
  ClientMessage m;
  if (type == "ping") {
    m.type = ClientMessage::Type::Ping;
    if (msg.contains("id")) {
      const auto& id = msg["id"];
      if (id.is_string()) m.id = id.get<std::string>().substr(0, 128);
      else if (id.is_number_integer()) m.id = std::to_string(id.get<std::int64_t>());
      else return Error{"'id' must be a string or an integer"};
    }
    return m;
  }
  if (type == "unsubscribe") {
    m.type = ClientMessage::Type::Unsubscribe;
    return m;
  }
  if (type != "subscribe") return Error{"unknown message type '" + type.substr(0, 32) + "' (subscribe, unsubscribe, ping)"};
  m.type = ClientMessage::Type::Subscribe;
  auto fleets = ids(msg, "fleets", true);
  if (!fleets) return fleets.error();
  m.fleets = std::move(*fleets);
  if (m.fleets.empty()) return Error{"subscribe needs 'fleets': an array of fleet ids, or [\"*\"]"};
  if (m.fleets.size() > 1 && std::find(m.fleets.begin(), m.fleets.end(), "*") != m.fleets.end())
    return Error{"'fleets' is either [\"*\"] or a list of fleet ids"};
  auto vehicles = ids(msg, "vehicles", false);
  if (!vehicles) return vehicles.error();
  m.vehicles = std::move(*vehicles);
  if (msg.contains("kinds")) {
    const auto& k = msg["kinds"];
    if (!k.is_array() || k.empty()) return Error{"'kinds' must be a non-empty array of position, status, alert, route"};
    m.kinds = 0;
    for (const auto& x : k) {
      const std::string name = x.is_string() ? x.get<std::string>() : std::string();
      if (name == "position") m.kinds |= kPosition;
      else if (name == "status") m.kinds |= kStatus;
      else if (name == "alert") m.kinds |= kAlert;
      else if (name == "route") m.kinds |= kRoute;
      else return Error{"'kinds' holds unknown kind '" + name.substr(0, 32) + "' (position, status, alert, route)"};
    }
  }
  if (msg.contains("epoch")) {
    if (!msg["epoch"].is_string()) return Error{"'epoch' must be the string the hub sent"};
    m.epoch = msg["epoch"].get<std::string>().substr(0, 64);
  }
  if (msg.contains("resume")) {
    const auto& r = msg["resume"];
    if (!r.is_object()) return Error{"'resume' must be an object of stream -> last offset received"};
    if (r.size() > kMaxSubscriptionItems) return Error{"'resume' lists too many streams"};
    if (m.epoch.empty()) return Error{"'resume' needs the 'epoch' the offsets belong to"};
    for (const auto& [stream, off] : r.items()) {
      if (!isValidId(stream)) return Error{"'resume' names an invalid stream '" + stream.substr(0, 64) + "'"};
      if (!off.is_number_unsigned() && !(off.is_number_integer() && off.get<std::int64_t>() >= 0))
        return Error{"'resume' offset of '" + stream + "' must be a non-negative integer"};
      m.resume.emplace_back(stream, off.get<std::uint64_t>());
    }
  }
  return m;
}

}  // namespace fleetlink::hub::web
