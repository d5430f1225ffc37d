#pragma once
// The MQTT topic layout, defined once. docs/protocol.md explains each topic.
//
//   fl/v1/{fleet}/v/{vehicle}/up       device -> hub   Uplink batches           QoS 1
//   fl/v1/{fleet}/v/{vehicle}/state    device/broker   VehicleState (retained)  QoS 1, birth + last will
//   fl/v1/{fleet}/v/{vehicle}/cmd      hub -> device   Command                  QoS 1
//   fl/v1/{fleet}/alerts               hub -> anyone   Alert                    QoS 1
//   fl/v1/{fleet}/live                 hub -> anyone   LiveUpdate               QoS 0
//   fl/v1/{fleet}/admin/req            admin -> hub    AdminRequest (MQTT 5 request/response)
//   fl/v1/{fleet}/admin/res/{client}   hub -> admin    AdminResponse
//   fl/v1/_hub/{instance}/state        hub             hub birth/will (retained)
#include <optional>
#include <string>
#include <string_view>

namespace fleetlink::topics {

inline constexpr std::string_view kRoot = "fl/v1";
inline constexpr std::string_view kHubSharedGroup = "fleetlink-hub";

enum class Channel { Up, State, Cmd, Alerts, Live, AdminReq, AdminRes };

std::string vehicleUp(std::string_view fleet, std::string_view vehicle);
std::string vehicleState(std::string_view fleet, std::string_view vehicle);
std::string vehicleCmd(std::string_view fleet, std::string_view vehicle);
std::string fleetAlerts(std::string_view fleet);
std::string fleetLive(std::string_view fleet);
std::string adminRequest(std::string_view fleet);
std::string adminResponse(std::string_view fleet, std::string_view client);
std::string hubState(std::string_view instance);

// Subscription filters. `fleet` may be "+" for every fleet.
std::string allVehicleUp(std::string_view fleet = "+");
std::string allVehicleState(std::string_view fleet = "+");
std::string allAdminRequests(std::string_view fleet = "+");
// MQTT 5 shared subscription so several hubs split the load: $share/{group}/{filter}.
std::string shared(std::string_view filter, std::string_view group = kHubSharedGroup);

// A parsed topic. For vehicle channels `vehicle` is set; for AdminRes, `client`.
struct Parsed {
  Channel channel;
  std::string fleet;
  std::string vehicle;
  std::string client;
};

// Parses any topic of the layout; nullopt for anything else (wrong root, version, shape or invalid id).
std::optional<Parsed> parse(std::string_view topic);

}  // namespace fleetlink::topics
