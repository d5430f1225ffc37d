// Rule settings in the hub config and at run time: defaults, per-fleet tables, geofences, clear errors.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "hub/config/hub_config.hpp"
#include "hub/rules/rule_book.hpp"

using namespace fleetlink;
using namespace fleetlink::hub;

namespace {
Expected<config::Config> load(const std::string& toml) {
  return config::Loader(hubSchema()).text(toml, "hub.toml").load();
}
}  // namespace

TEST_CASE("a fleet seen for the first time gets the defaults", "[rules][settings]") {
  auto cfg = load("");
  REQUIRE(cfg);
  auto book = rules::RuleBook::fromConfig(*cfg);
  REQUIRE(book);
  const auto& r = *book->get("never-configured").rules;
  CHECK(r.speed_limit_kph == 90);
  CHECK(r.continuous_driving_max_min == 240);
  CHECK(r.daily_driving_max_h == 10);
  CHECK(r.weekly_driving_max_h == 50);
  CHECK(r.route_distance_max_km == 200);
  CHECK(r.geofences.empty());
}

TEST_CASE("per-fleet settings and geofences from the hub config", "[rules][settings]") {
  auto cfg = load(R"(
[rules.defaults]
speed_limit_kph = 100

[fleets.acme]
speed_limit_kph = 80
overspeed_min_s = 5
disabled = ["gps_lost"]

[[fleets.acme.geofences]]
id = "depot"
lat = 52.0
lon = 5.0
radius_m = 200
restricted = true

[[fleets.acme.geofences]]
id = "town"
points = [[52.0, 5.0], [52.1, 5.0], [52.1, 5.1]]
speed_limit_kph = 30

[[alerts.webhooks]]
url = "http://127.0.0.1:9000/hooks/alerts"
min_severity = "high"
)");
  REQUIRE(cfg);
  auto book = rules::RuleBook::fromConfig(*cfg);
  REQUIRE(book);
  const auto& acme = *book->get("acme").rules;
  CHECK(acme.speed_limit_kph == 80);
  CHECK(acme.overspeed_min_s == 5);
  CHECK_FALSE(acme.enabled("gps_lost"));
  CHECK(acme.enabled("panic"));
  REQUIRE(acme.geofences.size() == 2);
  CHECK(acme.geofences[0].restricted);
  CHECK(acme.geofences[1].is_polygon);
  CHECK(book->get("other").rules->speed_limit_kph == 100);
}

TEST_CASE("bad rule settings name the key and what to write", "[rules][settings]") {
  auto bad = [](const std::string& toml) {
    auto cfg = load(toml);
    REQUIRE_FALSE(cfg);
    return cfg.error().message;
  };
  CHECK_THAT(bad("[fleets.acme]\nspeed_limit_kph = \"fast\"\n"),
             Catch::Contains("fleets.acme.speed_limit_kph: expected a number"));
  CHECK_THAT(bad("[fleets.acme]\nspeed_limit_kph = 0\n"), Catch::Contains("must be between 1 and 400"));
  CHECK_THAT(bad("[fleets.acme]\nsped_limit = 50\n"), Catch::Contains("fleets.acme.sped_limit: unknown rule setting"));
  CHECK_THAT(bad("[fleets.acme]\ndisabled = [\"panic\"]\n"), Catch::Contains("panic rule cannot be disabled"));
  CHECK_THAT(bad("[[fleets.acme.geofences]]\nid = \"z\"\nlat = 52.0\n"), Catch::Contains("(z).lon: expected a number"));
  CHECK_THAT(bad("[[fleets.acme.geofences]]\nid = \"z\"\npoints = [[52.0, 5.0]]\n"),
             Catch::Contains("at least 3"));
  CHECK_THAT(bad("[fleets._x]\nspeed_limit_kph = 50\n"), Catch::Contains("fleet id"));
  CHECK_THAT(bad("[[alerts.webhooks]]\nurl = \"ftp://x\"\n"), Catch::Contains("must start with http://"));
  // The error names the file and line where the table starts.
  CHECK_THAT(bad("\n\n[fleets.acme]\nspeed_limit_kph = -3\n"), Catch::StartsWith("hub.toml:"));
}

TEST_CASE("rules.set changes settings at run time and keeps what it changed", "[rules][settings]") {
  rules::RuleBook book;
  const auto v1 = book.get("acme").version;
  auto e = book.set("acme", {{"speed_limit_kph", 70}});
  REQUIRE(e);
  CHECK(e->rules->speed_limit_kph == 70);
  CHECK(e->version != v1);
  CHECK_FALSE(book.set("acme", {{"speed_limit_kph", "x"}}));
  CHECK(book.get("acme").rules->speed_limit_kph == 70);  // a refused change changes nothing
  REQUIRE(book.set("acme", {{"overspeed_min_s", 3}}));
  CHECK(book.overrides("acme") == nlohmann::json({{"speed_limit_kph", 70}, {"overspeed_min_s", 3}}));
  rules::RuleBook restarted;
  REQUIRE(restarted.restore("acme", book.overrides("acme")));
  CHECK(restarted.get("acme").rules->speed_limit_kph == 70);
  CHECK(rules::toJson(*restarted.get("acme").rules)["overspeed_min_s"] == 3);
}
