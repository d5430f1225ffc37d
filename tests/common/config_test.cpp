#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <toml++/toml.h>

#include "fleetlink/common/config.hpp"

using namespace fleetlink;
using config::Type;

namespace {

config::Schema testSchema() {
  config::Schema s("test-prog");
  s.add({"mqtt.host", Type::String, "127.0.0.1", "broker", config::nonEmpty()});
  s.add({"mqtt.port", Type::Int, "1883", "port", config::inRange(1, 65535)});
  s.add({"report.interval", Type::Duration, "5s", "interval", config::durationRange("100ms", "1d")});
  s.add({"outbox.max_bytes", Type::Size, "64MiB", "bytes"});
  s.add({"gps.enabled", Type::Bool, "true", "gps on"});
  s.add({"gps.accuracy", Type::Double, "25.5", "metres"});
  s.add({"device.vehicle", Type::String, "v1", "id", config::validId()});
  s.add({"log.level", Type::String, "info", "level", config::oneOf({"debug", "info"})});
  s.add({"rules.zones", Type::Table, "", "zones", {},
         [](const toml::node& n) -> std::optional<std::string> {
           if (!n.is_array()) return "must be an array of tables";
           return std::nullopt;
         }});
  return s;
}

std::string writeTemp(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("fleetlink-config-test-" + name);
  std::ofstream(p) << text;
  return p.string();
}

}  // namespace

TEST_CASE("defaults apply when nothing is set", "[config]") {
  auto c = config::Loader(testSchema()).load();
  REQUIRE(c.ok());
  CHECK(c->str("mqtt.host") == "127.0.0.1");
  CHECK(c->integer("mqtt.port") == 1883);
  CHECK(c->duration("report.interval") == std::chrono::seconds(5));
  CHECK(c->bytes("outbox.max_bytes") == 64ull * 1024 * 1024);
  CHECK(c->flag("gps.enabled"));
  CHECK(c->number("gps.accuracy") == Approx(25.5));
  CHECK(c->origin("mqtt.port") == "default");
}

TEST_CASE("a file with comments sets values and the command line overrides it", "[config]") {
  const auto path = writeTemp("ok.toml", R"(# broker settings
[mqtt]
host = "broker.example"   # the fleet's broker
port = 8883
[report]
interval = "2m"
[[rules.zones]]
name = "depot"
)");
  auto c = config::Loader(testSchema()).file(path).set("mqtt.port", "1884").set("gps.enabled", "false").load();
  REQUIRE(c.ok());
  CHECK(c->str("mqtt.host") == "broker.example");
  CHECK(c->origin("mqtt.host") == path + ":3");
  CHECK(c->integer("mqtt.port") == 1884);
  CHECK(c->origin("mqtt.port") == "--set");
  CHECK(c->duration("report.interval") == std::chrono::minutes(2));
  CHECK_FALSE(c->flag("gps.enabled"));
  REQUIRE(c->table("rules.zones"));
  CHECK(c->table("rules.zones")->is_array());
}

TEST_CASE("validation errors name the file, line and key", "[config]") {
  SECTION("wrong type") {
    const auto path = writeTemp("type.toml", "[mqtt]\n\nport = \"eighty\"\n");
    auto c = config::Loader(testSchema()).file(path).load();
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message == path + ":3: key mqtt.port: expected an integer, got \"eighty\"");
  }
  SECTION("out of range") {
    const auto path = writeTemp("range.toml", "[mqtt]\nport = 70000\n");
    auto c = config::Loader(testSchema()).file(path).load();
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.error().message, Catch::StartsWith(path + ":2: key mqtt.port: must be between 1 and 65535"));
  }
  SECTION("unknown key (a typo must not pass silently)") {
    const auto path = writeTemp("unknown.toml", "[mqtt]\nhots = \"x\"\n");
    auto c = config::Loader(testSchema()).file(path).load();
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.error().message, Catch::StartsWith(path + ":2: unknown key mqtt.hots"));
  }
  SECTION("TOML syntax error") {
    const auto path = writeTemp("syntax.toml", "[mqtt]\nhost = \"unterminated\n");
    auto c = config::Loader(testSchema()).file(path).load();
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.error().message, Catch::StartsWith(path + ":2:"));
  }
  SECTION("bad duration, id and enum") {
    CHECK_THAT(config::Loader(testSchema()).set("report.interval", "soon").load().error().message,
               Catch::Contains("report.interval") && Catch::Contains("duration"));
    CHECK_THAT(config::Loader(testSchema()).set("report.interval", "10ms").load().error().message,
               Catch::Contains("between 100ms and 1d"));
    CHECK_THAT(config::Loader(testSchema()).set("device.vehicle", "a/b").load().error().message,
               Catch::Contains("device.vehicle"));
    CHECK_THAT(config::Loader(testSchema()).set("log.level", "loud").load().error().message,
               Catch::Contains("must be one of debug, info"));
  }
  SECTION("structured key checked by its validator") {
    auto c = config::Loader(testSchema()).set("rules.zones", "{ name = \"x\" }").load();
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.error().message, Catch::Contains("rules.zones") && Catch::Contains("array"));
  }
  SECTION("missing file") {
    auto c = config::Loader(testSchema()).file("/nonexistent/fleetlink.toml").load();
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.error().message, Catch::Contains("not found"));
  }
  SECTION("unknown override key") {
    auto c = config::Loader(testSchema()).set("nope.key", "1").load();
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.error().message, Catch::Contains("nope.key") && Catch::Contains("unknown"));
  }
}

TEST_CASE("the config hash changes exactly when the effective config does", "[config]") {
  auto a = config::Loader(testSchema()).load();
  auto b = config::Loader(testSchema()).set("mqtt.port", "1883").load();
  auto c = config::Loader(testSchema()).set("mqtt.port", "1884").load();
  REQUIRE((a.ok() && b.ok() && c.ok()));
  CHECK(a->hash() == b->hash());
  CHECK(a->hash() != c->hash());
  CHECK(a->hash().size() == 16);
}

TEST_CASE("durations and sizes parse in the documented units", "[config]") {
  CHECK(config::parseDurationMs("250ms") == 250);
  CHECK(config::parseDurationMs("30") == 30000);
  CHECK(config::parseDurationMs("1.5s") == 1500);
  CHECK(config::parseDurationMs("5m") == 300000);
  CHECK(config::parseDurationMs("2h") == 7200000);
  CHECK(config::parseDurationMs("90d") == 90LL * 86400000);
  CHECK_FALSE(config::parseDurationMs("5 minutes"));
  CHECK_FALSE(config::parseDurationMs("-1s"));
  CHECK(config::parseSizeBytes("10MiB") == 10ull << 20);
  CHECK(config::parseSizeBytes("4096") == 4096);
  CHECK_FALSE(config::parseSizeBytes("big"));
}

TEST_CASE("files are written atomically", "[config]") {
  const auto dir = std::filesystem::temp_directory_path() / "fleetlink-atomic-test";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "f.toml").string();
  REQUIRE(config::writeFileAtomically(path, "a = 1\n").ok());
  REQUIRE(config::writeFileAtomically(path, "a = 2\n").ok());
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  CHECK(text == "a = 2\n");
  std::size_t files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++files;
  CHECK(files == 1);  // no temporary left behind
  CHECK_FALSE(config::writeFileAtomically("/nonexistent-dir/x.toml", "x").ok());
}
