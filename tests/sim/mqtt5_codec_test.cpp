// The simulator's MQTT 5 framing: byte layouts checked against the specification, and a stream split anywhere.
#include <catch2/catch.hpp>

#include "tools/fleet-sim/mqtt5_codec.hpp"

using namespace fleetlink::sim::mqtt5;

namespace {
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}
}  // namespace

TEST_CASE("CONNECT carries protocol 5, clean start, keep-alive, session expiry and a retained QoS 1 will", "[sim][mqtt5]") {
  ConnectParams p;
  p.client_id = "c1";
  p.keepalive_s = 30;
  p.session_expiry_s = 0;
  p.has_will = true;
  p.will_topic = "t";
  p.will_payload = "x";
  std::string out;
  appendConnect(out, p);
  // fixed header, "MQTT", level 5, flags (will retain 0x20 | will QoS1 0x08 | will 0x04 | clean 0x02), keep-alive,
  // no properties, client id, no will properties, will topic, will payload
  CHECK(out == bytes({0x10, 22, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x2E, 0, 30, 0, 0, 2, 'c', '1', 0, 0, 1, 't', 0, 1, 'x'}));

  SECTION("credentials and a session expiry property") {
    p.has_will = false;
    p.username = "u";
    p.password = "pw";
    p.session_expiry_s = 300;
    out.clear();
    appendConnect(out, p);
    CHECK(static_cast<unsigned char>(out[9]) == 0xC2);  // username | password | clean start
    CHECK(out.substr(12, 6) == bytes({5, 0x11, 0, 0, 1, 0x2C}));
  }
}

TEST_CASE("a PUBLISH the simulator writes reads back through the packet reader", "[sim][mqtt5]") {
  std::string out;
  appendPublish(out, "fl/v1/a/v/b/up", std::string(300, 'p'), 1, false, 7);
  appendPublish(out, "fl/v1/a/v/b/state", "s", 0, true, 0);
  PacketReader r;
  // Feed in awkward pieces: a split inside the remaining-length varint must wait for more bytes.
  r.feed(out.substr(0, 2));
  CHECK_FALSE(r.next());
  r.feed(out.substr(2));
  auto a = r.next();
  REQUIRE(a);
  CHECK(a->type == PacketType::Publish);
  CHECK(a->topic == "fl/v1/a/v/b/up");
  CHECK(a->qos == 1);
  CHECK(a->packet_id == 7);
  CHECK(a->payload == std::string(300, 'p'));
  auto b = r.next();
  REQUIRE(b);
  CHECK(b->retain);
  CHECK(b->qos == 0);
  CHECK(b->payload == "s");
  CHECK_FALSE(r.next());
  CHECK(r.error().empty());
}

TEST_CASE("CONNACK properties set the publish window", "[sim][mqtt5]") {
  PacketReader r;
  // session present, success, properties: receive maximum 100, maximum packet size 1 MiB, a reason string
  r.feed(bytes({0x20, 15, 1, 0, 12, 0x21, 0, 100, 0x27, 0, 0x10, 0, 0, 0x1F, 0, 1, 'k'}));
  auto p = r.next();
  REQUIRE(p);
  CHECK(p->type == PacketType::Connack);
  CHECK(p->session_present);
  CHECK(p->reason == 0);
  CHECK(p->receive_maximum == 100);
  CHECK(p->maximum_packet_size == 0x100000);
}

TEST_CASE("PUBACK, SUBACK and DISCONNECT reason codes are read", "[sim][mqtt5]") {
  PacketReader r;
  r.feed(bytes({0x40, 2, 0x12, 0x34}));              // short PUBACK: success
  r.feed(bytes({0x40, 3, 0, 9, 0x87}));              // PUBACK: not authorized
  r.feed(bytes({0x90, 5, 0, 1, 0, 0x01, 0x80}));     // SUBACK: one granted, one refused
  r.feed(bytes({0xE0, 2, 0x8B, 0}));                 // DISCONNECT: server shutting down
  auto a = r.next();
  auto b = r.next();
  auto c = r.next();
  auto d = r.next();
  REQUIRE((a && b && c && d));
  CHECK(a->packet_id == 0x1234);
  CHECK(a->reason == 0);
  CHECK(b->reason == 0x87);
  CHECK(c->reason == 0x80);
  CHECK(d->type == PacketType::Disconnect);
  CHECK(d->reason == 0x8B);
}

TEST_CASE("a stream that is not MQTT stops the reader with an error", "[sim][mqtt5]") {
  PacketReader r;
  SECTION("remaining length longer than four bytes") {
    r.feed(bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
  }
  SECTION("a packet type a broker never sends") {
    r.feed(bytes({0x10, 0}));
  }
  SECTION("a truncated PUBLISH topic") {
    r.feed(bytes({0x30, 3, 0, 9, 'a'}));
  }
  CHECK_FALSE(r.next());
  CHECK_FALSE(r.error().empty());
}

TEST_CASE("SUBSCRIBE, PUBACK, PINGREQ and DISCONNECT bytes", "[sim][mqtt5]") {
  std::string out;
  appendSubscribe(out, 3, {"a/b"}, 1);
  CHECK(out == bytes({0x82, 9, 0, 3, 0, 0, 3, 'a', '/', 'b', 1}));
  out.clear();
  appendPuback(out, 0x0102);
  appendPingreq(out);
  appendDisconnect(out, 4);
  CHECK(out == bytes({0x40, 2, 1, 2, 0xC0, 0, 0xE0, 2, 4, 0}));
}
