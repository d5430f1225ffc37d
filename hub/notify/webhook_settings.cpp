#include "hub/notify/webhook_settings.hpp"

#include <toml++/toml.h>

#include "fleetlink/common/ids.hpp"

namespace fleetlink::hub::notify {

Expected<std::vector<Webhook>> parseWebhooks(const toml::node& node) {
  const auto* arr = node.as_array();
  if (!arr) return Error{"expected [[alerts.webhooks]] tables (an array), each with url = \"http://...\""};
  std::vector<Webhook> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string at = "alerts.webhooks[" + std::to_string(i) + "]";
    const auto* t = arr->get(i)->as_table();
    if (!t) return Error{at + ": expected a table with url = \"http://...\""};
    Webhook w;
    for (auto&& [k, v] : *t) {
      const std::string key(k.str());
      if (key == "url") {
        w.url = v.value_or(std::string());
      } else if (key == "fleets") {
        const auto* fl = v.as_array();
        if (!fl) return Error{at + ".fleets: expected an array of fleet ids"};
        for (auto&& f : *fl) {
          auto id = f.value<std::string>();
          if (!id || !isValidId(*id)) return Error{at + ".fleets: every entry must be a fleet id"};
          w.fleets.push_back(*id);
        }
      } else if (key == "min_severity") {
        const std::string s = v.value_or(std::string());
        if (s == "low") w.min_severity = v1::SEVERITY_LOW;
        else if (s == "medium") w.min_severity = v1::SEVERITY_MEDIUM;
        else if (s == "high") w.min_severity = v1::SEVERITY_HIGH;
        else if (s == "critical") w.min_severity = v1::SEVERITY_CRITICAL;
        else return Error{at + ".min_severity: must be one of low, medium, high, critical"};
      } else if (key == "attempts") {
        auto n = v.value<std::int64_t>();
        if (!n || *n < 1 || *n > 100) return Error{at + ".attempts: must be an integer between 1 and 100"};
        w.attempts = static_cast<int>(*n);
      } else if (key == "timeout_s") {
        auto n = v.value<std::int64_t>();
        if (!n || *n < 1 || *n > 120) return Error{at + ".timeout_s: must be an integer between 1 and 120"};
        w.timeout_s = static_cast<int>(*n);
      } else if (key == "token") {
        w.token = v.value_or(std::string());
      } else {
        return Error{at + "." + key + ": unknown key (url, fleets, min_severity, attempts, timeout_s, token)"};
      }
    }
    const std::string scheme = "http://";
    if (w.url.rfind(scheme, 0) != 0)
      return Error{at + ".url: must start with http:// (for HTTPS put a TLS-terminating relay in front), got \"" +
                   w.url + "\""};
    const std::string rest = w.url.substr(scheme.size());
    const auto slash = rest.find('/');
    const std::string hostport = rest.substr(0, slash);
    w.target = slash == std::string::npos ? "/" : rest.substr(slash);
    const auto colon = hostport.rfind(':');
    w.host = hostport.substr(0, colon);
    w.port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
    if (w.host.empty() || w.port.empty() || w.port.find_first_not_of("0123456789") != std::string::npos)
      return Error{at + ".url: cannot read host and port from \"" + w.url + "\""};
    out.push_back(std::move(w));
  }
  return out;
}

std::optional<std::string> checkWebhooksTable(const toml::node& array) {
  auto r = parseWebhooks(array);
  if (!r) return r.error().message;
  return std::nullopt;
}

}  // namespace fleetlink::hub::notify
