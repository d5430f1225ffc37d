#include "edge/health/health_probe.hpp"

#include <sys/statvfs.h>

#include <filesystem>
#include <fstream>

namespace fleetlink::edge {

std::optional<std::uint64_t> diskFreeBytes(const std::string& path) {
  std::filesystem::path p(path);
  // The outbox file may not exist yet: measure its folder.
  while (!p.empty() && !std::filesystem::exists(p)) p = p.parent_path();
  struct statvfs s {};
  if (p.empty() || ::statvfs(p.c_str(), &s) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
}

std::optional<float> cpuTemperatureC(const std::string& file) {
  if (file.empty()) return std::nullopt;
  std::ifstream in(file);
  long milli = 0;
  if (!(in >> milli)) return std::nullopt;
  return static_cast<float>(milli) / 1000.0f;
}

v1::DeviceHealth buildHealth(const HealthInputs& in) {
  v1::DeviceHealth h;
  h.set_buffer_records(in.outbox.records + in.outbox.pending);
  h.set_buffer_bytes(in.outbox.bytes);
  if (in.outbox.oldest_unsent_ms && in.now_ms > *in.outbox.oldest_unsent_ms) {
    h.set_oldest_unsent_age_s(static_cast<std::uint64_t>((in.now_ms - *in.outbox.oldest_unsent_ms) / 1000));
  }
  h.set_dropped_records(in.outbox.dropped);
  if (in.disk_free) h.set_disk_free_bytes(*in.disk_free);
  if (in.cpu_temp_c) h.set_cpu_temp_c(*in.cpu_temp_c);
  h.set_uptime_s(in.uptime_s);
  h.set_gps_state(in.gps_state);
  h.set_broker_reconnects(in.broker_reconnects);
  h.set_agent_version(in.agent_version);
  h.set_config_hash(in.config_hash);
  return h;
}

}  // namespace fleetlink::edge
