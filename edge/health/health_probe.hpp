#pragma once
// Readings of the board for DeviceHealth records: free disk where the outbox lives and the CPU temperature.
#include <cstdint>
#include <optional>
#include <string>

#include "edge/outbox/outbox.hpp"
#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::edge {

// Bytes available to the agent on the file system holding `path`; nullopt when it cannot be read.
std::optional<std::uint64_t> diskFreeBytes(const std::string& path);
// CPU temperature in °C from a sysfs thermal zone file (millidegrees); nullopt when absent or unreadable.
std::optional<float> cpuTemperatureC(const std::string& thermal_zone_file);

struct HealthInputs {
  OutboxStats outbox;
  std::int64_t now_ms = 0;  // board clock, for the age of the oldest unsent record
  std::optional<std::uint64_t> disk_free;
  std::optional<float> cpu_temp_c;
  std::uint64_t uptime_s = 0;
  v1::GpsState gps_state = v1::GPS_STATE_UNSPECIFIED;
  std::uint32_t broker_reconnects = 0;
  std::string agent_version, config_hash;
};

v1::DeviceHealth buildHealth(const HealthInputs& in);

}  // namespace fleetlink::edge
