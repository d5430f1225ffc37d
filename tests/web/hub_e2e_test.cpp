// The web front end of the real fleetlink-hub, fed through a real Mosquitto as vehicles would feed it.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "fleetlink/common/clock.hpp"
#include "hub_process.hpp"
#include "web_client.hpp"
#include "web_fixture.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using hub::web::Role;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::int64_t now() { return SystemClock().nowMs(); }
auto typeIs(const std::string& t) {
  return [t](const json& m) { return m.value("type", "") == t; };
}
bool isEvent(const json& m) { return m.value("type", "") == "event"; }
auto positionAt(const std::string& vehicle, std::int64_t time_ms) {
  return [vehicle, time_ms](const json& m) {
    return isEvent(m) && m["kind"] == "position" && m["vehicle"] == vehicle && m["time_ms"] == time_ms;
  };
}

std::vector<json> eventsOf(const std::vector<json>& msgs) {
  std::vector<json> out;
  for (const auto& m : msgs)
    if (isEvent(m)) out.push_back(m);
  return out;
}

// Connects, subscribes and waits for the answer; the hello's epoch is returned through `epoch`.
std::unique_ptr<WsClient> subscribe(int port, const std::string& tok, json sub, std::string* epoch = nullptr,
                                    int receive_buffer = 0, const std::string& subprotocols = "") {
  auto c = std::make_unique<WsClient>();
  REQUIRE(c->connect(port, {tok, false, "/ws", receive_buffer, false, subprotocols}));
  auto hello = c->until(typeIs("hello"), 10s);
  REQUIRE(hello);
  if (epoch) *epoch = hello->back()["epoch"];
  sub["type"] = "subscribe";
  c->send(sub);
  REQUIRE(c->until(typeIs("subscribed"), 10s));
  return c;
}

}  // namespace

TEST_CASE("e2e: the hub refuses missing, forged and expired tokens and other fleets", "[web][e2e]") {
  Broker broker;
  broker.start();
  HubProcess hub(broker);
  hub.start();
  auto refusal = [&](const std::string& tok) {
    WsClient c;
    CHECK_FALSE(c.connect(hub.webPort(), {tok}));
    return c.refusedStatus();
  };
  CHECK(refusal("") == 401);
  CHECK(refusal(token(Role::Admin, {}, {}, 3'600'000, "forged-with-another-secret")) == 401);
  CHECK(refusal(token(Role::Dispatcher, {"acme"}, {}, -1000)) == 401);

  const auto acme = token(Role::Dispatcher, {"acme"});
  WsClient c;
  REQUIRE(c.connect(hub.webPort(), {acme}));
  REQUIRE(c.until(typeIs("hello"), 10s));
  c.send({{"type", "subscribe"}, {"fleets", {"globex"}}});
  auto err = c.until(typeIs("error"), 10s);
  REQUIRE(err);
  CHECK_THAT(err->back()["error"].get<std::string>(), Catch::Contains("does not grant fleet globex"));
  CHECK(httpRequest(hub.webPort(), "GET", "/api/v1/vehicles?fleet=globex", acme).status == 403);
  CHECK(httpRequest(hub.webPort(), "GET", "/api/v1/vehicles", "").status == 401);
  CHECK(httpRequest(hub.webPort(), "GET", "/api/v1/vehicles", acme).status == 200);
  auto metrics = httpRequest(hub.webPort(), "GET", "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("fleetlink_web_auth_failures_total{reason=\"missing\"}"));
  CHECK_THAT(metrics, Catch::Contains("fleetlink_web_auth_failures_total{reason=\"signature\"}"));
  CHECK_THAT(metrics, Catch::Contains("fleetlink_web_auth_failures_total{reason=\"expired\"}"));
}

TEST_CASE("e2e: clients get only the fleets, vehicles and kinds they subscribed to", "[web][e2e]") {
  Broker broker;
  broker.start();
  HubProcess hub(broker);
  hub.start();
  VehicleFeed feed(broker);
  auto v2 = subscribe(hub.webPort(), token(Role::Dispatcher, {"acme"}), {{"fleets", {"acme"}}, {"vehicles", {"v2"}},
                                                                         {"kinds", {"position"}}});
  auto v2_binary = subscribe(hub.webPort(), token(Role::Dispatcher, {"acme"}),
                             {{"fleets", {"acme"}}, {"vehicles", {"v2"}}, {"kinds", {"position"}}}, nullptr, 0,
                             "fleetlink.v1.protobuf");
  auto globex = subscribe(hub.webPort(), token(Role::Dispatcher, {"globex"}), {{"fleets", {"globex"}}});
  auto both = subscribe(hub.webPort(), token(Role::Admin, {}), {{"fleets", {"*"}}, {"kinds", {"position"}}});
  const auto t0 = now();
  for (int i = 0; i < 3; ++i) {
    feed.position("acme", "v1", t0 + i * 1000, 52.0 + i * 0.001, 4.0);
    feed.position("acme", "v2", t0 + i * 1000, 52.1 + i * 0.001, 4.1);
    feed.position("globex", "g1", t0 + i * 1000, 40.0 + i * 0.001, -3.0);
  }
  // Sentinels: whatever a client should not get would have arrived before these.
  feed.position("acme", "v2", t0 + 9000, 52.2, 4.2);
  feed.position("globex", "g1", t0 + 9000, 40.1, -3.0);

  auto a = v2->until(positionAt("v2", t0 + 9000), 20s);
  REQUIRE(a);
  auto ae = eventsOf(*a);
  REQUIRE(ae.size() == 4);
  for (auto& e : ae) {
    CHECK(e["stream"] == "acme");
    CHECK(e["vehicle"] == "v2");
    CHECK(e["kind"] == "position");
  }
  CHECK(ae[1]["data"]["position"]["lat"] == Approx(52.101));
  // The same events in the binary subprotocol.
  auto b = v2_binary->until(positionAt("v2", t0 + 9000), 20s);
  REQUIRE(b);
  auto be = eventsOf(*b);
  REQUIRE(be.size() == ae.size());
  for (std::size_t i = 0; i < be.size(); ++i) CHECK(be[i] == withoutDefaults(ae[i]));
  CHECK(v2_binary->subprotocol() == "fleetlink.v1.protobuf");
  CHECK(v2_binary->binaryFrames() >= 1);
  CHECK(v2_binary->badBinaryFrames() == 0);

  auto g = globex->until(positionAt("g1", t0 + 9000), 20s);
  REQUIRE(g);
  for (auto& e : eventsOf(*g)) CHECK(e["stream"] == "globex");

  std::set<std::string> streams;
  auto all = both->until(positionAt("g1", t0 + 9000), 20s);
  REQUIRE(all);
  for (auto& e : eventsOf(*all)) streams.insert(e["stream"].get<std::string>());
  CHECK(streams == std::set<std::string>{"acme", "globex"});

  // Each hand-off on the way (arrival -> core -> fan-out -> a client's frame -> the socket) timed what went through it.
  const auto metrics = httpRequest(hub.webPort(), "GET", "/metrics").body;
  for (const char* name : {"fleetlink_hub_core_wait_seconds", "fleetlink_hub_core_batch_seconds",
                           "fleetlink_web_fanout_wait_seconds", "fleetlink_web_fanout_batch_seconds",
                           "fleetlink_web_client_wait_seconds", "fleetlink_web_write_seconds"}) {
    INFO(name);
    const std::string key = std::string("\n") + name + "_count ";
    const auto at = metrics.find(key);
    REQUIRE(at != std::string::npos);
    CHECK(std::strtod(metrics.c_str() + at + key.size(), nullptr) >= 1);
  }
}

TEST_CASE("e2e: a client resumes after a disconnect, and after a hub restart, with no gap and no duplicate", "[web][e2e]") {
  Broker broker;
  broker.start();
  HubProcess hub(broker, "history_events = 16");  // most of the gap is replayed from the event log
  hub.start();
  VehicleFeed feed(broker);
  const auto tok = token(Role::Dispatcher, {"acme"});
  std::string epoch;
  auto c = subscribe(hub.webPort(), tok, {{"fleets", {"acme"}}}, &epoch);
  const auto t0 = now();
  for (int i = 0; i < 5; ++i) feed.position("acme", "v1", t0 + i * 1000, 52.0 + i * 0.0005, 4.0);
  auto first = c->until(positionAt("v1", t0 + 4000), 20s);
  REQUIRE(first);
  std::uint64_t last = 0;
  std::set<std::int64_t> seen_times;
  for (auto& e : eventsOf(*first)) {
    last = e["offset"];
    if (e["kind"] == "position") seen_times.insert(e["time_ms"].get<std::int64_t>());
  }
  c->close();  // the dispatcher's network drops

  // Missed while away: positions of two vehicles and a panic alert.
  for (int i = 5; i < 40; ++i) {
    feed.position("acme", "v1", t0 + i * 1000, 52.0 + i * 0.0005, 4.0);
    feed.position("acme", "v2", t0 + i * 1000, 52.3, 4.0 + i * 0.0005);
  }
  feed.panic("acme", "v2", t0 + 40'000, 52.3, 4.02);
  // Wait until the hub has published it (the admin API sees the alert).
  REQUIRE(waitUntil([&] {
    auto r = httpRequest(hub.webPort(), "GET", "/api/v1/alerts?state=open", tok).json();
    return r.is_object() && r["result"].is_array() && !r["result"].empty();
  }, 20s));

  auto resume = [&](std::uint64_t after, const std::string& ep, std::int64_t sentinel_time) {
    auto again = std::make_unique<WsClient>();
    REQUIRE(again->connect(hub.webPort(), {tok}));
    REQUIRE(again->until(typeIs("hello"), 10s));
    again->send({{"type", "subscribe"}, {"fleets", {"acme"}}, {"epoch", ep}, {"resume", {{"acme", after}}}});
    feed.position("acme", "v1", sentinel_time, 52.5, 4.5);  // live, after the resume point
    auto got = again->until(positionAt("v1", sentinel_time), 20s);
    REQUIRE(got);
    return eventsOf(*got);
  };
  auto missed = resume(last, epoch, t0 + 50'000);
  REQUIRE(missed.size() >= 72);  // 70 positions, the alert, the sentinel (plus status changes)
  int alerts = 0;
  for (std::size_t i = 0; i < missed.size(); ++i) {
    CHECK(missed[i]["offset"] == last + 1 + i);  // contiguous: nothing missing, nothing twice
    if (missed[i]["kind"] == "alert") ++alerts;
    if (missed[i]["kind"] == "position" && missed[i]["vehicle"] == "v1")
      CHECK(seen_times.insert(missed[i]["time_ms"].get<std::int64_t>()).second);
  }
  CHECK(alerts == 1);
  CHECK(seen_times.size() == 41);  // v1: 5 before, 35 missed, the sentinel
  const std::uint64_t before_restart = missed.back()["offset"];

  // A clean restart keeps the numbering (same epoch); events after the restart continue the stream.
  hub.stop();
  hub.start();
  for (int i = 0; i < 3; ++i) feed.position("acme", "v3", t0 + 60'000 + i * 1000, 52.4, 4.4);
  auto after = resume(before_restart - 5, epoch, t0 + 70'000);
  REQUIRE(after.size() >= 9);
  for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i]["offset"] == before_restart - 4 + i);
  CHECK(after[4]["offset"] == before_restart);
}

TEST_CASE("e2e: a slow client is cut off without slowing the others", "[web][e2e]") {
  // Deterministic whatever the machine's load: the fast client is fed in steps it can always hold (each step
  // is read before the next is published, and no step queues more than client_queue_max messages for it),
  // while the slow client, which stops reading, is driven past the limit only once the hub reports it lagging.
  constexpr int kQueueMax = 50, kVehicles = 20, kPanics = 40;
  Broker broker;
  broker.start();
  HubProcess hub(broker, "client_conflate_after = 16\nclient_queue_max = " + std::to_string(kQueueMax));
  hub.start();
  VehicleFeed feed(broker);
  const auto tok = token(Role::Dispatcher, {"acme"});
  auto fast = subscribe(hub.webPort(), tok, {{"fleets", {"acme"}}});
  auto slow = subscribe(hub.webPort(), tok, {{"fleets", {"acme"}}}, nullptr, /*receive_buffer=*/4096);

  std::map<std::string, std::int64_t> latest;
  std::set<std::string> alert_vehicles;
  auto fastReads = [&](const std::function<bool(const json&)>& pred) {
    auto got = fast->until(pred, 20s);
    REQUIRE(got);
    for (const auto& m : *got) {
      if (!isEvent(m)) continue;
      if (m["kind"] == "position") latest[m["vehicle"]] = m["time_ms"];
      if (m["kind"] == "alert") alert_vehicles.insert(m["vehicle"].get<std::string>());
    }
  };
  auto lagging = [&] {
    auto r = httpRequest(hub.webPort(), "GET", "/readyz").json();
    return r.is_object() && r["web"].value("lagging_clients", 0) > 0;
  };

  // Rounds of positions (the first also brings each vehicle's "online" status: 2 x 20 < 50 messages) until
  // the slow client's socket buffers are full and its queue passes client_conflate_after. The fast client
  // has read everything by then, so the lagging client is the slow one.
  const auto t0 = now();
  int rounds = 0;
  for (; rounds < 1000; ++rounds) {
    const auto t = t0 + rounds * 1000;
    for (int v = 0; v < kVehicles; ++v) feed.position("acme", "v" + std::to_string(v), t, 52.0 + v * 0.01, 4.0 + rounds * 1e-4);
    fastReads(positionAt("v" + std::to_string(kVehicles - 1), t));
    if (rounds > 2 && lagging()) break;
  }
  REQUIRE(rounds < 1000);
  // Panics, one at a time for the fast client; for the slow one they pile up past client_queue_max (alerts
  // are never conflated or dropped), so the hub cuts it off.
  for (int i = 0; i < kPanics; ++i) {
    const auto vehicle = "p" + std::to_string(i);
    feed.panic("acme", vehicle, now(), 52.0, 4.0);
    fastReads([&](const json& m) { return isEvent(m) && m["kind"] == "alert" && m["vehicle"] == vehicle; });
  }
  feed.position("acme", "end", t0 + (rounds + 1) * 1000, 52.0, 4.0);
  fastReads(positionAt("end", t0 + (rounds + 1) * 1000));

  CHECK(alert_vehicles.size() == kPanics);
  for (int v = 0; v < kVehicles; ++v) CHECK(latest["v" + std::to_string(v)] == t0 + rounds * 1000);
  CHECK_FALSE(fast->closed());
  // The slow client reads again: what was queued before the cut-off, then the close.
  while (slow->next(15s)) {
  }
  CHECK(slow->closeCode() == 4008);
  auto metrics = httpRequest(hub.webPort(), "GET", "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("fleetlink_web_disconnects_total{reason=\"too_slow\"} 1"));
}

TEST_CASE("e2e: a panic reaches the WebSocket, and acknowledging over HTTP changes the stored alert", "[web][e2e]") {
  Broker broker;
  broker.start();
  HubProcess hub(broker);
  hub.start();
  VehicleFeed feed(broker);
  const auto tok = token(Role::Dispatcher, {"acme"}, {}, 3'600'000, kSecret, "dispatcher-dana");
  auto c = subscribe(hub.webPort(), tok, {{"fleets", {"acme"}}, {"kinds", {"alert"}}});
  feed.position("acme", "v7", now(), 52.0, 4.0);
  feed.panic("acme", "v7", now(), 52.0, 4.0);
  auto opened = c->until([](const json& m) { return isEvent(m) && m["kind"] == "alert"; }, 20s);
  REQUIRE(opened);
  const auto alert = opened->back()["data"];
  CHECK(alert["rule"] == "panic");
  CHECK(alert["state"] == "ALERT_STATE_OPEN");
  const std::string id = alert["alert_id"];

  auto ack = httpRequest(hub.webPort(), "POST", "/api/v1/alerts/" + id + "/ack", tok, R"({"note":"calling the driver"})");
  REQUIRE(ack.status == 200);
  auto acked = c->until([](const json& m) { return isEvent(m) && m["data"]["state"] == "ALERT_STATE_ACKNOWLEDGED"; }, 20s);
  REQUIRE(acked);
  CHECK(acked->back()["data"]["updated_by"] == "dispatcher-dana");

  // After a restart the stored alert is still acknowledged, by that dispatcher.
  c->close();
  hub.stop();
  hub.start();
  auto stored = httpRequest(hub.webPort(), "GET", "/api/v1/alerts/" + id, tok).json();
  REQUIRE(stored["ok"] == true);
  CHECK(stored["result"]["state"] == "ALERT_STATE_ACKNOWLEDGED");
  CHECK(stored["result"]["updated_by"] == "dispatcher-dana");
  CHECK(httpRequest(hub.webPort(), "POST", "/api/v1/alerts/no-such-alert/ack", tok).status == 404);
}
