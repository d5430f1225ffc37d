// The production broker configuration: every vehicle confined to its own topics, admins to their fleet, nobody
// without an account. Real Mosquitto with deploy/mosquitto/fleetlink.conf and credentials from
// deploy/fleet-credentials.sh.
#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

#include "fleetlink/common/topics.hpp"
#include "production_broker.hpp"
#include "support/ports.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace fleetlink::test::deploy;
using namespace std::chrono_literals;

namespace {

constexpr int kNotAuthorized = 0x87;

std::vector<FleetAccounts> twoFleets() {
  return {{"acme", {"truck-7", "van-2"}, {"ops"}}, {"globex", {"truck-7"}, {"ops"}}};
}

// The hub's view: everything vehicles publish, in every fleet.
std::unique_ptr<AuthClient> hubWatching(const ProductionBroker& broker) {
  auto hub = std::make_unique<AuthClient>(broker.hub(), "hub-watch");
  REQUIRE(hub->connect() == 0);
  REQUIRE(hub->subscribe("fl/v1/+/v/+/up") <= 2);
  REQUIRE(hub->subscribe("fl/v1/+/v/+/state") <= 2);
  REQUIRE(hub->subscribe("fl/v1/+/admin/req") <= 2);
  return hub;
}

}  // namespace

TEST_CASE("deploy 01: vehicle A's password cannot publish to vehicle B's topics", "[deploy][acl]") {
  ProductionBroker broker(twoFleets());
  auto hub = hubWatching(broker);

  AuthClient a(broker.vehicleWithPassword("acme", "truck-7"), "edge-acme-truck-7");
  REQUIRE(a.connect() == 0);

  // Its own topics work (and prove the hub would see a forged message, were it let through).
  CHECK(a.publish(topics::vehicleUp("acme", "truck-7"), "own-up") == 0);
  CHECK(a.publish(topics::vehicleState("acme", "truck-7"), "own-state") == 0);
  REQUIRE(hub->waitForTopic(topics::vehicleUp("acme", "truck-7"), 5s));

  // Another vehicle of the same fleet, the same vehicle id in another fleet, and a fleet channel: refused.
  CHECK(a.publish(topics::vehicleUp("acme", "van-2"), "forged") == kNotAuthorized);
  CHECK(a.publish(topics::vehicleState("acme", "van-2"), "forged") == kNotAuthorized);
  CHECK(a.publish(topics::vehicleUp("globex", "truck-7"), "forged") == kNotAuthorized);
  CHECK(a.publish(topics::vehicleCmd("acme", "truck-7"), "forged") == kNotAuthorized);
  CHECK(a.publish(topics::adminRequest("acme"), R"({"action":"vehicles.list"})") == kNotAuthorized);

  // A message the hub does see proves the forged ones would have arrived by now.
  CHECK(a.publish(topics::vehicleUp("acme", "truck-7"), "marker") == 0);
  REQUIRE(waitUntil([&] { return hub->messages().size() >= 3; }, 5s));
  for (const auto& [topic, payload] : hub->messages()) {
    INFO(topic << " " << payload);
    CHECK(payload != "forged");
  }
}

TEST_CASE("deploy 02: vehicle A cannot read vehicle B's commands", "[deploy][acl]") {
  ProductionBroker broker(twoFleets());
  AuthClient hub(broker.hub(), "hub-cmd");
  REQUIRE(hub.connect() == 0);

  AuthClient a(broker.vehicleWithPassword("acme", "truck-7"), "edge-acme-truck-7");
  REQUIRE(a.connect() == 0);
  CHECK(a.subscribe(topics::vehicleCmd("acme", "truck-7")) <= 1);
  a.subscribe(topics::vehicleCmd("acme", "van-2"));   // whatever the broker answers, nothing may arrive
  a.subscribe("fl/v1/acme/v/+/cmd");
  a.subscribe("fl/v1/#");

  CHECK(hub.publish(topics::vehicleCmd("acme", "van-2"), "for-van-2") == 0);
  CHECK(hub.publish(topics::vehicleCmd("globex", "truck-7"), "for-globex-truck-7") == 0);
  CHECK(hub.publish(topics::vehicleCmd("acme", "truck-7"), "for-truck-7") == 0);
  REQUIRE(a.waitForTopic(topics::vehicleCmd("acme", "truck-7"), 5s));
  std::this_thread::sleep_for(300ms);
  for (const auto& [topic, payload] : a.messages()) {
    INFO(topic);
    CHECK(topic == topics::vehicleCmd("acme", "truck-7"));
  }
}

TEST_CASE("deploy 03: with mutual TLS the certificate is the account", "[deploy][acl][tls]") {
  ProductionBroker broker(twoFleets());
  auto hub = hubWatching(broker);

  AuthClient b(broker.vehicleWithCertificate("acme", "van-2"), "edge-acme-van-2");
  REQUIRE(b.connect() == 0);
  CHECK(b.publish(topics::vehicleUp("acme", "van-2"), "van-2-up") == 0);
  CHECK(b.publish(topics::vehicleUp("acme", "truck-7"), "forged") == kNotAuthorized);
  CHECK(hub->waitForTopic(topics::vehicleUp("acme", "van-2"), 5s));

  SECTION("a user name cannot override the certificate's identity") {
    auto ep = broker.vehicleWithCertificate("acme", "van-2");
    ep.username = "truck-7@acme";
    AuthClient spoof(ep, "spoof");
    REQUIRE(spoof.connect() == 0);
    CHECK(spoof.publish(topics::vehicleUp("acme", "truck-7"), "forged") == kNotAuthorized);
  }
  SECTION("the certificate listener refuses a client without a certificate") {
    auto ep = broker.vehicleWithPassword("acme", "van-2");
    ep.port = broker.mtlsPort();
    AuthClient nocert(ep, "nocert");
    CHECK(nocert.connect(5s) != 0);
  }
}

TEST_CASE("deploy 04: anonymous clients, wrong passwords and plain TCP are refused", "[deploy][acl]") {
  ProductionBroker broker(twoFleets());

  SECTION("anonymous on the loopback listener") {
    mqttx::Endpoint anon;
    anon.port = broker.localPort();
    AuthClient c(anon, "anon");
    const int rc = c.connect(5s);
    INFO(c.error());
    CHECK(rc >= 0x80);
  }
  SECTION("anonymous over TLS") {
    mqttx::Endpoint anon;
    anon.port = broker.tlsPort();
    anon.tls = true;
    anon.tls_ca = broker.caFile();
    AuthClient c(anon, "anon-tls");
    CHECK(c.connect(5s) >= 0x80);
  }
  SECTION("a vehicle with another vehicle's password") {
    auto ep = broker.vehicleWithPassword("acme", "truck-7");
    ep.password = broker.vehiclePassword("acme", "van-2");
    AuthClient c(ep, "wrong");
    CHECK(c.connect(5s) >= 0x80);
  }
  SECTION("plain MQTT on the TLS port gets no session") {
    auto ep = broker.vehicleWithPassword("acme", "truck-7");
    ep.tls = false;
    AuthClient c(ep, "plain");
    CHECK(c.connect(5s) != 0);
  }
}

TEST_CASE("deploy 05: admins reach their own fleet's admin topics only", "[deploy][acl]") {
  ProductionBroker broker(twoFleets());
  auto hub = hubWatching(broker);

  AuthClient ops(broker.admin("acme", "ops"), "ctl-ops");
  REQUIRE(ops.connect() == 0);
  CHECK(ops.publish(topics::adminRequest("acme"), R"({"action":"stats"})") == 0);
  CHECK(hub->waitForTopic(topics::adminRequest("acme"), 5s));
  CHECK(ops.publish(topics::adminRequest("globex"), R"({"action":"stats"})") == kNotAuthorized);
  CHECK(ops.publish(topics::vehicleUp("acme", "truck-7"), "forged") == kNotAuthorized);
  CHECK(ops.publish(topics::vehicleCmd("acme", "truck-7"), "forged") == kNotAuthorized);

  // The hub answers on the admin's response topic, which the admin may read; another fleet's it may not.
  ops.subscribe(topics::adminResponse("acme", "ctl-ops"));
  ops.subscribe(topics::adminResponse("globex", "ctl-ops"));
  AuthClient hub_out(broker.hub(), "hub-res");
  REQUIRE(hub_out.connect() == 0);
  CHECK(hub_out.publish(topics::adminResponse("globex", "ctl-ops"), "other-fleet") == 0);
  CHECK(hub_out.publish(topics::adminResponse("acme", "ctl-ops"), "answer") == 0);
  REQUIRE(ops.waitForTopic(topics::adminResponse("acme", "ctl-ops"), 5s));
  std::this_thread::sleep_for(300ms);
  for (const auto& [topic, payload] : ops.messages()) CHECK(payload != "other-fleet");
}

TEST_CASE("deploy 06: the test copy changes only ports, folders and logging", "[deploy][acl]") {
  const auto prod = readFile(sourcePath("deploy/mosquitto/fleetlink.conf"));
  const auto copy = testCopyOfProductionConfig(prod, "/tmp/x", "/tmp/y", 1001, 1002, 1003);
  for (const char* must : {"allow_anonymous false", "per_listener_settings false", "password_file /tmp/x/passwd",
                           "acl_file /tmp/x/acl", "require_certificate true", "use_identity_as_username true",
                           "persistence true", "set_tcp_nodelay true", "listener 1001 127.0.0.1", "listener 1002 127.0.0.1",
                           "listener 1003 127.0.0.1"}) {
    INFO(must);
    CHECK(copy.find(std::string(must) + "\n") != std::string::npos);
  }
  // No setting (comments aside) still points at the production folders.
  std::istringstream lines(copy);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    INFO(line);
    CHECK(line.find("/etc/mosquitto") == std::string::npos);
    CHECK(line.find("/var/lib/mosquitto") == std::string::npos);
  }
  CHECK(prod.find("allow_anonymous true") == std::string::npos);
  CHECK_THROWS_WITH(testCopyOfProductionConfig("listener 8884\n", "/x", "/y", 1, 2, 3),
                    Catch::Contains("listener 8883"));
}
