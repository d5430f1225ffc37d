#pragma once
// Checks the outbox file directly (used when the agent is not running): SQLite's integrity check, read-only.
#include <string>

namespace fleetlink::fieldcheck {

struct OutboxProbeResult {
  bool exists = false;
  bool healthy = false;
  std::string detail;  // "ok" or SQLite's first complaint
};

OutboxProbeResult probeOutbox(const std::string& path);

}  // namespace fleetlink::fieldcheck
