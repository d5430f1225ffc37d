// Integration: admin request/response over MQTT 5 (fleetlinkctl, JSON and protobuf), panics and their acks,
// commands and their states, routes, rule changes at run time, webhooks.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "fleetlink/common/topics.hpp"
#include "fleetlink/common/wire_json.hpp"
#include "hub_fixture.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {
json ctl(const Broker& broker, const std::string& fleet, std::vector<std::string> args) {
  std::vector<std::string> argv = {binary("fleetlinkctl"), "--broker", "127.0.0.1:" + std::to_string(broker.port()),
                                   "--fleet", fleet, "--actor", "ops-anna", "--timeout", "10"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run(argv);
  INFO(r.output);
  auto j = json::parse(r.output, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

v1::Record panicRecord(std::uint64_t seq, std::int64_t t) {
  v1::Record r;
  r.set_seq(seq);
  r.set_epoch(3);
  r.set_time_ms(t);
  r.mutable_panic()->set_source(v1::PANIC_SOURCE_GPIO);
  r.mutable_panic()->set_pressed_at_ms(t);
  r.mutable_panic()->mutable_last_position()->set_lat(51.5);
  r.mutable_panic()->mutable_last_position()->set_lon(-0.12);
  return r;
}

std::vector<v1::Command> commandsOn(const MqttProbe& p) {
  std::vector<v1::Command> out;
  for (const auto& m : p.messages()) {
    v1::Command c;
    if (m.topic.find("/cmd") != std::string::npos && c.ParseFromString(m.payload)) out.push_back(c);
  }
  return out;
}
}  // namespace

TEST_CASE("admin requests over MQTT 5: fleetlinkctl (JSON), protobuf with correlation data, audit log",
          "[hub][integration][admin]") {
  Broker broker;
  TempDir dir;
  HubUnderTest hub(broker, dir.path());
  auto set = ctl(broker, "acme", {"rules.set", R"(rules={"speed_limit_kph": 70, "overspeed_min_s": 3})"});
  REQUIRE(set["ok"] == true);
  CHECK(set["result"]["speed_limit_kph"] == 70);
  auto get = ctl(broker, "acme", {"rules.get"});
  CHECK(get["result"]["overspeed_min_s"] == 3);
  CHECK(ctl(broker, "other", {"rules.get"})["result"]["speed_limit_kph"] == 90);  // fleets are separate
  auto bad = ctl(broker, "acme", {"rules.set", R"(rules={"speed_limit_kph": "fast"})"});
  CHECK(bad["ok"] == false);
  CHECK(bad["error"].get<std::string>().find("speed_limit_kph") != std::string::npos);
  CHECK(ctl(broker, "acme", {"alerts.ack", "alert_id=al-missing"})["ok"] == false);
  auto unknown = ctl(broker, "acme", {"vehicles.fly"});
  CHECK(unknown["error"].get<std::string>().find("unknown action") != std::string::npos);

  // Protobuf request: the answer is protobuf with the same correlation data.
  MqttProbe client(broker.uri(), {topics::adminResponse("acme", "tool-1")});
  v1::AdminRequest req;
  req.set_action("audit.list");
  req.set_actor("tool");
  mqtt::properties props;
  props.add({mqtt::property::RESPONSE_TOPIC, topics::adminResponse("acme", "tool-1")});
  props.add({mqtt::property::CORRELATION_DATA, std::string("corr-\x01\x02", 7)});
  client.publish(topics::adminRequest("acme"), req.SerializeAsString(), 1, false, props);
  REQUIRE(client.waitFor(1, 10s));
  const auto msg = client.messages().at(0);
  CHECK(mqtt::get<mqtt::binary>(msg.props, mqtt::property::CORRELATION_DATA) == std::string("corr-\x01\x02", 7));
  v1::AdminResponse res;
  REQUIRE(res.ParseFromString(msg.payload));
  REQUIRE(res.ok());
  auto audit = json::parse(wire::toJson(res.result()));
  // rules.set twice (one refused) and alerts.ack (refused); queries are not audited.
  REQUIRE(audit.size() == 3);
  CHECK(audit[2]["action"] == "rules.set");
  CHECK(audit[2]["actor"] == "ops-anna");
  CHECK(audit[2]["ok"] == true);
  CHECK(audit[1]["ok"] == false);

  SECTION("a response topic outside the fleet's admin/res gets no answer") {
    MqttProbe spy(broker.uri(), {topics::vehicleCmd("acme", "v1"), topics::adminResponse("other", "x")});
    mqtt::properties evil;
    evil.add({mqtt::property::RESPONSE_TOPIC, topics::vehicleCmd("acme", "v1")});
    client.publish(topics::adminRequest("acme"), R"({"action":"stats"})", 1, false, evil);
    mqtt::properties cross;
    cross.add({mqtt::property::RESPONSE_TOPIC, topics::adminResponse("other", "x")});
    client.publish(topics::adminRequest("acme"), R"({"action":"stats"})", 1, false, cross);
    hub.core().drain();
    std::this_thread::sleep_for(300ms);
    CHECK(spy.count() == 0);
  }
  SECTION("malformed JSON gets an error answer") {
    client.clear();
    mqtt::properties p2;
    p2.add({mqtt::property::RESPONSE_TOPIC, topics::adminResponse("acme", "tool-1")});
    p2.add({mqtt::property::CONTENT_TYPE, std::string("application/json")});
    client.publish(topics::adminRequest("acme"), "{\"action\": ", 1, false, p2);
    REQUIRE(client.waitFor(1, 10s));
    auto j = json::parse(client.messages()[0].payload);
    CHECK(j["ok"] == false);
    CHECK(j["error"].get<std::string>().find("not valid JSON") != std::string::npos);
  }
}

TEST_CASE("a panic becomes a critical alert, is acknowledged end to end, and re-sends are acked not re-alerted",
          "[hub][integration][panic]") {
  Broker broker;
  TempDir dir;
  HubUnderTest hub(broker, dir.path(), "[alerts]\nescalate_after = \"10s\"\n");
  MqttProbe dev(broker.uri(), {topics::vehicleCmd("acme", "v1")});
  MqttProbe dispatch(broker.uri(), {topics::fleetAlerts("acme")});
  const auto t = nowMs() - 1000;
  dev.publish(topics::vehicleUp("acme", "v1"), uplink("acme", "v1", {panicRecord(42, t)}, "board-9"));
  REQUIRE(dev.waitFor(1, 10s));
  auto cmds = commandsOn(dev);
  REQUIRE(cmds.size() == 1);
  REQUIRE(cmds[0].has_panic_ack());
  CHECK(cmds[0].panic_ack().epoch() == 3);
  CHECK(cmds[0].panic_ack().seq() == 42);
  const std::string id = cmds[0].panic_ack().alert_id();
  REQUIRE(dispatch.waitFor(1, 10s));
  auto a = alertsOn(dispatch).at(0);
  CHECK(a.alert_id() == id);
  CHECK(a.rule() == "panic");
  CHECK(a.severity() == v1::SEVERITY_CRITICAL);
  CHECK(a.lat() == Approx(51.5));

  // The edge did not see the ack (say) and sends the panic again: acked again, no second alert.
  dev.publish(topics::vehicleUp("acme", "v1"), uplink("acme", "v1", {panicRecord(42, t)}, "board-9"));
  REQUIRE(dev.waitFor(2, 10s));
  CHECK(commandsOn(dev).at(1).panic_ack().alert_id() == id);
  // A second press right after is a new panic: never suppressed by the cooldown.
  dev.publish(topics::vehicleUp("acme", "v1"), uplink("acme", "v1", {panicRecord(43, t + 2000)}, "board-9"));
  REQUIRE(dev.waitFor(3, 10s));
  CHECK(commandsOn(dev).at(2).panic_ack().alert_id() != id);

  auto ack = run({binary("fleetlinkctl"), "--broker", "127.0.0.1:" + std::to_string(broker.port()), "--fleet", "acme",
                  "--actor", "dispatcher-7", "alerts.ack", "alert_id=" + id, "note=calling the driver"});
  INFO(ack.output);
  REQUIRE(ack.code == 0);
  auto acked = json::parse(ack.output);
  CHECK(acked["result"]["state"] == "ALERT_STATE_ACKNOWLEDGED");
  CHECK(acked["result"]["updated_by"] == "dispatcher-7");
  REQUIRE(dispatch.waitFor(
      [&](const std::vector<Received>& m) {
        for (const auto& x : alertsIn(m))
          if (x.alert_id() == id && x.state() == v1::ALERT_STATE_ACKNOWLEDGED) return true;
        return false;
      },
      10s));
  // The unacknowledged second panic escalates after 10 s; the acknowledged one does not.
  REQUIRE(dispatch.waitFor(
      [&](const std::vector<Received>& m) {
        for (const auto& x : alertsIn(m))
          if (x.escalated()) return true;
        return false;
      },
      20s));
  for (const auto& x : alertsOn(dispatch))
    if (x.escalated()) CHECK(x.alert_id() != id);
  auto resolved = hub.admin("acme", "alerts.resolve", {{"alert_id", id}, {"note", "driver safe"}}, "dispatcher-7");
  CHECK(resolved["ok"] == true);
  auto hist = hub.admin("acme", "alerts.get", {{"alert_id", id}});
  REQUIRE(hist["result"]["history"].size() == 3);
  CHECK(hist["result"]["history"][1]["actor"] == "dispatcher-7");
  CHECK(hist["result"]["history"][2]["note"] == "driver safe");
}

TEST_CASE("commands to an offline vehicle are queued, then delivered, acknowledged, rejected or expired",
          "[hub][integration][commands]") {
  Broker broker;
  TempDir dir;
  HubUnderTest hub(broker, dir.path());
  MqttProbe dev(broker.uri(), {topics::vehicleCmd("acme", "v1")});
  auto queued = hub.admin("acme", "vehicles.command", {{"vehicle", "v1"}, {"kind", "ping"}});
  REQUIRE(queued["ok"] == true);
  CHECK(queued["result"]["state"] == "queued");
  const std::string ping_id = queued["result"]["command_id"];
  auto short_lived = hub.admin("acme", "vehicles.command", {{"vehicle", "v1"}, {"kind", "resync"}, {"ttl_s", 1}});
  CHECK(hub.admin("acme", "vehicles.command", {{"vehicle", "v1"}, {"kind", "config"}})["ok"] == false);
  // The vehicle comes online: the queued command counts as delivered.
  v1::VehicleState birth;
  birth.set_connection(v1::VehicleState::CONNECTION_ONLINE);
  dev.publish(topics::vehicleState("acme", "v1"), birth.SerializeAsString(), 1, false);
  REQUIRE(waitUntil([&] { return hub.admin("acme", "commands.list", {{"state", "delivered"}})["result"].size() >= 1; }, 10s));
  auto msg = hub.admin("acme", "drivers.message", {{"vehicles", json::array({"v1"})}, {"text", "Call the depot"}});
  REQUIRE(msg["result"].size() == 1);
  CHECK(msg["result"][0]["state"] == "delivered");
  const std::string msg_id = msg["result"][0]["command_id"];
  REQUIRE(dev.waitFor(3, 10s));
  bool saw_text = false;
  for (const auto& c : commandsOn(dev)) saw_text |= c.has_driver_message() && c.driver_message().text() == "Call the depot";
  CHECK(saw_text);
  // Acks travel as records.
  v1::Record a1, a2;
  a1.set_seq(1);
  a1.set_time_ms(nowMs());
  a1.mutable_command_ack()->set_command_id(ping_id);
  a1.mutable_command_ack()->set_status(v1::ACK_STATUS_ACCEPTED);
  a2.set_seq(2);
  a2.set_time_ms(nowMs());
  a2.mutable_command_ack()->set_command_id(msg_id);
  a2.mutable_command_ack()->set_status(v1::ACK_STATUS_REJECTED);
  a2.mutable_command_ack()->set_detail("message store full");
  dev.publish(topics::vehicleUp("acme", "v1"), uplink("acme", "v1", {a1, a2}));
  REQUIRE(waitUntil([&] {
    auto l = hub.admin("acme", "commands.list", {{"vehicle", "v1"}})["result"];
    int done = 0;
    for (const auto& c : l) {
      if (c["command_id"] == ping_id && c["state"] == "acknowledged") ++done;
      if (c["command_id"] == msg_id && c["state"] == "rejected" && c["detail"] == "message store full") ++done;
      if (c["command_id"] == short_lived["result"]["command_id"] && c["state"] == "expired") ++done;
    }
    return done == 3;
  }, 10s));
  auto audit = hub.admin("acme", "audit.list");
  CHECK(audit["result"].size() == 4);
}

TEST_CASE("routes: assignment, arrival by geofence, progress events, pause and reassign", "[hub][integration][routes]") {
  Broker broker;
  TempDir dir;
  HubUnderTest hub(broker, dir.path());
  MqttProbe dev(broker.uri(), {});
  const json route = {{"route_id", "r-1"},
                      {"name", "Harbour"},
                      {"drops", {{{"drop_id", "a"}, {"lat", 52.001}, {"lon", 5.0}, {"radius_m", 50}},
                                 {{"drop_id", "b"}, {"lat", 52.01}, {"lon", 5.0}}}}};
  auto assigned = hub.admin("acme", "routes.assign", {{"vehicle", "v1"}, {"route", route}});
  REQUIRE(assigned["ok"] == true);
  CHECK(assigned["result"]["total"] == 2);
  const auto t = nowMs() - 60'000;
  std::uint64_t seq = 0;
  for (double lat : {52.0, 52.001, 52.001, 52.003, 52.01, 52.012}) {
    ++seq;
    dev.publish(topics::vehicleUp("acme", "v1"),
                uplink("acme", "v1", {positionRecord(seq, t + static_cast<std::int64_t>(seq) * 10'000, lat, 5.0, 8)}));
  }
  REQUIRE(waitUntil([&] { return hub.admin("acme", "routes.get", {{"route_id", "r-1"}})["result"].value("completed", 0) == 2; }, 10s));
  bool progress_event = false;
  for (const auto& e : hub.sink().events())
    progress_event |= e.kind == hub::LiveEvent::Kind::RouteProgress && e.route.completed() == 1;
  CHECK(progress_event);
  CHECK(hub.admin("acme", "assignments.pause", {{"reason", "storm"}})["result"]["paused"] == true);
  auto refused = hub.admin("acme", "routes.assign", {{"vehicle", "v2"}, {"route", {{"route_id", "r-2"}, {"drops", route["drops"]}}}});
  CHECK(refused["ok"] == false);
  hub.admin("acme", "assignments.resume");
  auto moved = hub.admin("acme", "routes.reassign", {{"route_id", "r-1"}, {"vehicle", "v2"}});
  CHECK(moved["result"]["vehicle_id"] == "v2");
  CHECK(hub.admin("acme", "routes.list")["result"].size() == 1);
}

TEST_CASE("rule changes at run time apply to the next records", "[hub][integration][rules]") {
  Broker broker;
  TempDir dir;
  HubUnderTest hub(broker, dir.path());
  MqttProbe dev(broker.uri(), {});
  const auto t = nowMs() - 600'000;
  auto drive = [&](std::uint64_t from, int n) {
    std::vector<v1::Record> rs;
    for (int i = 0; i < n; ++i)
      rs.push_back(positionRecord(from + static_cast<std::uint64_t>(i), t + static_cast<std::int64_t>(from + static_cast<std::uint64_t>(i)) * 1000,
                                  52.0 + static_cast<double>(from + static_cast<std::uint64_t>(i)) * 1e-4, 5.0, 22.0));  // 79 km/h
    dev.publish(topics::vehicleUp("acme", "v1"), uplink("acme", "v1", rs));
  };
  drive(1, 30);
  hub.core().drain();
  REQUIRE(waitUntil([&] { return hub.core().recordsAccepted() == 30; }, 10s));
  CHECK(hub.admin("acme", "alerts.list")["result"].empty());
  REQUIRE(hub.admin("acme", "rules.set", {{"rules", {{"speed_limit_kph", 60}}}})["ok"] == true);
  drive(31, 30);
  REQUIRE(waitUntil([&] { return hub.admin("acme", "alerts.list", {{"rule", "overspeed"}})["result"].size() == 1; }, 10s));
  auto stats = hub.admin("acme", "stats");
  CHECK(stats["result"]["records_stored"] == 60);
  CHECK(stats["result"]["alerts"]["open"] == 1);
}

namespace {
// A minimal HTTP receiver: answers the first `fail_first` requests with 500, then 200; keeps the bodies.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(int fail_first) : fail_first_(fail_first), port_(freePort()) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~WebhookReceiver() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int requests() const { return requests_; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  void serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string in;
      char buf[4096];
      // Read headers and the body announced by Content-Length.
      while (true) {
        const auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
        const auto hdr_end = in.find("\r\n\r\n");
        if (hdr_end == std::string::npos) continue;
        const auto cl = in.find("Content-Length: ");
        const std::size_t len = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
        if (in.size() >= hdr_end + 4 + len) break;
      }
      const int n = ++requests_;
      {
        std::lock_guard lock(mu_);
        bodies_.push_back(in.substr(in.find("\r\n\r\n") + 4));
      }
      const std::string res = n <= fail_first_ ? "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                               : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)::write(c, res.data(), res.size());
      ::close(c);
    }
  }
  int fail_first_;
  int port_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::vector<std::string> bodies_;
  std::thread thread_;
};
}  // namespace

TEST_CASE("alert changes are posted to webhooks and retried until the receiver accepts", "[hub][integration][webhooks]") {
  WebhookReceiver receiver(2);
  Broker broker;
  TempDir dir;
  HubUnderTest hub(broker, dir.path(),
                   "[[alerts.webhooks]]\nurl = \"http://127.0.0.1:" + std::to_string(receiver.port()) +
                       "/hooks/fleet\"\nmin_severity = \"critical\"\n");
  MqttProbe dev(broker.uri(), {});
  dev.publish(topics::vehicleUp("acme", "v1"), uplink("acme", "v1", {panicRecord(1, nowMs())}));
  // Two failures, then success (backoff 0.5 s, 1 s).
  REQUIRE(waitUntil([&] { return receiver.requests() == 3; }, 15s));
  auto body = json::parse(receiver.bodies().back());
  CHECK(body["transition"] == "opened");
  CHECK(body["alert"]["rule"] == "panic");
  CHECK(body["alert"]["fleet_id"] == "acme");
  std::this_thread::sleep_for(1500ms);
  CHECK(receiver.requests() == 3);  // delivered once it succeeded
}
