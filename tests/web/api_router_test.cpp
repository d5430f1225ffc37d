#include <catch2/catch.hpp>

#include "fleetlink/common/clock.hpp"
#include "hub/web/api_router.hpp"
#include "web_fixture.hpp"

using namespace fleetlink;
using namespace fleetlink::hub::web;
using nlohmann::json;

namespace {
struct Api {
  test::FakeAdmin admin;
  test::FakeHealth health;
  metrics::Registry metrics;
  TokenVerifier verifier{test::kSecret, ""};
  SystemClock clock;
  ApiRouter router{admin, health, metrics, verifier, clock, "https://tiles.example/{z}/{x}/{y}.png",
                   [] { return json{{"websocket_clients", 3}}; }};
  ApiResponse call(const std::string& method, const std::string& target, const std::string& token,
                   const std::string& body = "") {
    return router.handle({method, target, body, token});
  }
};
const std::string kDispatcher = test::token(Role::Dispatcher, {"acme"}, {}, 3'600'000, test::kSecret, "dana");
}  // namespace

TEST_CASE("REST routes map onto admin actions with the token's fleet and subject", "[web][api]") {
  Api api;
  auto r = api.call("POST", "/api/v1/alerts/a-17/ack", kDispatcher, R"({"note":"on my way"})");
  REQUIRE(r.status == 200);
  auto calls = api.admin.calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].fleet == "acme");
  CHECK(calls[0].action == "alerts.ack");
  CHECK(calls[0].actor == "dana");
  CHECK(calls[0].args["alert_id"] == "a-17");
  CHECK(calls[0].args["note"] == "on my way");
  auto body = json::parse(r.body);
  CHECK(body["ok"] == true);
  CHECK(body["result"]["action"] == "alerts.ack");

  struct Case {
    const char* method;
    const char* target;
    const char* action;
  };
  const Case cases[] = {
      {"GET", "/api/v1/vehicles", "vehicles.list"},
      {"GET", "/api/v1/vehicles/v1", "vehicles.get"},
      {"GET", "/api/v1/vehicles/v1/track?from_ms=1&to_ms=2&format=geojson", "history.track"},
      {"POST", "/api/v1/vehicles/v1/commands", "vehicles.command"},
      {"GET", "/api/v1/commands?vehicle=v1", "commands.list"},
      {"POST", "/api/v1/messages", "drivers.message"},
      {"GET", "/api/v1/events?type=panic&limit=5", "history.events"},
      {"GET", "/api/v1/alerts?state=open", "alerts.list"},
      {"GET", "/api/v1/alerts/a-1", "alerts.get"},
      {"POST", "/api/v1/alerts/a-1/resolve", "alerts.resolve"},
      {"POST", "/api/v1/alerts/a-1/escalate", "alerts.escalate"},
      {"GET", "/api/v1/routes", "routes.list"},
      {"POST", "/api/v1/routes", "routes.assign"},
      {"GET", "/api/v1/routes/r1", "routes.get"},
      {"POST", "/api/v1/routes/r1/reassign", "routes.reassign"},
      {"POST", "/api/v1/assignments/pause", "assignments.pause"},
      {"POST", "/api/v1/assignments/resume", "assignments.resume"},
      {"GET", "/api/v1/rules", "rules.get"},
      {"GET", "/api/v1/audit", "audit.list"},
      {"GET", "/api/v1/stats", "stats"},
      {"POST", "/api/v1/actions/commands.list", "commands.list"},
  };
  for (const auto& c : cases) {
    INFO(c.method << " " << c.target);
    auto res = api.call(c.method, c.target, kDispatcher);
    CHECK(res.status == 200);
    CHECK(api.admin.calls().back().action == c.action);
  }
  CHECK(api.admin.calls().back().fleet == "acme");
  // Query values reach the action; the path wins over the body.
  api.call("GET", "/api/v1/vehicles/v9/track?from_ms=100&to_ms=200", kDispatcher);
  auto track = api.admin.calls().back();
  CHECK(track.args["vehicle"] == "v9");
  CHECK(track.args["from_ms"] == "100");
  api.call("POST", "/api/v1/alerts/a-5/ack", kDispatcher, R"({"alert_id":"other"})");
  CHECK(api.admin.calls().back().args["alert_id"] == "a-5");
}

TEST_CASE("API errors have one JSON shape and a fitting status", "[web][api]") {
  Api api;
  auto check = [&](const ApiResponse& r, int status, const std::string& text) {
    CHECK(r.status == status);
    auto body = json::parse(r.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body["ok"] == false);
    CHECK(body["status"] == status);
    CHECK_THAT(body["error"].get<std::string>(), Catch::Contains(text));
  };
  check(api.call("GET", "/api/v1/alerts", ""), 401, "no token");
  check(api.call("GET", "/api/v1/alerts", "x.y.z"), 401, "JWT");
  check(api.call("GET", "/api/v1/alerts", test::token(Role::Admin, {}, {}, -1000)), 401, "expired");
  check(api.call("GET", "/api/v1/alerts?fleet=globex", kDispatcher), 403, "does not grant fleet globex");
  check(api.call("GET", "/api/v1/nothing", kDispatcher), 404, "no such API path");
  check(api.call("DELETE", "/api/v1/alerts", kDispatcher), 405, "not allowed");
  check(api.call("POST", "/api/v1/alerts/a-1/ack", kDispatcher, "{not json"), 400, "JSON object");
  check(api.call("POST", "/api/v1/alerts/missing/ack", kDispatcher), 404, "no alert");
  check(api.call("GET", "/api/v1/alerts", test::token(Role::Admin, {})), 400, "?fleet=");
  check(api.call("PUT", "/api/v1/rules", kDispatcher, R"({"speed_limit_kph":80})"), 403, "only an admin");
  CHECK(api.metrics.counterTotal("fleetlink_web_auth_failures_total") == 3);
  CHECK(api.admin.calls().size() == 1);  // only the unknown alert reached the core
}

TEST_CASE("viewers are read-only and vehicle-limited tokens see only their vehicles", "[web][api]") {
  Api api;
  const auto viewer = test::token(Role::Viewer, {"acme"});
  CHECK(api.call("GET", "/api/v1/alerts", viewer).status == 200);
  CHECK(api.call("POST", "/api/v1/alerts/a-1/ack", viewer).status == 403);
  CHECK(api.call("POST", "/api/v1/actions/alerts.ack", viewer, R"({"alert_id":"a"})").status == 403);

  const auto tracker = test::token(Role::Viewer, {"acme"}, {"v1"});
  CHECK(api.call("GET", "/api/v1/vehicles/v1/track?from_ms=0", tracker).status == 200);
  CHECK(api.call("GET", "/api/v1/vehicles/v2/track?from_ms=0", tracker).status == 403);
  CHECK(api.call("GET", "/api/v1/alerts", tracker).status == 403);  // fleet-wide list needs ?vehicle=
  CHECK(api.call("GET", "/api/v1/alerts?vehicle=v1", tracker).status == 200);
  CHECK(api.call("GET", "/api/v1/routes", tracker).status == 403);
  auto list = json::parse(api.call("GET", "/api/v1/vehicles", tracker).body);
  REQUIRE(list["result"].size() == 1);
  CHECK(list["result"][0]["vehicle"] == "v1");

  const auto admin = test::token(Role::Admin, {});
  CHECK(api.call("GET", "/api/v1/alerts?fleet=globex", admin).status == 200);
  CHECK(api.admin.calls().back().fleet == "globex");
  CHECK(api.call("PUT", "/api/v1/rules?fleet=globex", admin, R"({"speed_limit_kph":80})").status == 200);
  CHECK(api.admin.calls().back().args["rules"]["speed_limit_kph"] == 80);
}

TEST_CASE("tracks come as GeoJSON or CSV with their own content types", "[web][api]") {
  Api api;
  auto csv = api.call("GET", "/api/v1/vehicles/v1/track?format=csv", kDispatcher);
  CHECK(csv.status == 200);
  CHECK(csv.content_type == "text/csv; charset=utf-8");
  CHECK(csv.body.rfind("time_ms,lat,lon", 0) == 0);
  auto geo = api.call("GET", "/api/v1/vehicles/v1/track?format=geojson", kDispatcher);
  CHECK(geo.content_type == "application/geo+json");
}

TEST_CASE("health, readiness and metrics endpoints", "[web][api]") {
  Api api;
  CHECK(api.call("GET", "/healthz", "").status == 200);
  hub::HealthReport h;
  h.broker_connected = false;
  h.store_ok = true;
  h.started_at_ms = SystemClock().nowMs() - 5000;
  api.health.set(h);
  auto r = api.call("GET", "/readyz", "");
  CHECK(r.status == 503);
  auto body = json::parse(r.body);
  CHECK(body["broker_connected"] == false);
  CHECK(body["uptime_s"].get<int>() >= 4);
  CHECK(body["memory_rss_bytes"].get<std::uint64_t>() > 1'000'000);
  CHECK(body["web"]["websocket_clients"] == 3);
  h.broker_connected = true;
  api.health.set(h);
  CHECK(api.call("GET", "/readyz", "").status == 200);
  api.metrics.counter("fleetlink_web_messages_sent_total", "x").inc(5);
  auto m = api.call("GET", "/metrics", "");
  CHECK(m.content_type.rfind("text/plain", 0) == 0);
  CHECK_THAT(m.body, Catch::Contains("fleetlink_web_messages_sent_total 5"));
  auto cfg = json::parse(api.call("GET", "/api/v1/dashboard-config", "").body);
  CHECK(cfg["tile_url"] == "https://tiles.example/{z}/{x}/{y}.png");
}

TEST_CASE("targets are split and percent-decoded", "[web][api]") {
  auto t = parseTarget("/api/v1/alerts?state=open&note=on+my%20way&x");
  CHECK(t.path == "/api/v1/alerts");
  CHECK(t.query["state"] == "open");
  CHECK(t.query["note"] == "on my way");
  CHECK(t.query.count("x") == 1);
  CHECK(percentDecode("%zz%4") == "%zz%4");
}
