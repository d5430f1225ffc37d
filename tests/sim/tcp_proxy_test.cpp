// The network-fault proxy the chaos tests put between a client and the broker: forwards, cuts, blackholes.
#include <catch2/catch.hpp>

#include <mqtt/async_client.h>

#include "fleetlink/common/mqtt_endpoint.hpp"
#include "support/broker.hpp"
#include "support/mqtt_probe.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/tcp_proxy.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace std::chrono_literals;

TEST_CASE("the proxy forwards MQTT, cuts every connection and refuses new ones, then restores", "[sim][proxy]") {
  Broker broker;
  TcpProxy proxy(broker.port());
  MqttProbe direct(broker.uri(), {"fault/#"});
  CHECK(portOpen(proxy.port()));
  // The probe connection above is accepted by the proxy's thread some time after portOpen() returns: wait
  // until it has been counted and closed, so the next connection is the only one that follows.
  REQUIRE(waitUntil([&] {
    const auto c = proxy.counters();
    return c.accepted >= 1 && c.active == 0;
  }, 5s));
  const auto probes = proxy.counters().accepted;

  {
    MqttProbe via(proxy.uri(), {"fault/#"});
    direct.publish("fault/a", "1");
    REQUIRE(via.waitFor(1, 5s));
    CHECK(via.messages()[0].payload == "1");
    const auto c = proxy.counters();
    CHECK(c.accepted == probes + 1);
    CHECK(c.active == 1);
    CHECK(c.bytes_to_target > 0);
    CHECK(c.bytes_to_client > 0);

    proxy.cut();
    REQUIRE(waitUntil([&] { return !via.client().is_connected(); }, 5s));
    CHECK(proxy.counters().dropped == 1);
    CHECK(proxy.mode() == TcpProxy::Mode::Cut);
    REQUIRE(waitUntil([&] { return !portOpen(proxy.port()); }, 2s));
  }

  proxy.restore();
  REQUIRE(waitUntil([&] { return portOpen(proxy.port()); }, 2s));
  MqttProbe again(proxy.uri(), {"fault/#"});
  direct.publish("fault/b", "2");
  REQUIRE(again.waitFor(1, 5s));
  CHECK(again.messages()[0].payload == "2");
}

TEST_CASE("a blackhole holds data back without closing anything and restore delivers it", "[sim][proxy]") {
  Broker broker;
  TcpProxy proxy(broker.port());
  MqttProbe via(proxy.uri(), {"fault/#"});
  MqttProbe direct(broker.uri(), {});

  proxy.blackhole();
  std::this_thread::sleep_for(100ms);
  const auto before = proxy.counters().bytes_to_client;
  direct.publish("fault/held", "x");
  std::this_thread::sleep_for(1s);
  CHECK(via.count() == 0);
  CHECK(via.client().is_connected());  // nothing told the client: a silent network
  CHECK(proxy.counters().bytes_to_client == before);
  CHECK(proxy.counters().active == 1);

  SECTION("new connections are accepted but get no answer") {
    mqtt::async_client late(proxy.uri(), "late-client", mqttx::createOptions());
    auto opts = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).connect_timeout(1s).finalize();
    auto tok = late.connect(opts);
    const bool connected = tok->wait_for(1500ms) && late.is_connected();
    CHECK_FALSE(connected);
    CHECK(waitUntil([&] { return proxy.counters().accepted == 2; }, 2s));  // the proxy's thread counts it
  }

  proxy.restore();
  REQUIRE(via.waitFor(1, 5s));
  CHECK(via.messages()[0].payload == "x");
}

TEST_CASE("a proxy in front of a stopped server closes the client's connection", "[sim][proxy]") {
  const int dead_port = freePort();
  TcpProxy proxy(dead_port);
  mqtt::async_client c(proxy.uri(), "orphan", mqttx::createOptions());
  auto opts = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).connect_timeout(2s).finalize();
  CHECK_THROWS(c.connect(opts)->wait());
  REQUIRE(waitUntil([&] { return proxy.counters().target_refused == 1; }, 2s));
  CHECK(proxy.counters().active == 0);
}
