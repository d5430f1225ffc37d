#pragma once
// Webhook targets from the hub config's [[alerts.webhooks]] tables.
#include <optional>
#include <string>
#include <vector>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/v1/fleetlink.pb.h"

namespace toml {
inline namespace v3 {
class node;
}  // namespace v3
}  // namespace toml

namespace fleetlink::hub::notify {

struct Webhook {
  std::string url;                      // http://host[:port]/path
  std::string host, port, target;       // parsed from url
  std::vector<std::string> fleets;      // empty = every fleet
  v1::Severity min_severity = v1::SEVERITY_LOW;
  int attempts = 6;                     // deliveries tried before giving up
  int timeout_s = 5;
  std::string token;                    // sent as "Authorization: Bearer <token>" when set
};

Expected<std::vector<Webhook>> parseWebhooks(const toml::node& array);
std::optional<std::string> checkWebhooksTable(const toml::node& array);

}  // namespace fleetlink::hub::notify
