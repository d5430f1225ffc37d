// The control socket protocol without a socket: request checking and the shape of answers. The agent's real
// ControlActions are crossed by the integration tests through the socket.
#include <catch2/catch.hpp>

#include "edge/control/control_protocol.hpp"

using namespace fleetlink;
using namespace fleetlink::edge;
using nlohmann::json;

namespace {
class RecordingActions final : public ControlActions {
 public:
  std::vector<std::pair<std::string, v1::DutyStatus>> duty_changes;
  int panics = 0;
  std::string driver;
  std::chrono::seconds last_wait{0};
  json status() override { return {{"fleet", "acme"}}; }
  Expected<std::uint64_t> raisePanic() override { return static_cast<std::uint64_t>(++panics + 40); }
  Status changeDuty(const std::string& d, v1::DutyStatus s) override {
    duty_changes.emplace_back(d, s);
    driver = d;
    return okStatus();
  }
  std::string currentDriver() override { return driver; }
  json messages() override { return json::array({{{"id", "m1"}, {"read", false}}}); }
  Expected<bool> markRead(const std::string& id) override { return id == "m1"; }
  ButtonTestResult buttonTest(std::chrono::seconds wait) override {
    last_wait = wait;
    return {true, "evdev"};
  }
};

json ask(ControlProtocol& p, const std::string& line) {
  auto out = json::parse(p.handleLine(line));
  REQUIRE(out.contains("ok"));
  if (!out["ok"].get<bool>()) REQUIRE(out["error"].is_string());
  return out;
}
}  // namespace

TEST_CASE("control requests are dispatched and answered with ok", "[control]") {
  RecordingActions a;
  ControlProtocol p(a);
  CHECK(ask(p, R"({"cmd":"status"})") == json{{"ok", true}, {"fleet", "acme"}});
  CHECK(ask(p, R"({"cmd":"panic"})") == json{{"ok", true}, {"seq", 41}});
  CHECK(ask(p, R"({"cmd":"login","driver":"d-17"})")["ok"] == true);
  CHECK(ask(p, R"({"cmd":"duty","status":"driving"})")["ok"] == true);
  CHECK(ask(p, R"({"cmd":"logout"})")["ok"] == true);
  CHECK(a.duty_changes == std::vector<std::pair<std::string, v1::DutyStatus>>{
                              {"d-17", v1::DUTY_STATUS_ON_DUTY}, {"d-17", v1::DUTY_STATUS_DRIVING}, {"", v1::DUTY_STATUS_OFF_DUTY}});
  CHECK(ask(p, R"({"cmd":"messages"})")["messages"][0]["id"] == "m1");
  CHECK(ask(p, R"({"cmd":"read","message_id":"m1"})")["ok"] == true);
  auto bt = ask(p, R"({"cmd":"button_test","seconds":5})");
  CHECK(bt == json{{"ok", true}, {"pressed", true}, {"source", "evdev"}});
  CHECK(a.last_wait == std::chrono::seconds(5));
}

TEST_CASE("malformed control requests get ok:false with an error and change nothing", "[control]") {
  RecordingActions a;
  ControlProtocol p(a);
  const char* bad[] = {
      "not json",
      "[1,2]",
      "{}",
      R"({"cmd":42})",
      R"({"cmd":"explode"})",
      R"({"cmd":"login"})",
      R"({"cmd":"login","driver":"has space"})",
      R"({"cmd":"login","driver":""})",
      R"({"cmd":"duty","status":"sleeping"})",
      R"({"cmd":"duty","status":"driving"})",  // nobody logged in
      R"({"cmd":"read"})",
      R"({"cmd":"read","message_id":"nope"})",
      R"({"cmd":"button_test"})",
      R"({"cmd":"button_test","seconds":0})",
      R"({"cmd":"button_test","seconds":61})",
      R"({"cmd":"button_test","seconds":"5"})",
  };
  for (const char* line : bad) {
    INFO(line);
    auto out = ask(p, line);
    CHECK(out["ok"] == false);
    CHECK_FALSE(out["error"].get<std::string>().empty());
  }
  CHECK(a.duty_changes.empty());
  CHECK(a.panics == 0);
  CHECK(a.last_wait.count() == 0);
  CHECK(ask(p, std::string(ControlProtocol::kMaxLineBytes + 10, 'x'))["ok"] == false);
}
