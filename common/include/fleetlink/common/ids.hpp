#pragma once
// Identifier rules shared by topics, configs and the hub: fleet, vehicle, device and driver ids.
#include <string_view>

namespace fleetlink {

inline constexpr std::size_t kMaxIdLength = 64;

// 1..64 characters of [A-Za-z0-9_-], not starting with '_' or '-'. Such ids are safe as MQTT topic levels
// (no '/', '+', '#', '$'), as file names and as broker user names.
bool isValidId(std::string_view id);

}  // namespace fleetlink
