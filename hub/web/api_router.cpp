#include "hub/web/api_router.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "fleetlink/common/ids.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/wire_json.hpp"

namespace fleetlink::hub::web {
namespace {

using nlohmann::json;
const log::Logger kLog("hub.web.api");

// Who may call an action: Read (every role), Write (admin, dispatcher), Admin (admin only).
enum class Access { Read, Write, Admin };

struct Route {
  const char* method;
  const char* pattern;  // below /api/v1/, "{name}" segments become arguments
  const char* action;
  Access access;
};

constexpr Route kRoutes[] = {
    {"GET", "vehicles", "vehicles.list", Access::Read},
    {"GET", "vehicles/{vehicle}", "vehicles.get", Access::Read},
    {"GET", "vehicles/{vehicle}/track", "history.track", Access::Read},
    {"POST", "vehicles/{vehicle}/commands", "vehicles.command", Access::Write},
    {"GET", "commands", "commands.list", Access::Read},
    {"POST", "messages", "drivers.message", Access::Write},
    {"GET", "events", "history.events", Access::Read},
    {"GET", "alerts", "alerts.list", Access::Read},
    {"GET", "alerts/{alert_id}", "alerts.get", Access::Read},
    {"POST", "alerts/{alert_id}/ack", "alerts.ack", Access::Write},
    {"POST", "alerts/{alert_id}/resolve", "alerts.resolve", Access::Write},
    {"POST", "alerts/{alert_id}/escalate", "alerts.escalate", Access::Write},
    {"GET", "routes", "routes.list", Access::Read},
    {"POST", "routes", "routes.assign", Access::Write},
    {"GET", "routes/{route_id}", "routes.get", Access::Read},
    {"POST", "routes/{route_id}/reassign", "routes.reassign", Access::Write},
    {"POST", "assignments/pause", "assignments.pause", Access::Write},
    {"POST", "assignments/resume", "assignments.resume", Access::Write},
    {"GET", "rules", "rules.get", Access::Read},
    {"PUT", "rules", "rules.set", Access::Admin},
    {"GET", "audit", "audit.list", Access::Write},
    {"GET", "stats", "stats", Access::Read},
};

// Actions a token limited to some vehicles may call, always with one of its vehicles as the argument.
constexpr const char* kVehicleScoped[] = {"vehicles.get", "history.track", "history.events", "alerts.list"};

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(percentDecode(path.substr(i, j - i)));
    i = j + 1;
  }
  return out;
}

const Route* findRoute(const std::string& method, const std::vector<std::string>& segs, json& args, bool& path_known) {
  for (const auto& r : kRoutes) {
    auto pat = split(r.pattern);
    if (pat.size() != segs.size()) continue;
    json a = json::object();
    bool match = true;
    for (std::size_t i = 0; i < pat.size() && match; ++i) {
      if (pat[i].front() == '{') a[pat[i].substr(1, pat[i].size() - 2)] = segs[i];
      else match = pat[i] == segs[i];
    }
    if (!match) continue;
    path_known = true;
    if (method != r.method) continue;
    for (auto& [k, v] : a.items()) args[k] = v;
    return &r;
  }
  return nullptr;
}

Access accessOf(const std::string& action) {
  for (const auto& r : kRoutes)
    if (action == r.action) return r.access;
  return Access::Admin;
}

ApiResponse jsonResponse(int status, const json& body) { return {status, "application/json", body.dump()}; }

int statusForError(const std::string& e) {
  if (e.rfind("no ", 0) == 0 || e.rfind("unknown action", 0) == 0) return 404;
  if (e.find("paused") != std::string::npos) return 409;
  if (e.find("timed out") != std::string::npos || e.find("not running") != std::string::npos) return 503;
  return 400;
}

}  // namespace

std::string percentDecode(std::string_view s, bool plus_is_space) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) && hex(s[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

ParsedTarget parseTarget(std::string_view target) {
  ParsedTarget t;
  const auto q = target.find('?');
  t.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return t;
  auto rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    auto key = percentDecode(pair.substr(0, eq), true);
    if (!key.empty()) t.query[key] = eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1), true);
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return t;
}

ApiResponse errorResponse(int status, const std::string& message) {
  return jsonResponse(status, {{"ok", false}, {"error", message}, {"status", status}});
}

std::uint64_t residentBytes() {
  std::ifstream in("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

ApiRouter::ApiRouter(AdminHandler& admin, HealthSource& health, metrics::Registry& metrics,
                     const TokenVerifier& verifier, const Clock& clock, std::string tile_url,
                     std::function<json()> web_stats)
    : admin_(admin),
      health_(health),
      metrics_(metrics),
      verifier_(verifier),
      clock_(clock),
      tile_url_(std::move(tile_url)),
      web_stats_(std::move(web_stats)) {}

bool ApiRouter::handles(std::string_view path) {
  return path.rfind("/api/", 0) == 0 || path == "/healthz" || path == "/readyz" || path == "/metrics";
}

ApiResponse ApiRouter::handle(const ApiRequest& req) const {
  const auto t = parseTarget(req.target);
  const bool read = req.method == "GET" || req.method == "HEAD";
  if (t.path == "/healthz") {
    if (!read) return errorResponse(405, "use GET");
    return jsonResponse(200, {{"status", "ok"}});
  }
  if (t.path == "/readyz") {
    if (!read) return errorResponse(405, "use GET");
    return readyz();
  }
  if (t.path == "/metrics") {
    if (!read) return errorResponse(405, "use GET");
    return {200, "text/plain; version=0.0.4", metrics_.renderPrometheus()};
  }
  if (t.path == "/api/v1/dashboard-config") return jsonResponse(200, {{"tile_url", tile_url_}});
  return api(req, t);
}

ApiResponse ApiRouter::readyz() const {
  const auto h = health_.health();
  const bool ready = h.broker_connected && h.store_ok;
  json body = {{"ready", ready},
               {"broker_connected", h.broker_connected},
               {"store_ok", h.store_ok},
               {"store_latency_ms", h.store_latency_ms},
               {"uptime_s", h.started_at_ms > 0 ? (clock_.nowMs() - h.started_at_ms) / 1000 : 0},
               {"memory_rss_bytes", residentBytes()},
               {"vehicles_online", h.vehicles_online},
               {"open_alerts", h.open_alerts}};
  if (web_stats_) body["web"] = web_stats_();
  return jsonResponse(ready ? 200 : 503, body);
}

ApiResponse ApiRouter::api(const ApiRequest& req, const ParsedTarget& t) const {
  constexpr std::string_view kPrefix = "/api/v1/";
  if (t.path.rfind(kPrefix, 0) != 0) return errorResponse(404, "no such API path: " + t.path.substr(0, 200) + " (docs/api.md)");

  const auto auth = verifier_.verify(req.token, clock_.nowMs());
  if (!auth.ok) {
    metrics_.counter("fleetlink_web_auth_failures_total", "refused tokens", {{"reason", std::string(authFailureName(auth.error.reason))}}).inc();
    return errorResponse(401, auth.error.message);
  }
  const auto& p = auth.principal;
  const auto segs = split(std::string_view(t.path).substr(kPrefix.size()));
  auto forbidden = [&](const std::string& why) {
    metrics_.counter("fleetlink_web_forbidden_total", "requests refused for lack of rights").inc();
    kLog.info("request refused", {{"subject", p.subject}, {"path", t.path.substr(0, 200)}, {"reason", why}});
    return errorResponse(403, why);
  };

  if (segs.size() == 1 && segs[0] == "whoami") {
    return jsonResponse(200, {{"ok", true},
                              {"result", {{"sub", p.subject}, {"role", roleName(p.role)}, {"fleets", p.fleets},
                                          {"vehicles", p.vehicles}, {"expires_at_ms", p.expires_at_ms}}}});
  }

  // Arguments: path segments, then the query, then a JSON object body.
  json args = json::object();
  std::string action;
  Access access = Access::Admin;
  if (segs.size() == 2 && segs[0] == "actions") {
    if (req.method != "POST") return errorResponse(405, "use POST for /api/v1/actions/<action>");
    action = segs[1];
    access = accessOf(action);
  } else {
    bool path_known = false;
    const Route* r = findRoute(req.method, segs, args, path_known);
    if (!r) {
      if (path_known) return errorResponse(405, "method " + req.method + " not allowed on " + t.path.substr(0, 200));
      return errorResponse(404, "no such API path: " + t.path.substr(0, 200) + " (docs/api.md)");
    }
    action = r->action;
    access = r->access;
  }
  for (const auto& [k, v] : t.query) {
    if (k == "fleet" || k == "access_token") continue;
    if (k == "urgent") args[k] = v == "true" || v == "1";
    else if (!args.contains(k)) args[k] = v;
  }
  if (!req.body.empty()) {
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return errorResponse(400, "request body must be a JSON object");
    for (auto& [k, v] : body.items())
      if (!args.contains(k) || k == "vehicle" || k == "route") args[k] = v;
    // Path arguments always win over the body.
    json path_args = json::object();
    bool known = false;
    findRoute(req.method, segs, path_args, known);
    for (auto& [k, v] : path_args.items()) args[k] = v;
  }
  if (action == "rules.set" && !args.contains("rules")) {
    json rules = args;
    args = {{"rules", rules}};
  }

  // Rights: role, then fleet, then vehicle limits.
  if (access == Access::Write && !p.mayWrite()) return forbidden("a viewer token is read-only");
  if (access == Access::Admin && p.role != Role::Admin) return forbidden("only an admin token may call " + action);
  std::string fleet;
  if (auto it = t.query.find("fleet"); it != t.query.end() && !it->second.empty()) fleet = it->second;
  else if (p.fleets.size() == 1) fleet = p.fleets[0];
  else return errorResponse(400, "this token grants several fleets: name one with ?fleet=<id>");
  if (!isValidId(fleet)) return errorResponse(400, "fleet '" + fleet.substr(0, 64) + "' is not a valid id");
  if (!p.mayReadFleet(fleet)) return forbidden("token does not grant fleet " + fleet);
  if (!p.vehicles.empty()) {
    const bool listing = action == "vehicles.list";
    const bool scoped = std::find(std::begin(kVehicleScoped), std::end(kVehicleScoped), action) != std::end(kVehicleScoped);
    if (!listing && !scoped) return forbidden("this token is limited to some vehicles and may not call " + action);
    if (scoped) {
      const std::string v = args.contains("vehicle") && args["vehicle"].is_string() ? args["vehicle"].get<std::string>() : "";
      if (!p.mayReadVehicle(fleet, v)) return forbidden("token does not grant vehicle '" + v.substr(0, 64) + "'");
    }
  }

  v1::AdminRequest areq;
  if (auto st = wire::fromJson(json{{"action", action}, {"actor", p.subject}, {"args", args}}.dump(), areq); !st)
    return errorResponse(400, "arguments could not be read: " + st.error().message);
  const auto res = admin_.handle(fleet, areq);
  if (!res.ok()) return errorResponse(statusForError(res.error()), res.error());

  json result = json::parse(wire::toJson(res.result()), nullptr, false);
  if (result.is_discarded()) result = nullptr;
  if (!p.vehicles.empty() && action == "vehicles.list" && result.is_array()) {
    json kept = json::array();
    for (auto& v : result)
      if (v.is_object() && p.mayReadVehicle(fleet, v.value("vehicle", std::string()))) kept.push_back(v);
    result = kept;
  }
  if (action == "stats" && result.is_object() && web_stats_) result["web"] = web_stats_();
  if (action == "history.track") {
    const auto fmt = args.value("format", std::string("json"));
    if (fmt == "csv" && result.is_string()) return {200, "text/csv; charset=utf-8", result.get<std::string>()};
    if (fmt == "geojson") return {200, "application/geo+json", result.dump()};
  }
  return jsonResponse(200, {{"ok", true}, {"action", action}, {"result", result}});
}

}  // namespace fleetlink::hub::web
