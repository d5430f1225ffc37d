// Commands: every command acknowledged; malformed, expired and invalid ones rejected without any change;
// config updates validated against the schema and written atomically to the override file.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "edge/commands/command_handler.hpp"
#include "edge/config/edge_config.hpp"
#include "edge/config/override_file.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using namespace fleetlink::edge;
using fleetlink::test::TempDir;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Fixture {
  TempDir dir;
  std::string base = dir.file("edge.toml");
  std::string override_file;
  std::unique_ptr<ConfigUpdater> updater;
  std::vector<v1::DriverMessage> stored;
  int resyncs = 0;
  std::vector<std::int64_t> resync_windows;  // as passed to the effect
  std::size_t resent = 0;                    // what the effect reports re-sent
  std::vector<std::pair<std::uint64_t, std::uint64_t>> panic_acks;
  std::int64_t now = 1'800'000'000'000;
  std::unique_ptr<CommandHandler> handler;

  Fixture() {
    dir.write("edge.toml", "[device]\ndata_dir = \"" + dir.path() + "\"\n[report]\nmoving_interval = \"5s\"\n");
    ConfigSources sources({base}, {{"mqtt.port", "1999", "--mqtt.port"}});
    auto cfg = sources.loadBase();
    REQUIRE(cfg.ok());
    override_file = edgeSettings(*cfg).override_file;
    updater = std::make_unique<ConfigUpdater>(sources, override_file, *cfg);
    handler = std::make_unique<CommandHandler>(CommandEffects{
        [this](const v1::ConfigUpdate& u) { return updater->apply(u); },
        [this](const v1::DriverMessage& m) -> Status {
          stored.push_back(m);
          return okStatus();
        },
        [this](std::int64_t window_ms) {
          ++resyncs;
          resync_windows.push_back(window_ms);
          return window_ms > 0 ? resent : 0;
        },
        [this](std::uint64_t e, std::uint64_t s) {
          panic_acks.emplace_back(e, s);
          return true;
        },
        [this] { return updater->current().hash(); },
        [this] { return now; }});
  }
  std::optional<v1::CommandAck> run(const v1::Command& c) { return handler->handle(c.SerializeAsString()); }
};

v1::Command configUpdate(std::map<std::string, std::string> kv) {
  v1::Command c;
  c.set_command_id("cmd-1");
  for (auto& [k, v] : kv) (*c.mutable_config_update()->mutable_set())[k] = v;
  return c;
}

}  // namespace

TEST_CASE("a valid config update is written to the override file and acknowledged with the new hash", "[commands][config]") {
  Fixture fx;
  const auto old_hash = fx.updater->current().hash();
  auto ack = fx.run(configUpdate({{"report.moving_interval", "2s"}, {"gps.max_h_accuracy_m", "25"}}));
  REQUIRE(ack);
  CHECK(ack->status() == v1::ACK_STATUS_ACCEPTED);
  CHECK(ack->command_id() == "cmd-1");
  CHECK(ack->config_hash() != old_hash);
  CHECK(ack->config_hash() == fx.updater->current().hash());
  CHECK(fx.updater->current().duration("report.moving_interval").count() == 2000);
  auto persisted = readOverrideFile(fx.override_file);
  REQUIRE(persisted.ok());
  CHECK(persisted->at("report.moving_interval") == "2s");
  CHECK(persisted->at("gps.max_h_accuracy_m") == "25");
  SECTION("a second update keeps the first one's keys") {
    auto again = fx.run(configUpdate({{"report.distance_m", "\"75\""}}));
    REQUIRE(again);
    CHECK(again->status() == v1::ACK_STATUS_ACCEPTED);
    CHECK(readOverrideFile(fx.override_file)->size() == 3);
    // And the whole configuration loads at the next start with the same hash.
    ConfigSources sources({fx.base}, {{"mqtt.port", "1999", "--mqtt.port"}});
    auto loaded = loadEdgeConfig(sources);
    REQUIRE(loaded.ok());
    CHECK(loaded->warning.empty());
    CHECK(loaded->config.hash() == again->config_hash());
  }
  SECTION("keys needing a restart are accepted and named") {
    auto r = fx.run(configUpdate({{"mqtt.keepalive", "45s"}}));
    CHECK(r->status() == v1::ACK_STATUS_ACCEPTED);
    CHECK_THAT(r->detail(), Catch::Contains("next start") && Catch::Contains("mqtt.keepalive"));
  }
  SECTION("a key the command line fixes is reported as such") {
    auto r = fx.run(configUpdate({{"mqtt.port", "1884"}}));
    CHECK(r->status() == v1::ACK_STATUS_ACCEPTED);
    CHECK_THAT(r->detail(), Catch::Contains("fixed by the command line"));
    CHECK(fx.updater->current().integer("mqtt.port") == 1999);
  }
}

TEST_CASE("invalid config updates are rejected and change nothing", "[commands][config]") {
  Fixture fx;
  REQUIRE(fx.run(configUpdate({{"report.moving_interval", "3s"}}))->status() == v1::ACK_STATUS_ACCEPTED);
  const std::string file_before = slurp(fx.override_file);
  const std::string hash_before = fx.updater->current().hash();
  const std::map<std::string, std::string> bad[] = {
      {{"report.moving_interval", "fast"}},                    // not a duration
      {{"mqtt.port", "99999"}},                                // out of range
      {{"report.nonsense", "1"}},                              // unknown key
      {{"device.vehicle", "someone-else"}},                    // identity cannot be changed remotely
      {{"report.distance_m", "10"}, {"gps.min_fix_mode", "7"}},  // one bad key spoils the whole update
      {},                                                      // nothing to set
  };
  for (const auto& kv : bad) {
    auto ack = fx.run(configUpdate(kv));
    REQUIRE(ack);
    INFO(ack->detail());
    CHECK(ack->status() == v1::ACK_STATUS_REJECTED);
    CHECK_FALSE(ack->detail().empty());
    CHECK(ack->config_hash() == hash_before);
    CHECK(slurp(fx.override_file) == file_before);
    CHECK(fx.updater->current().hash() == hash_before);
  }
  SECTION("a stale expected hash is rejected (lost update guard)") {
    auto c = configUpdate({{"report.distance_m", "10"}});
    c.mutable_config_update()->set_expected_config_hash("0000000000000000");
    auto ack = fx.run(c);
    CHECK(ack->status() == v1::ACK_STATUS_REJECTED);
    CHECK_THAT(ack->detail(), Catch::Contains("changed meanwhile"));
    c.mutable_config_update()->set_expected_config_hash(hash_before);
    CHECK(fx.run(c)->status() == v1::ACK_STATUS_ACCEPTED);
  }
}

TEST_CASE("malformed commands are rejected when they carry an id, never crash", "[commands]") {
  Fixture fx;
  SECTION("bytes that are not a command but start with an id") {
    std::string bytes = "\x0a\x05" "bad-1" "\xff\xff\xff\xff\xff\xff";
    auto ack = fx.handler->handle(bytes);
    REQUIRE(ack);
    CHECK(ack->command_id() == "bad-1");
    CHECK(ack->status() == v1::ACK_STATUS_REJECTED);
    CHECK_THAT(ack->detail(), Catch::Contains("malformed"));
  }
  SECTION("pure garbage has nobody to answer") {
    CHECK_FALSE(fx.handler->handle(std::string("\xff\x00\x13garbage", 10)));
    CHECK_FALSE(fx.handler->handle(""));
  }
  SECTION("a command without a body") {
    v1::Command c;
    c.set_command_id("empty-1");
    auto ack = fx.run(c);
    REQUIRE(ack);
    CHECK(ack->status() == v1::ACK_STATUS_REJECTED);
  }
  SECTION("an expired command is not applied late") {
    auto c = configUpdate({{"report.distance_m", "10"}});
    c.set_expires_at_ms(fx.now - 1);
    auto ack = fx.run(c);
    CHECK(ack->status() == v1::ACK_STATUS_REJECTED);
    CHECK_THAT(ack->detail(), Catch::Contains("expired"));
    CHECK_FALSE(std::filesystem::exists(fx.override_file));
  }
  CHECK(fx.stored.empty());
  CHECK(fx.resyncs == 0);
}

TEST_CASE("driver messages, resync, ping and panic acks", "[commands]") {
  Fixture fx;
  v1::Command m;
  m.set_command_id("m-1");
  m.mutable_driver_message()->set_message_id("msg-7");
  m.mutable_driver_message()->set_text("Depot closes at 18:00");
  CHECK(fx.run(m)->status() == v1::ACK_STATUS_ACCEPTED);
  REQUIRE(fx.stored.size() == 1);
  m.mutable_driver_message()->clear_text();
  CHECK(fx.run(m)->status() == v1::ACK_STATUS_REJECTED);

  v1::Command r;
  r.set_command_id("r-1");
  r.mutable_resync();
  CHECK(fx.run(r)->status() == v1::ACK_STATUS_ACCEPTED);
  CHECK(fx.resyncs == 1);
  CHECK(fx.resync_windows == std::vector<std::int64_t>{0});

  v1::Command p;
  p.set_command_id("p-1");
  p.mutable_ping()->set_sent_at_ms(5);
  auto pong = fx.run(p);
  CHECK(pong->status() == v1::ACK_STATUS_ACCEPTED);
  CHECK(pong->config_hash() == fx.updater->current().hash());

  v1::Command a;
  a.set_command_id("a-1");
  a.mutable_panic_ack()->set_epoch(9);
  a.mutable_panic_ack()->set_seq(3);
  CHECK_FALSE(fx.run(a));  // an answer itself: no ack
  CHECK(fx.panic_acks == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{9, 3}});
}

TEST_CASE("a resync with a re-send window passes it on and says how many records are re-sent", "[commands]") {
  Fixture fx;
  fx.resent = 42;
  v1::Command r;
  r.set_command_id("r-2");
  r.mutable_resync()->set_resend_window_ms(600'000);
  auto ack = fx.run(r);
  REQUIRE(ack);
  CHECK(ack->status() == v1::ACK_STATUS_ACCEPTED);
  CHECK_THAT(ack->detail(), Catch::Contains("42 records re-sent"));
  CHECK(fx.resync_windows == std::vector<std::int64_t>{600'000});

  SECTION("a negative window counts as none: birth and health only") {
    r.set_command_id("r-3");
    r.mutable_resync()->set_resend_window_ms(-5);
    ack = fx.run(r);
    REQUIRE(ack);
    CHECK(ack->status() == v1::ACK_STATUS_ACCEPTED);
    CHECK(fx.resync_windows.back() == 0);
    CHECK_THAT(ack->detail(), !Catch::Contains("re-sent"));
  }
  SECTION("one record is one record") {
    fx.resent = 1;
    r.set_command_id("r-4");
    ack = fx.run(r);
    REQUIRE(ack);
    CHECK_THAT(ack->detail(), Catch::Contains("1 record re-sent"));
  }
}

TEST_CASE("override values render as typed TOML and read back", "[config]") {
  TempDir dir;
  const auto schema = edgeSchema();
  OverrideValues v = {{"report.distance_m", "12.5"}, {"gps.port", "2950"}, {"mqtt.tls", "true"},
                      {"mqtt.host", "broker \"eu\"\\1"}, {"report.min_interval", "0s"}};
  auto text = renderOverrideToml(schema, v);
  REQUIRE(text.ok());
  dir.write("o.toml", *text);
  auto back = readOverrideFile(dir.file("o.toml"));
  REQUIRE(back.ok());
  CHECK(*back == v);
  CHECK_FALSE(renderOverrideToml(schema, {{"gps.port", "29x"}}).ok());
  CHECK_FALSE(renderOverrideToml(schema, {{"gps.nothing", "1"}}).ok());
  CHECK(unquoteValue("\"5s\"") == "5s");
  CHECK(unquoteValue("5s") == "5s");
}
