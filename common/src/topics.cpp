#include "fleetlink/common/topics.hpp"

#include <vector>

#include "fleetlink/common/ids.hpp"

namespace fleetlink::topics {
namespace {

std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

std::vector<std::string_view> split(std::string_view topic) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto pos = topic.find('/', start);
    if (pos == std::string_view::npos) {
      out.push_back(topic.substr(start));
      return out;
    }
    out.push_back(topic.substr(start, pos - start));
    start = pos + 1;
  }
}

}  // namespace

std::string vehicleUp(std::string_view f, std::string_view v) { return join({kRoot, f, "v", v, "up"}); }
std::string vehicleState(std::string_view f, std::string_view v) { return join({kRoot, f, "v", v, "state"}); }
std::string vehicleCmd(std::string_view f, std::string_view v) { return join({kRoot, f, "v", v, "cmd"}); }
std::string fleetAlerts(std::string_view f) { return join({kRoot, f, "alerts"}); }
std::string fleetLive(std::string_view f) { return join({kRoot, f, "live"}); }
std::string adminRequest(std::string_view f) { return join({kRoot, f, "admin", "req"}); }
std::string adminResponse(std::string_view f, std::string_view c) { return join({kRoot, f, "admin", "res", c}); }
std::string hubState(std::string_view instance) { return join({kRoot, "_hub", instance, "state"}); }

std::string allVehicleUp(std::string_view f) { return join({kRoot, f, "v", "+", "up"}); }
std::string allVehicleState(std::string_view f) { return join({kRoot, f, "v", "+", "state"}); }
std::string allAdminRequests(std::string_view f) { return join({kRoot, f, "admin", "req"}); }
std::string shared(std::string_view filter, std::string_view group) {
  return join({"$share", group, filter});
}

std::optional<Parsed> parse(std::string_view topic) {
  const auto p = split(topic);
  // fl / v1 / {fleet} / ...
  if (p.size() < 4 || p[0] != "fl" || p[1] != "v1" || !isValidId(p[2])) return std::nullopt;
  Parsed out{Channel::Up, std::string(p[2]), {}, {}};
  if (p.size() == 6 && p[3] == "v") {
    if (!isValidId(p[4])) return std::nullopt;
    out.vehicle = std::string(p[4]);
    if (p[5] == "up") out.channel = Channel::Up;
    else if (p[5] == "state") out.channel = Channel::State;
    else if (p[5] == "cmd") out.channel = Channel::Cmd;
    else return std::nullopt;
    return out;
  }
  auto as = [&out](Channel c) {
    out.channel = c;
    return out;
  };
  if (p.size() == 4 && p[3] == "alerts") return as(Channel::Alerts);
  if (p.size() == 4 && p[3] == "live") return as(Channel::Live);
  if (p.size() == 5 && p[3] == "admin" && p[4] == "req") return as(Channel::AdminReq);
  if (p.size() == 6 && p[3] == "admin" && p[4] == "res" && isValidId(p[5])) {
    out.channel = Channel::AdminRes;
    out.client = std::string(p[5]);
    return out;
  }
  return std::nullopt;
}

}  // namespace fleetlink::topics
