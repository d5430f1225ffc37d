// Commands from the hub and the local control socket, against the real agent and broker.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/input.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "edge_harness.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/common/wire.hpp"
#include "support/broker.hpp"
#include "support/ports.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace fleetlink::test::edge;
using namespace std::chrono_literals;

namespace {

const std::string kFleet = "test";

std::vector<v1::CommandAck> acksIn(const std::vector<Received>& msgs) {
  std::vector<v1::CommandAck> out;
  for (const auto& s : uplinkRecords(msgs))
    if (s.record.has_command_ack()) out.push_back(s.record.command_ack());
  return out;
}

std::optional<v1::CommandAck> waitAck(const MqttProbe& probe, const std::string& id) {
  std::optional<v1::CommandAck> found;
  // The predicate runs under the probe's lock: it must use the messages it is given.
  probe.waitFor([&](const std::vector<Received>& msgs) {
    for (const auto& a : acksIn(msgs))
      if (a.command_id() == id) {
        found = a;
        return true;
      }
    return false;
  }, 10s);
  return found;
}

v1::Command configUpdate(const std::string& id, std::map<std::string, std::string> kv) {
  v1::Command c;
  c.set_command_id(id);
  for (auto& [k, v] : kv) (*c.mutable_config_update()->mutable_set())[k] = v;
  return c;
}

}  // namespace

TEST_CASE("06 malformed and invalid commands are rejected with an ack and change nothing", "[edge][integration][commands]") {
  TempDir tmp("edge-it06");
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp(kFleet, "van-6")});
  EdgeAgent agent({kFleet, "van-6", tmp.file("data"), freePort(), broker.port(), {}});
  agent.start();
  REQUIRE(waitUntil([&] { return agent.status()["broker"]["connected"] == true; }, 10s));
  const auto cmd_topic = topics::vehicleCmd(kFleet, "van-6");
  const auto hash_before = agent.status()["config_hash"].get<std::string>();
  const std::string override_file = tmp.file("data") + "/config.override.toml";

  // Garbage after a readable command id.
  probe.publish(cmd_topic, std::string("\x0a\x06" "bad-01" "\xff\xff\xff\xff", 12));
  // Garbage with no id at all: nothing to answer, but nothing breaks.
  probe.publish(cmd_topic, "\xde\xad\xbe\xef not a protobuf");
  probe.publish(cmd_topic, configUpdate("bad-02", {{"report.moving_interval", "soon"}}).SerializeAsString());
  probe.publish(cmd_topic, configUpdate("bad-03", {{"report.no_such_key", "1"}}).SerializeAsString());
  probe.publish(cmd_topic, configUpdate("bad-04", {{"device.vehicle", "van-99"}}).SerializeAsString());
  v1::Command empty;
  empty.set_command_id("bad-05");
  probe.publish(cmd_topic, empty.SerializeAsString());
  auto expired = configUpdate("bad-06", {{"report.distance_m", "10"}});
  expired.set_expires_at_ms(1000);
  probe.publish(cmd_topic, expired.SerializeAsString());

  for (const char* id : {"bad-01", "bad-02", "bad-03", "bad-04", "bad-05", "bad-06"}) {
    INFO(id);
    auto ack = waitAck(probe, id);
    REQUIRE(ack);
    CHECK(ack->status() == v1::ACK_STATUS_REJECTED);
    CHECK_FALSE(ack->detail().empty());
    CHECK(ack->config_hash() == hash_before);
  }
  CHECK_THAT(waitAck(probe, "bad-02")->detail(), Catch::Contains("report.moving_interval"));
  CHECK(agent.status()["config_hash"] == hash_before);
  CHECK_FALSE(std::filesystem::exists(override_file));
  CHECK(agent.running());

  SECTION("a valid update after them is applied, persisted and survives a restart") {
    probe.publish(cmd_topic, configUpdate("good-01", {{"report.distance_m", "42"}, {"mqtt.keepalive", "20s"}}).SerializeAsString());
    auto ack = waitAck(probe, "good-01");
    REQUIRE(ack);
    CHECK(ack->status() == v1::ACK_STATUS_ACCEPTED);
    CHECK_THAT(ack->detail(), Catch::Contains("mqtt.keepalive"));
    CHECK(ack->config_hash() != hash_before);
    CHECK(agent.status()["config_hash"] == ack->config_hash());
    REQUIRE(std::filesystem::exists(override_file));
    REQUIRE(agent.stop() == 0);
    agent.start();
    CHECK(agent.status()["config_hash"] == ack->config_hash());
  }
}

TEST_CASE("07 driver messages, ping and resync are acknowledged and messages are read through the socket",
          "[edge][integration][commands][control]") {
  TempDir tmp("edge-it07");
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp(kFleet, "van-7"), topics::vehicleState(kFleet, "van-7")});
  EdgeAgent agent({kFleet, "van-7", tmp.file("data"), freePort(), broker.port(), {}});
  agent.start();
  REQUIRE(waitUntil([&] { return agent.status()["broker"]["connected"] == true; }, 10s));
  const auto cmd_topic = topics::vehicleCmd(kFleet, "van-7");

  v1::Command msg;
  msg.set_command_id("m-1");
  auto* dm = msg.mutable_driver_message();
  dm->set_message_id("msg-1");
  dm->set_text("Collect the parcel at gate 4");
  dm->set_from("dispatch");
  dm->set_urgent(true);
  probe.publish(cmd_topic, msg.SerializeAsString());
  REQUIRE(waitAck(probe, "m-1"));
  CHECK(waitAck(probe, "m-1")->status() == v1::ACK_STATUS_ACCEPTED);

  ControlClient control(agent.socketPath());
  auto list = control.request({{"cmd", "messages"}});
  REQUIRE(list["ok"] == true);
  REQUIRE(list["messages"].size() == 1);
  CHECK(list["messages"][0]["text"] == "Collect the parcel at gate 4");
  CHECK(list["messages"][0]["urgent"] == true);
  CHECK(list["messages"][0]["read"] == false);
  CHECK(agent.status()["messages_unread"] == 1);
  CHECK(control.request({{"cmd", "read"}, {"message_id", "msg-1"}})["ok"] == true);
  CHECK(control.request({{"cmd", "read"}, {"message_id", "msg-404"}})["ok"] == false);
  CHECK(agent.status()["messages_unread"] == 0);

  v1::Command ping;
  ping.set_command_id("p-1");
  ping.mutable_ping()->set_sent_at_ms(1);
  probe.publish(cmd_topic, ping.SerializeAsString());
  CHECK(waitAck(probe, "p-1")->status() == v1::ACK_STATUS_ACCEPTED);

  const auto births_before = [&] {
    std::size_t n = 0;
    for (const auto& m : probe.messages()) n += m.topic == topics::vehicleState(kFleet, "van-7");
    return n;
  };
  const auto b0 = births_before();
  v1::Command resync;
  resync.set_command_id("r-1");
  resync.mutable_resync();
  probe.publish(cmd_topic, resync.SerializeAsString());
  CHECK(waitAck(probe, "r-1")->status() == v1::ACK_STATUS_ACCEPTED);
  CHECK(waitUntil([&] { return births_before() > b0; }, 5s));
  CHECK(probe.waitFor([](const std::vector<Received>& m) {
    for (const auto& s : uplinkRecords(m))
      if (s.record.has_health()) return true;
    return false;
  }, 5s));
}

TEST_CASE("08 the control socket: status, driver log-in and duty, malformed requests", "[edge][integration][control]") {
  TempDir tmp("edge-it08");
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp(kFleet, "van-8")});
  EdgeAgent agent({kFleet, "van-8", tmp.file("data"), freePort(), broker.port(), {}});
  agent.start();
  REQUIRE(waitUntil([&] { return agent.status()["broker"]["connected"] == true; }, 10s));
  ControlClient c(agent.socketPath());

  auto s = c.request({{"cmd", "status"}});
  CHECK(s["ok"] == true);
  CHECK(s["fleet"] == kFleet);
  CHECK(s["vehicle"] == "van-8");
  CHECK(s["version"].is_string());
  CHECK(s["config_hash"].get<std::string>().size() == 16);
  CHECK(s["uptime_s"].is_number());
  CHECK(s["gps"]["state"] == "no_gpsd");
  CHECK(s["broker"]["reconnects"] == 0);
  for (const char* k : {"records", "bytes", "oldest_unsent_age_s", "dropped", "healthy", "path"}) CHECK(s["buffer"].contains(k));
  CHECK(s["panic"]["pending"] == 0);
  CHECK(s["messages_unread"] == 0);

  // Bad requests on the same connection, which stays usable.
  for (const char* bad : {"hello", "{\"cmd\":\"fly\"}", "{\"cmd\":\"login\",\"driver\":\"a b\"}", "{\"cmd\":\"duty\",\"status\":\"nap\"}",
                          "{\"cmd\":\"button_test\",\"seconds\":600}", "[]"}) {
    INFO(bad);
    auto r = nlohmann::json::parse(c.requestLine(bad));
    CHECK(r["ok"] == false);
    CHECK(r["error"].is_string());
  }
  CHECK(c.request({{"cmd", "login"}, {"driver", "d-17"}})["ok"] == true);
  CHECK(c.request({{"cmd", "duty"}, {"status", "driving"}})["ok"] == true);
  CHECK(c.request({{"cmd", "duty"}, {"status", "break"}})["ok"] == true);
  CHECK(c.request({{"cmd", "logout"}})["ok"] == true);
  auto st = c.request({{"cmd", "status"}});
  CHECK(st["driver"]["id"] == "");
  CHECK(st["driver"]["duty"] == "off_duty");

  REQUIRE(probe.waitFor([](const std::vector<Received>& m) {
    std::size_t n = 0;
    for (const auto& r : uplinkRecords(m)) n += r.record.has_duty();
    return n >= 4;
  }, 10s));
  std::vector<std::pair<std::string, v1::DutyStatus>> seen;
  for (const auto& r : uplinkRecords(probe.messages()))
    if (r.record.has_duty()) seen.emplace_back(r.record.duty().driver_id(), r.record.duty().status());
  CHECK(seen == std::vector<std::pair<std::string, v1::DutyStatus>>{{"d-17", v1::DUTY_STATUS_ON_DUTY},
                                                                     {"d-17", v1::DUTY_STATUS_DRIVING},
                                                                     {"d-17", v1::DUTY_STATUS_BREAK},
                                                                     {"", v1::DUTY_STATUS_OFF_DUTY}});
}

TEST_CASE("09 panic button through evdev: a button test raises nothing, a press raises a panic", "[edge][integration][panic]") {
  TempDir tmp("edge-it09");
  const std::string fifo = tmp.file("panic-event");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp(kFleet, "van-9")});
  EdgeAgent agent({kFleet, "van-9", tmp.file("data"), freePort(), broker.port(),
                   {"--panic.evdev_device=" + fifo, "--panic.debounce=20ms", "--panic.hold=0s"}});
  agent.start();
  REQUIRE(waitUntil([&] { return agent.status()["broker"]["connected"] == true; }, 10s));
  const int fd = ::open(fifo.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  auto press = [fd] {
    for (int value : {1, 0}) {
      input_event ev{};
      ev.type = EV_KEY;
      ev.code = 256;
      ev.value = value;
      input_event syn{};
      syn.type = EV_SYN;
      REQUIRE(::write(fd, &ev, sizeof ev) == sizeof ev);
      REQUIRE(::write(fd, &syn, sizeof syn) == sizeof syn);
      std::this_thread::sleep_for(150ms);
    }
  };

  CHECK(agent.request({{"cmd", "button_test"}, {"seconds", 1}}) ==
        nlohmann::json{{"ok", true}, {"pressed", false}, {"source", nullptr}});
  auto test = std::async(std::launch::async, [&] { return agent.request({{"cmd", "button_test"}, {"seconds", 10}}); });
  std::this_thread::sleep_for(500ms);
  // Other clients are served while a button test waits.
  CHECK(agent.status()["ok"] == true);
  press();
  CHECK(test.get() == nlohmann::json{{"ok", true}, {"pressed", true}, {"source", "evdev"}});
  std::this_thread::sleep_for(500ms);
  CHECK(agent.status()["panic"]["pending"] == 0);

  press();
  REQUIRE(probe.waitFor([](const std::vector<Received>& m) {
    for (const auto& r : uplinkRecords(m))
      if (r.record.has_panic()) return true;
    return false;
  }, 10s));
  std::size_t panics = 0;
  for (const auto& r : uplinkRecords(probe.messages())) {
    if (!r.record.has_panic()) continue;
    ++panics;
    CHECK(r.record.panic().source() == v1::PANIC_SOURCE_EVDEV);
  }
  CHECK(panics == 1);
  CHECK(agent.status()["panic"]["pending"] == 1);
  ::close(fd);
}

TEST_CASE("10 birth, last will and clean shutdown on the retained state topic", "[edge][integration][state]") {
  TempDir tmp("edge-it10");
  Broker broker;
  EdgeAgent agent({kFleet, "van-10", tmp.file("data"), freePort(), broker.port(), {}});
  agent.start();
  const auto state_topic = topics::vehicleState(kFleet, "van-10");
  auto lastStateOf = [](const std::vector<Received>& msgs) -> std::optional<v1::VehicleState> {
    if (msgs.empty()) return std::nullopt;
    auto s = wire::decodeVehicleState(msgs.back().payload);
    if (!s) return std::nullopt;
    return *s;
  };
  auto lastState = [&](MqttProbe& p) { return lastStateOf(p.messages()); };
  {
    MqttProbe p(broker.uri(), {state_topic});
    REQUIRE(p.waitFor(1, 10s));
    auto s = lastState(p);
    REQUIRE(s);
    // A subscriber arriving later gets the birth from the broker's retained store.
    MqttProbe late(broker.uri(), {state_topic});
    REQUIRE(late.waitFor(1, 10s));
    CHECK(late.messages().front().retained);
    CHECK(lastState(late)->connection() == v1::VehicleState::CONNECTION_ONLINE);
    CHECK(s->connection() == v1::VehicleState::CONNECTION_ONLINE);
    CHECK(s->device_id() == "board-van-10");
    CHECK(s->boot_id() != 0);
    CHECK(s->config_hash() == agent.status()["config_hash"]);
  }
  MqttProbe watcher(broker.uri(), {state_topic});
  REQUIRE(watcher.waitFor(1, 10s));
  agent.kill9();
  // keep-alive 5 s: the broker notices within 1.5 keep-alives and publishes the will.
  REQUIRE(watcher.waitFor([&](const std::vector<Received>& msgs) {
    auto s = lastStateOf(msgs);
    return s && s->connection() == v1::VehicleState::CONNECTION_LOST;
  }, 15s));
  agent.start();
  REQUIRE(watcher.waitFor([&](const std::vector<Received>& msgs) {
    auto s = lastStateOf(msgs);
    return s && s->connection() == v1::VehicleState::CONNECTION_ONLINE;
  }, 10s));
  REQUIRE(agent.stop() == 0);
  REQUIRE(watcher.waitFor([&](const std::vector<Received>& msgs) {
    auto s = lastStateOf(msgs);
    return s && s->connection() == v1::VehicleState::CONNECTION_OFFLINE;
  }, 10s));
  std::this_thread::sleep_for(8s);  // a clean disconnect does not fire the last will later
  CHECK(lastState(watcher)->connection() == v1::VehicleState::CONNECTION_OFFLINE);
}

TEST_CASE("11 a corrupt outbox found at start is kept aside and the agent runs on a new epoch", "[edge][integration][corrupt]") {
  TempDir tmp("edge-it11");
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp(kFleet, "van-11")});
  const std::string data = tmp.file("data");
  std::filesystem::create_directories(data);
  {
    std::ofstream f(data + "/outbox.db");
    f << "SQLite format 3 - but the rest of this file was lost in a power cut";
  }
  EdgeAgent agent({kFleet, "van-11", data, freePort(), broker.port(), {}});
  agent.start();
  bool kept = false;
  for (const auto& e : std::filesystem::directory_iterator(data))
    kept |= e.path().filename().string().rfind("outbox.db.corrupt-", 0) == 0;
  CHECK(kept);
  CHECK(agent.request({{"cmd", "login"}, {"driver", "d-1"}})["ok"] == true);
  REQUIRE(probe.waitFor(1, 10s));
  const auto recs = uplinkRecords(probe.messages());
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].record.seq() == 1);
  CHECK(recs[0].record.epoch() == agent.status()["buffer"]["epoch"]);
}
