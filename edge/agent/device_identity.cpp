#include "edge/agent/device_identity.hpp"

#include <unistd.h>

#include <fstream>
#include <random>

namespace fleetlink::edge {

std::string deviceId(const std::string& configured, const std::string& machine_id_file) {
  if (!configured.empty()) return configured;
  std::ifstream in(machine_id_file);
  std::string id;
  if (in >> id && !id.empty()) return id;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && host[0]) return host;
  return "unknown";
}

std::uint64_t newBootId() {
  std::random_device rd;
  const std::uint64_t v = ((static_cast<std::uint64_t>(rd()) << 32) | rd()) & ((1ull << 53) - 1);
  return v == 0 ? 1 : v;
}

}  // namespace fleetlink::edge
