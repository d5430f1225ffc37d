// The web server in-process over the fakes below the seam, with real WebSocket and HTTP clients on loopback.
#include <catch2/catch.hpp>

#include <atomic>

#include <map>
#include <thread>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "web_client.hpp"
#include "web_fixture.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using hub::web::Role;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

bool isEvent(const json& m) { return m.value("type", "") == "event"; }
auto typeIs(const std::string& t) {
  return [t](const json& m) { return m.value("type", "") == t; };
}

// Connects and subscribes; returns after the "subscribed" answer.
std::unique_ptr<WsClient> subscribed(int port, const std::string& tok, json sub) {
  auto c = std::make_unique<WsClient>();
  REQUIRE(c->connect(port, {tok}));
  REQUIRE(c->until(typeIs("hello"), 5s));
  sub["type"] = "subscribe";
  c->send(sub);
  auto got = c->until(typeIs("subscribed"), 5s);
  REQUIRE(got);
  return c;
}

std::vector<json> eventsUntilPong(WsClient& c) {
  c.send({{"type", "ping"}, {"id", "sync"}});
  auto got = c.until(typeIs("pong"), 5s);
  REQUIRE(got);
  std::vector<json> out;
  for (auto& m : *got)
    if (isEvent(m)) out.push_back(m);
  return out;
}

}  // namespace

TEST_CASE("WebSocket upgrades need a valid, unexpired token signed by the hub", "[web][server]") {
  ServerUnderTest s;
  auto refused = [&](const std::string& tok) {
    WsClient c;
    CHECK_FALSE(c.connect(s.port(), {tok}));
    return std::make_pair(c.refusedStatus(), c.refusedBody());
  };
  auto [st1, b1] = refused("");
  CHECK(st1 == 401);
  CHECK_THAT(b1, Catch::Contains("no token"));
  CHECK(refused(token(Role::Admin, {}, {}, 3'600'000, "not-the-hub-secret")).first == 401);
  auto [st3, b3] = refused(token(Role::Admin, {}, {}, -60'000));
  CHECK(st3 == 401);
  CHECK_THAT(b3, Catch::Contains("expired"));
  CHECK(refused("eyJhbGciOiJub25lIn0.e30.").first == 401);
  // Each refused attempt is counted (the test client asks twice to read the refusal's body).
  CHECK(s.metrics().counterTotal("fleetlink_web_auth_failures_total") == 8);

  WsClient ok;
  REQUIRE(ok.connect(s.port(), {token(Role::Dispatcher, {"acme"}), /*token_in_query=*/true}));
  auto hello = ok.next(5s);
  REQUIRE(hello);
  CHECK((*hello)["type"] == "hello");
  CHECK((*hello)["fleets"] == json::array({"acme"}));
  CHECK(s.server().clients() == 1);
}

TEST_CASE("a token for one fleet never sees another fleet's data", "[web][server]") {
  ServerUnderTest s;
  WsClient c;
  REQUIRE(c.connect(s.port(), {token(Role::Dispatcher, {"acme"})}));
  REQUIRE(c.until(typeIs("hello"), 5s));
  c.send({{"type", "subscribe"}, {"fleets", {"globex"}}});
  auto err = c.until(typeIs("error"), 5s);
  REQUIRE(err);
  CHECK_THAT(err->back()["error"].get<std::string>(), Catch::Contains("does not grant fleet globex"));
  // "*" means every fleet the token grants, i.e. only acme.
  c.send({{"type", "subscribe"}, {"fleets", {"*"}}});
  auto sub = c.until(typeIs("subscribed"), 5s);
  REQUIRE(sub);
  CHECK(sub->back()["fleets"] == json::array({"acme"}));
  s.publish(positionEvent("globex", "g1", 1));
  s.publish(alertEvent("globex", "g1", "secret-alert"));
  s.publish(positionEvent("acme", "v1", 2));
  s.drain();
  auto ev = eventsUntilPong(c);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0]["stream"] == "acme");
  CHECK(s.metrics().counterTotal("fleetlink_web_bad_client_messages_total") == 1);
}

TEST_CASE("subscriptions filter by vehicle and kind, and viewers are held to their vehicles", "[web][server]") {
  ServerUnderTest s;
  auto v2only = subscribed(s.port(), token(Role::Dispatcher, {"acme"}), {{"fleets", {"acme"}}, {"vehicles", {"v2"}}});
  auto alerts = subscribed(s.port(), token(Role::Dispatcher, {"acme"}), {{"fleets", {"acme"}}, {"kinds", {"alert"}}});
  auto viewer = subscribed(s.port(), token(Role::Viewer, {"acme"}, {"v1"}), {{"fleets", {"acme"}}});
  for (int i = 0; i < 3; ++i) {
    s.publish(positionEvent("acme", "v1", 100 + i));
    s.publish(positionEvent("acme", "v2", 100 + i));
  }
  s.publish(alertEvent("acme", "v1", "a1"));
  s.publish(statusEvent("acme", "v2", "silent"));
  s.drain();
  auto a = eventsUntilPong(*v2only);
  REQUIRE(a.size() == 4);
  for (auto& e : a) CHECK(e["vehicle"] == "v2");
  CHECK(a.back()["kind"] == "status");
  auto b = eventsUntilPong(*alerts);
  REQUIRE(b.size() == 1);
  CHECK(b[0]["kind"] == "alert");
  auto v = eventsUntilPong(*viewer);
  REQUIRE(v.size() == 4);
  for (auto& e : v) CHECK(e["vehicle"] == "v1");

  viewer->send({{"type", "subscribe"}, {"fleets", {"acme"}}, {"vehicles", {"v2"}}});
  auto err = viewer->until(typeIs("error"), 5s);
  REQUIRE(err);
  CHECK_THAT(err->back()["error"].get<std::string>(), Catch::Contains("does not grant vehicle v2"));
}

TEST_CASE("the binary subprotocol carries the JSON feed's messages in FeedFrame binary frames", "[web][server]") {
  ServerUnderTest s;
  const auto tok = token(Role::Dispatcher, {"acme"});
  WsClient js, bin, named_json, unknown;
  REQUIRE(js.connect(s.port(), {tok}));
  WsClient::Options opts{tok};
  opts.subprotocols = "fleetlink.v1.json, fleetlink.v1.protobuf";
  REQUIRE(bin.connect(s.port(), opts));
  opts.subprotocols = "fleetlink.v1.json";
  REQUIRE(named_json.connect(s.port(), opts));
  opts.subprotocols = "mqtt";
  REQUIRE(unknown.connect(s.port(), opts));
  CHECK(js.subprotocol().empty());
  CHECK(bin.subprotocol() == "fleetlink.v1.protobuf");  // preferred wherever it stands in the offer
  CHECK(named_json.subprotocol() == "fleetlink.v1.json");
  CHECK(unknown.subprotocol().empty());  // nothing the hub speaks: no answer, and the client decides

  // Each message of the binary feed equals the JSON feed's, field for field.
  auto same = [](const std::vector<json>& j, const std::vector<json>& b) {
    REQUIRE(j.size() == b.size());
    for (std::size_t i = 0; i < j.size(); ++i) CHECK(b[i] == withoutDefaults(j[i]));
  };
  auto jh = js.until(typeIs("hello"), 5s);
  auto bh = bin.until(typeIs("hello"), 5s);
  REQUIRE(jh);
  REQUIRE(bh);
  same(*jh, *bh);
  CHECK(bh->back()["epoch"] == jh->back()["epoch"]);
  for (auto* c : {&js, &bin, &named_json}) c->send({{"type", "subscribe"}, {"fleets", {"acme"}}});
  auto js_sub = js.until(typeIs("subscribed"), 5s);
  auto bin_sub = bin.until(typeIs("subscribed"), 5s);
  REQUIRE(js_sub);
  REQUIRE(bin_sub);
  same(*js_sub, *bin_sub);
  CHECK(bin_sub->back()["offsets"] == json{{"acme", 0}});

  s.publish(positionEvent("acme", "v1", 1000));
  s.publish(alertEvent("acme", "v2", "a1"));
  s.publish(statusEvent("acme", "v2", "silent"));
  s.publish(positionEvent("acme", "v1", 1001));
  s.drain();
  const auto js_events = eventsUntilPong(js);
  const auto bin_events = eventsUntilPong(bin);
  REQUIRE(js_events.size() == 4);
  same(js_events, bin_events);
  CHECK(bin_events[0]["data"]["position"]["lat"] == 52.0);
  CHECK(bin_events[1]["data"]["alert_id"] == "a1");
  CHECK(bin_events[3]["offset"] == 4);
  CHECK(eventsUntilPong(named_json).size() == 4);

  // Refusals, resync and unsubscribe come in binary too; requests stay JSON text frames.
  bin.send({{"type", "subscribe"}, {"fleets", {"globex"}}});
  auto err = bin.until(typeIs("error"), 5s);
  REQUIRE(err);
  CHECK_THAT(err->back()["error"].get<std::string>(), Catch::Contains("does not grant fleet globex"));
  bin.sendBinary(std::string("\x0a\x03") + "abc");
  err = bin.until(typeIs("error"), 5s);
  REQUIRE(err);
  CHECK_THAT(err->back()["error"].get<std::string>(), Catch::Contains("JSON text frames"));
  bin.send({{"type", "subscribe"}, {"fleets", {"acme"}}, {"epoch", "not-this-hub"}, {"resume", {{"acme", 2}}}});
  auto resync = bin.until(typeIs("resync"), 5s);
  REQUIRE(resync);
  CHECK(resync->back()["stream"] == "acme");
  CHECK(resync->back()["offset"] == 4);
  CHECK_THAT(resync->back()["reason"].get<std::string>(), Catch::Contains("epoch"));
  bin.send({{"type", "unsubscribe"}});
  REQUIRE(bin.until(typeIs("unsubscribed"), 5s));

  CHECK(bin.binaryFrames() >= 8);
  CHECK(bin.badBinaryFrames() == 0);
  CHECK(js.binaryFrames() == 0);
  CHECK(named_json.binaryFrames() == 0);
  CHECK(s.metrics().counterTotal("fleetlink_web_bad_client_messages_total") == 2);
}

TEST_CASE("a client that reconnects with its last offset gets what it missed, no gap, no duplicate", "[web][server]") {
  TempDir dir("fleetlink-web-resume");
  auto settings = webSettings();
  settings.history_events = 20;  // most of the gap comes from the event log on disk
  settings.event_log = dir.file("live-events.db");
  ServerUnderTest s(settings);
  const auto tok = token(Role::Dispatcher, {"acme"});
  auto c = subscribed(s.port(), tok, {{"fleets", {"acme"}}});
  for (int i = 0; i < 30; ++i) s.publish(positionEvent("acme", "v1", 1000 + i));
  s.drain();
  auto first = eventsUntilPong(*c);
  REQUIRE(first.size() == 30);
  const std::uint64_t last = first.back()["offset"];
  c->close();  // the network drops

  for (int i = 0; i < 100; ++i) {
    s.publish(positionEvent("acme", "v" + std::to_string(i % 4), 2000 + i));
    if (i % 25 == 0) s.publish(alertEvent("acme", "v1", "a" + std::to_string(i)));
  }
  s.drain();
  WsClient again;
  REQUIRE(again.connect(s.port(), {tok}));
  auto hello = again.until(typeIs("hello"), 5s);
  REQUIRE(hello);
  again.send({{"type", "subscribe"},
              {"fleets", {"acme"}},
              {"epoch", hello->back()["epoch"]},
              {"resume", {{"acme", last}}}});
  // The replay is queued together with the "subscribed" answer, before any later live event.
  REQUIRE(again.until(typeIs("subscribed"), 5s));
  s.publish(positionEvent("acme", "v1", 9999));  // live, after the resume point
  s.drain();
  auto got = eventsUntilPong(again);
  REQUIRE(got.size() == 105);
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i]["offset"] == last + 1 + i);
  CHECK(got.back()["time_ms"] == 9999);
  int alerts = 0;
  for (auto& e : got) alerts += e["kind"] == "alert";
  CHECK(alerts == 4);
  CHECK(s.metrics().counterTotal("fleetlink_web_resumes_total") == 1);
}

TEST_CASE("a slow client is conflated, then cut off, while a fast one keeps up", "[web][server]") {
  auto settings = webSettings();
  settings.client_conflate_after = 32;
  settings.client_queue_max = 600;
  ServerUnderTest s(settings);
  const auto tok = token(Role::Dispatcher, {"acme"});
  auto fast = subscribed(s.port(), tok, {{"fleets", {"acme"}}});
  auto slow = std::make_unique<WsClient>();
  REQUIRE(slow->connect(s.port(), {tok, false, "/ws", /*receive_buffer=*/4096}));
  REQUIRE(slow->until(typeIs("hello"), 5s));
  slow->send({{"type", "subscribe"}, {"fleets", {"acme"}}});
  REQUIRE(slow->until(typeIs("subscribed"), 5s));
  // The slow client now stops reading. 200 vehicles, 100 rounds of positions (about 50 a second), 20
  // alerts after each round: more alerts than the slow client's socket and queue may hold.
  const int kRounds = 100, kVehicles = 200;
  std::vector<std::string> alerts;
  std::map<std::string, std::int64_t> latest;
  std::uint64_t prev_offset = 0;
  bool ordered = true;
  std::atomic<std::size_t> alerts_seen{0};
  std::thread reader([&] {
    while (auto m = fast->next(20s)) {
      if (!isEvent(*m)) continue;
      ordered = ordered && (*m)["offset"].get<std::uint64_t>() > prev_offset;
      prev_offset = (*m)["offset"];
      if ((*m)["kind"] == "position") latest[(*m)["vehicle"]] = (*m)["time_ms"];
      if ((*m)["kind"] != "alert") continue;
      alerts.push_back((*m)["data"]["alert_id"]);
      alerts_seen.store(alerts.size());
      if (alerts.back() == "last") return;
    }
  });
  // The fast client reads each round before the next is published, so it never lags however loaded the
  // machine is; the slow one never reads, so its socket and queue fill up round by round.
  bool lockstep = true;
  for (int r = 0; r < kRounds && lockstep; ++r) {
    for (int v = 0; v < kVehicles; ++v) s.publish(positionEvent("acme", "v" + std::to_string(v), r * 1000 + v));
    for (int a = 0; a < 19; ++a) s.publish(alertEvent("acme", "v2", "b" + std::to_string(r * 19 + a)));
    s.publish(alertEvent("acme", "v1", r + 1 == kRounds ? "last" : "a" + std::to_string(r)));
    const auto want = static_cast<std::size_t>((r + 1) * 20);
    lockstep = waitUntil([&] { return alerts_seen.load() >= want; }, 20s);
  }
  reader.join();
  REQUIRE(lockstep);
  // Every alert, in order; the latest position of every vehicle; offsets increasing; still connected.
  REQUIRE(alerts.size() == static_cast<std::size_t>(kRounds * 20));
  CHECK(alerts.front() == "b0");
  CHECK(ordered);
  REQUIRE(latest.size() == static_cast<std::size_t>(kVehicles));
  for (int v = 0; v < kVehicles; ++v) CHECK(latest["v" + std::to_string(v)] == (kRounds - 1) * 1000 + v);
  CHECK_FALSE(fast->closed());
  // The slow client finds a close frame (4008) behind whatever was already in its socket.
  while (slow->next(10s)) {
  }
  CHECK(slow->closeCode() == 4008);
  CHECK(s.metrics().counterTotal("fleetlink_web_messages_dropped_total") > 0);
  CHECK(waitUntil([&] { return s.server().clients() == 1; }, 5s));
}

TEST_CASE("an open socket is closed with 4001 when its token expires", "[web][server]") {
  ServerUnderTest s;
  WsClient c;
  REQUIRE(c.connect(s.port(), {token(Role::Dispatcher, {"acme"}, {}, 1500)}));
  const auto start = std::chrono::steady_clock::now();
  while (c.next(5s)) {
  }
  CHECK(c.closeCode() == 4001);
  CHECK(c.closeReason() == "token expired");
  CHECK(std::chrono::steady_clock::now() - start < 4s);
}

TEST_CASE("a peer that stops answering pings is dropped after the idle timeout", "[web][server]") {
  auto settings = webSettings();
  settings.idle_timeout = std::chrono::seconds(2);
  ServerUnderTest s(settings);
  WsClient dead, alive;
  REQUIRE(dead.connect(s.port(), {token(Role::Dispatcher, {"acme"})}));
  REQUIRE(dead.next(5s));  // hello; from now on this client neither reads nor answers pings
  REQUIRE(alive.connect(s.port(), {token(Role::Dispatcher, {"acme"})}));
  REQUIRE(alive.next(5s));
  // The live client keeps a read pending, which answers the server's pings.
  std::thread reader([&] { (void)alive.next(6s); });
  CHECK(s.server().clients() == 2);
  CHECK(waitUntil([&] { return s.server().clients() == 1; }, 5s));
  std::this_thread::sleep_for(1500ms);
  CHECK(s.server().clients() == 1);  // the one answering pings is still there
  reader.join();
  CHECK(s.metrics().counterTotal("fleetlink_web_disconnects_total") >= 1);
}

TEST_CASE("HTTP API: the token fleet and subject reach the core, errors are JSON, bodies are limited", "[web][server]") {
  ServerUnderTest s;
  const auto tok = token(Role::Dispatcher, {"acme"}, {}, 3'600'000, kSecret, "dana");
  auto r = httpRequest(s.port(), "POST", "/api/v1/alerts/a-9/resolve", tok, R"({"note":"driver safe"})");
  REQUIRE(r.status == 200);
  auto call = s.admin().calls().back();
  CHECK(call.fleet == "acme");
  CHECK(call.action == "alerts.resolve");
  CHECK(call.actor == "dana");
  CHECK(call.args["note"] == "driver safe");

  CHECK(httpRequest(s.port(), "GET", "/api/v1/alerts", "").status == 401);
  CHECK(httpRequest(s.port(), "GET", "/api/v1/alerts?fleet=globex", tok).status == 403);
  auto big = httpRequest(s.port(), "POST", "/api/v1/messages", tok, std::string(100 * 1024, 'x'));
  CHECK(big.status == 413);
  CHECK(json::parse(big.body)["ok"] == false);
  auto missing = httpRequest(s.port(), "GET", "/no/such/file", "");
  CHECK(missing.status == 404);
  CHECK(json::parse(missing.body)["status"] == 404);
  CHECK(httpRequest(s.port(), "GET", "/healthz", "").status == 200);
  auto metrics = httpRequest(s.port(), "GET", "/metrics", "");
  CHECK_THAT(metrics.body, Catch::Contains("fleetlink_web_http_requests_total"));
}

TEST_CASE("the dashboard is served and no path leaves its folder", "[web][server]") {
  TempDir dir("fleetlink-dash");
  dir.write("index.html", "<!doctype html><title>dash</title>");
  dir.write("app.js", "console.log(1)");
  auto settings = webSettings();
  settings.dashboard_dir = dir.path();
  ServerUnderTest s(settings);
  auto index = httpRequest(s.port(), "GET", "/", "");
  CHECK(index.status == 200);
  CHECK(index.content_type == "text/html; charset=utf-8");
  CHECK_THAT(index.body, Catch::Contains("<title>dash</title>"));
  CHECK(httpRequest(s.port(), "GET", "/app.js", "").content_type == "text/javascript; charset=utf-8");
  CHECK(httpRequest(s.port(), "GET", "/../../etc/passwd", "").status == 404);
  CHECK(httpRequest(s.port(), "GET", "/%2e%2e/etc/passwd", "").status == 404);
  CHECK(httpRequest(s.port(), "POST", "/index.html", "").status == 405);
}

TEST_CASE("TLS: the same port serves wss:// and https:// with TLS 1.2 or newer", "[web][server][tls]") {
  TempDir dir("fleetlink-tls");
  REQUIRE(run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
               "-keyout", dir.file("key.pem"), "-out", dir.file("cert.pem")})
              .code == 0);
  auto settings = webSettings();
  settings.tls_cert = dir.file("cert.pem");
  settings.tls_key = dir.file("key.pem");
  ServerUnderTest s(settings);
  WsClient c;
  REQUIRE(c.connect(s.port(), {token(Role::Dispatcher, {"acme"}), false, "/ws", 0, /*tls=*/true}));
  REQUIRE(c.until(typeIs("hello"), 5s));
  c.send({{"type", "subscribe"}, {"fleets", {"acme"}}});
  REQUIRE(c.until(typeIs("subscribed"), 5s));
  s.publish(positionEvent("acme", "v1", 42));
  auto ev = c.until(isEvent, 5s);
  REQUIRE(ev);
  CHECK(ev->back()["time_ms"] == 42);
  // TLS 1.1 is refused; 1.3 is what a modern client gets.
  auto old = run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(s.port()), "-tls1_1"}, 10s);
  CHECK_THAT(old.output, Catch::Contains("Cipher is (NONE)"));
  auto modern = run({"sh", "-c", "echo | openssl s_client -connect 127.0.0.1:" + std::to_string(s.port()) + " 2>&1"}, 10s);
  CHECK_THAT(modern.output, Catch::Contains("TLSv1.3"));
  // Plain HTTP to the TLS port gets nothing useful.
  CHECK(httpRequest(s.port(), "GET", "/healthz", "").status == 0);
}
