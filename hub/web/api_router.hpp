#pragma once
// The HTTP API (docs/api.md): REST routes onto the admin actions of docs/admin-actions.md, with the fleet
// from the token (or ?fleet= where the token grants several) and the token's subject as the actor; health,
// readiness and metrics. No sockets here: a request in, a response out, so it is tested directly.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/metrics.hpp"
#include "hub/api/hub_api.hpp"
#include "hub/web/auth.hpp"

namespace fleetlink::hub::web {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, e.g. "/api/v1/alerts?state=open"
  std::string body;
  std::string token;   // bearer token (header or access_token parameter), may be empty
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// A URL split into its path segments and decoded query parameters.
struct ParsedTarget {
  std::string path;
  std::map<std::string, std::string> query;
};
ParsedTarget parseTarget(std::string_view target);
std::string percentDecode(std::string_view s, bool plus_is_space = false);

// {"ok":false,"error":"...","status":N}: the body of every error, from the API and the server alike.
ApiResponse errorResponse(int status, const std::string& message);

class ApiRouter {
 public:
  ApiRouter(AdminHandler& admin, HealthSource& health, metrics::Registry& metrics, const TokenVerifier& verifier,
            const Clock& clock, std::string tile_url, std::function<nlohmann::json()> web_stats);

  // True for the paths this router answers (everything under /api/ and the health and metrics endpoints).
  static bool handles(std::string_view path);
  // Blocks while the core answers admin actions: call it off the network threads.
  ApiResponse handle(const ApiRequest& req) const;

 private:
  ApiResponse api(const ApiRequest& req, const ParsedTarget& t) const;
  ApiResponse readyz() const;

  AdminHandler& admin_;
  HealthSource& health_;
  metrics::Registry& metrics_;
  const TokenVerifier& verifier_;
  const Clock& clock_;
  std::string tile_url_;
  std::function<nlohmann::json()> web_stats_;
};

// Resident memory of this process in bytes (/proc/self/statm), for /readyz.
std::uint64_t residentBytes();

}  // namespace fleetlink::hub::web
