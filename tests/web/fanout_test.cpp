#include <catch2/catch.hpp>

#include <thread>

#include <nlohmann/json.hpp>

#include "fleetlink/common/clock.hpp"
#include "hub/web/event_log.hpp"
#include "hub/web/fanout.hpp"
#include "support/temp_dir.hpp"
#include "web_client.hpp"
#include "web_fixture.hpp"

using namespace fleetlink;
using namespace fleetlink::hub::web;
using nlohmann::json;

namespace {

struct TestChannel final : ClientChannel {
  TestChannel() : ClientChannel(100000, 1000000) {}
  void wake() override { ++wakes; }
  std::vector<json> received() {
    std::vector<EventPtr> out;
    take(1u << 30, out);
    std::vector<json> msgs;
    for (const auto& e : out) {
      msgs.push_back(json::parse(e->json));
      // Every message, live, replayed or control, has the same content in the binary subprotocol.
      v1::FeedMessage binary;
      REQUIRE(binary.ParseFromString(e->protobuf()));
      CHECK(test::feedMessageJson(binary) == test::withoutDefaults(msgs.back()));
    }
    return msgs;
  }
  std::atomic<int> wakes{0};
};

std::vector<json> events(const std::vector<json>& msgs) {
  std::vector<json> out;
  for (const auto& m : msgs)
    if (m["type"] == "event") out.push_back(m);
  return out;
}

Subscription fleets(std::vector<std::string> f, std::uint8_t kinds = kAllKinds) {
  Subscription s;
  s.fleets = std::move(f);
  s.kinds = kinds;
  return s;
}

}  // namespace

TEST_CASE("events reach exactly the clients subscribed to their fleet, vehicle and kind", "[web][fanout]") {
  metrics::Registry m;
  Fanout fan({}, nullptr, m);
  fan.start();
  auto acme = std::make_shared<TestChannel>();
  auto globex = std::make_shared<TestChannel>();
  auto v2_alerts = std::make_shared<TestChannel>();
  auto everything = std::make_shared<TestChannel>();
  fan.subscribe(acme, fleets({"acme"}));
  fan.subscribe(globex, fleets({"globex"}));
  Subscription s = fleets({"acme"}, kAlert);
  s.vehicles = {"v2"};
  fan.subscribe(v2_alerts, s);
  Subscription all;
  all.all_fleets = true;
  fan.subscribe(everything, all);
  fan.publish(test::positionEvent("acme", "v1", 1000));
  fan.publish(test::positionEvent("acme", "v2", 1001));
  fan.publish(test::alertEvent("acme", "v2", "a1"));
  fan.publish(test::alertEvent("acme", "v1", "a2"));
  fan.publish(test::positionEvent("globex", "g1", 1002));
  fan.drain();

  auto a = acme->received();
  REQUIRE(a.front()["type"] == "subscribed");
  CHECK(a.front()["epoch"] == fan.epoch());
  auto ae = events(a);
  REQUIRE(ae.size() == 4);
  for (std::size_t i = 0; i < ae.size(); ++i) {
    CHECK(ae[i]["stream"] == "acme");
    CHECK(ae[i]["offset"] == i + 1);  // one stream per fleet, numbered from 1
  }
  CHECK(ae[0]["kind"] == "position");
  CHECK(ae[0]["data"]["position"]["lat"] == 52.0);
  CHECK(ae[2]["data"]["alert_id"] == "a1");

  auto g = events(globex->received());
  REQUIRE(g.size() == 1);
  CHECK(g[0]["vehicle"] == "g1");
  CHECK(g[0]["offset"] == 1);

  auto v = events(v2_alerts->received());
  REQUIRE(v.size() == 1);
  CHECK(v[0]["data"]["alert_id"] == "a1");

  CHECK(events(everything->received()).size() == 5);
  CHECK(acme->wakes > 0);
  CHECK(m.counterTotal("fleetlink_web_deliveries_total") == 4 + 1 + 1 + 5);
}

TEST_CASE("a resuming client gets exactly the events after its offset, then live ones", "[web][fanout]") {
  metrics::Registry m;
  Fanout::Options o;
  o.history_events = 50;
  o.resume_max_events = 120;
  Fanout fan(o, nullptr, m);
  fan.start();
  auto live = std::make_shared<TestChannel>();  // saw every event as it happened
  fan.subscribe(live, fleets({"acme"}));
  for (int i = 0; i < 40; ++i) fan.publish(test::positionEvent("acme", "v" + std::to_string(i % 3), 1000 + i));
  fan.drain();

  SECTION("within the memory history") {
    auto c = std::make_shared<TestChannel>();
    Subscription s = fleets({"acme"});
    s.epoch = fan.epoch();
    s.resume = {{"acme", 25}};
    fan.subscribe(c, s);
    fan.publish(test::positionEvent("acme", "v1", 2000));
    fan.drain();
    auto msgs = c->received();
    CHECK(msgs[0]["offsets"]["acme"] == 40);
    auto ev = events(msgs);
    REQUIRE(ev.size() == 16);
    for (std::size_t i = 0; i < ev.size(); ++i) CHECK(ev[i]["offset"] == 26 + i);
    // The history keeps the data in protobuf; the message rebuilt from it is the one delivered live.
    const auto seen = events(live->received());
    REQUIRE(seen.size() == 41);
    for (std::size_t i = 0; i < ev.size(); ++i) CHECK(ev[i] == seen[25 + i]);
  }
  SECTION("only the subscribed vehicles and kinds are replayed") {
    auto c = std::make_shared<TestChannel>();
    Subscription s = fleets({"acme"});
    s.vehicles = {"v0"};
    s.epoch = fan.epoch();
    s.resume = {{"acme", 30}};
    fan.subscribe(c, s);
    fan.drain();
    auto ev = events(c->received());
    REQUIRE(ev.size() == 4);  // offsets 31..40 hold v0 at i = 30, 33, 36, 39
    for (const auto& e : ev) CHECK(e["vehicle"] == "v0");
  }
  SECTION("older than the memory history and no log: resync") {
    for (int i = 0; i < 30; ++i) fan.publish(test::positionEvent("acme", "v1", 3000 + i));
    auto c = std::make_shared<TestChannel>();
    Subscription s = fleets({"acme"});
    s.epoch = fan.epoch();
    s.resume = {{"acme", 5}};
    fan.subscribe(c, s);
    fan.drain();
    auto msgs = c->received();
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[1]["type"] == "resync");
    CHECK(msgs[1]["offset"] == 70);
    CHECK_THAT(msgs[1]["reason"].get<std::string>(), Catch::Contains("older than the history"));
  }
  SECTION("another epoch: resync") {
    auto c = std::make_shared<TestChannel>();
    Subscription s = fleets({"acme"});
    s.epoch = "not-this-one";
    s.resume = {{"acme", 39}};
    fan.subscribe(c, s);
    fan.drain();
    auto msgs = c->received();
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[1]["type"] == "resync");
    CHECK_THAT(msgs[1]["reason"].get<std::string>(), Catch::Contains("epoch"));
  }
}

TEST_CASE("with the event log a client resumes past the memory history, also after a clean restart", "[web][fanout]") {
  test::TempDir dir("fleetlink-fanout");
  metrics::Registry m;
  SystemClock clock;
  Fanout::Options o;
  o.history_events = 16;
  std::string epoch;
  {
    auto log = EventLog::open(dir.file("events.db"), 3'600'000, clock);
    REQUIRE(log.ok());
    Fanout fan(o, log->get(), m);
    fan.start();
    for (int i = 0; i < 100; ++i) fan.publish(test::positionEvent("acme", "v1", 1000 + i));
    fan.publish(test::alertEvent("acme", "v1", "a-100"));
    fan.drain();
    epoch = fan.epoch();
    auto c = std::make_shared<TestChannel>();
    Subscription s = fleets({"acme"});
    s.epoch = epoch;
    s.resume = {{"acme", 10}};
    fan.subscribe(c, s);
    fan.drain();
    auto ev = events(c->received());
    REQUIRE(ev.size() == 91);
    for (std::size_t i = 0; i < ev.size(); ++i) CHECK(ev[i]["offset"] == 11 + i);
    CHECK(ev.back()["data"]["alert_id"] == "a-100");
    fan.stop();
    (*log)->close(fan.lastOffsets());
  }
  auto log = EventLog::open(dir.file("events.db"), 3'600'000, clock);
  REQUIRE(log.ok());
  CHECK((*log)->epoch() == epoch);
  Fanout fan(o, log->get(), m);
  fan.start();
  fan.publish(test::positionEvent("acme", "v1", 5000));
  auto c = std::make_shared<TestChannel>();
  Subscription s = fleets({"acme"});
  s.epoch = epoch;
  s.resume = {{"acme", 95}};
  fan.subscribe(c, s);
  fan.drain();
  auto ev = events(c->received());
  REQUIRE(ev.size() == 7);  // 96..101 from the file, 102 published after the restart
  for (std::size_t i = 0; i < ev.size(); ++i) CHECK(ev[i]["offset"] == 96 + i);
}

TEST_CASE("a log that was not closed cleanly starts a new epoch", "[web][fanout]") {
  test::TempDir dir("fleetlink-eventlog");
  SystemClock clock;
  std::string first;
  {
    auto log = EventLog::open(dir.file("events.db"), 3'600'000, clock);
    REQUIRE(log.ok());
    first = (*log)->epoch();
    (*log)->append({"acme", 1, kPosition, "v1", 1, "x"});
    auto rows = (*log)->read("acme", 1, 1);
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    // What a crash leaves behind: the files as they are while the log is open.
    std::filesystem::copy_file(dir.file("events.db"), dir.file("crashed.db"));
    if (std::filesystem::exists(dir.file("events.db-wal")))
      std::filesystem::copy_file(dir.file("events.db-wal"), dir.file("crashed.db-wal"));
  }
  auto crashed = EventLog::open(dir.file("crashed.db"), 3'600'000, clock);
  REQUIRE(crashed.ok());
  CHECK((*crashed)->epoch() != first);
  CHECK((*crashed)->lastOffsets().empty());
  auto rows = (*crashed)->read("acme", 0, 100);
  REQUIRE(rows.ok());
  CHECK(rows->empty());

  auto bad = EventLog::open("/proc/nonexistent/events.db", 1000, clock);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, Catch::Contains("live event log"));
}

TEST_CASE("an event's binary form is built once, whichever connections ask for it at the same time", "[web][fanout]") {
  // Connections on different network threads ask for the same shared event at once; each must read the one
  // complete encoding (the ThreadSanitizer stage runs this too).
  const auto ev = makeEvent("acme", 7, test::positionEvent("acme", "v1", 1000));
  std::vector<std::string> seen(4);
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&, i] { seen[i] = ev->protobuf(); });
  }
  for (const auto& s : seen) CHECK(s == seen.front());
  v1::FeedMessage m;
  REQUIRE(m.ParseFromString(seen.front()));
  CHECK(m.type() == "event");
  CHECK(m.offset() == 7);
  CHECK(m.vehicle() == "v1");
  REQUIRE(m.has_update());
  CHECK(m.update().position().lat() == 52.0);
  CHECK(test::feedMessageJson(m) == test::withoutDefaults(json::parse(ev->json)));
}
