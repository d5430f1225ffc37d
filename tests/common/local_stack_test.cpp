// The README's first command, deploy/local-stack.sh, run for real from the build tree: broker, hub, edge
// agents on gpsfake drives and simulated vehicles come up, and the dashboard and HTTP API it prints answer
// with live vehicles from both kinds of source.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <set>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink::test;
using namespace std::chrono_literals;

namespace {

std::string buildDir() {
  const std::string hub = binary("fleetlink-hub");  // <build>/hub/fleetlink-hub
  return hub.substr(0, hub.rfind("/hub/"));
}

RunResult curl(const std::vector<std::string>& extra) {
  std::vector<std::string> argv{"curl", "-sS", "--max-time", "5"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run(argv, 10s);
}

}  // namespace

TEST_CASE("the local stack brings up edge agents and simulated vehicles on the dashboard and API",
          "[stack][integration]") {
  TempDir dir;
  Process stack({"bash", sourcePath("deploy/local-stack.sh"), "--no-install", "--no-build", "--vehicles", "2",
                 "--sim-vehicles", "5", "--duration", "90", "--mqtt-port", "21883", "--web-port", "28080"},
                dir.path() + "/stack.log",
                {{"FLEETLINK_BIN", buildDir()}, {"FLEETLINK_RUN_DIR", dir.path() + "/run"}});

  std::string url;
  std::string token;
  // "  dashboard:  http://127.0.0.1:PORT/?token=TOKEN"
  REQUIRE(waitUntil(
      [&] {
        const std::string text = stack.logText();
        const auto at = text.find("dashboard:  http://127.0.0.1:");
        if (at == std::string::npos) return false;
        const auto begin = text.find("http://", at);
        const auto mark = text.find("/?token=", begin);
        const auto end = text.find_first_of(" \n", mark);
        if (mark == std::string::npos || end == std::string::npos) return false;
        url = text.substr(begin, mark - begin);
        token = text.substr(mark + 8, end - mark - 8);
        return !token.empty();
      },
      60s));
  INFO(stack.logText());

  // The page itself.
  const auto page = curl({"-o", "/dev/null", "-w", "%{http_code}", url + "/"});
  CHECK(page.output == "200");

  // Every edge agent and simulated vehicle shows up with a live position.
  std::set<std::string> seen;
  const bool all = waitUntil(
      [&] {
        const auto r = curl({"-H", "Authorization: Bearer " + token, url + "/api/v1/vehicles?fleet=demo"});
        if (r.code != 0) return false;
        const auto body = nlohmann::json::parse(r.output, nullptr, false);
        if (body.is_discarded()) return false;
        if (!body.contains("result") || !body["result"].is_array()) return false;
        const auto& list = body["result"];
        seen.clear();
        for (const auto& v : list) {
          if (v.contains("vehicle") && v.contains("lat") && v["lat"].is_number())
            seen.insert(v["vehicle"].get<std::string>());
        }
        return seen.count("van-1") && seen.count("van-2") && seen.size() >= 7;
      },
      60s);
  INFO("vehicles with a position: " << seen.size());
  CHECK(all);

  // A token is required.
  const auto refused = curl({"-o", "/dev/null", "-w", "%{http_code}", url + "/api/v1/vehicles?fleet=demo"});
  CHECK(refused.output == "401");

  // SIGTERM (as Ctrl-C) stops the whole stack at once, through the script's clean-up.
  const int code = stack.stop(15s);
  CHECK(code == 128 + SIGTERM);
  CHECK(stack.logText().find("local-stack: stopping") != std::string::npos);
}
