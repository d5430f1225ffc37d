#pragma once
// Who this board is (device id) and which run of the agent this is (boot id).
#include <cstdint>
#include <string>

namespace fleetlink::edge {

// The configured id, else the content of /etc/machine-id (`machine_id_file`), else the host name.
std::string deviceId(const std::string& configured, const std::string& machine_id_file = "/etc/machine-id");
// A random non-zero id for this start of the agent.
std::uint64_t newBootId();

}  // namespace fleetlink::edge
