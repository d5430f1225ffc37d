// The agent over TLS with a client certificate and a password, against a real Mosquitto that requires both.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "edge_harness.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/v1/fleetlink.pb.h"
#include "support/broker.hpp"
#include "support/ports.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace fleetlink::test::edge;
using namespace std::chrono_literals;

namespace {

const std::string kFleet = "test";

void runOrThrow(const std::vector<std::string>& argv) {
  auto r = run(argv);
  if (r.code != 0) throw std::runtime_error(argv[0] + " failed: " + r.output);
}

// A throw-away CA, a broker certificate for 127.0.0.1 and a client certificate, all signed by the CA.
struct TestPki {
  std::string ca, ca_key, server, server_key, client, client_key;
  explicit TestPki(const TempDir& dir) {
    ca = dir.file("ca.pem");
    ca_key = dir.file("ca.key");
    server = dir.file("server.pem");
    server_key = dir.file("server.key");
    client = dir.file("client.pem");
    client_key = dir.file("client.key");
    const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
    auto req = [&](std::vector<std::string> head, const std::vector<std::string>& tail) {
      head.insert(head.end(), ec.begin(), ec.end());
      head.insert(head.end(), tail.begin(), tail.end());
      runOrThrow(head);
    };
    req({"openssl", "req", "-x509"}, {"-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=fleetlink test CA"});
    dir.write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    req({"openssl", "req"}, {"-keyout", server_key, "-out", dir.file("server.csr"), "-subj", "/CN=127.0.0.1"});
    runOrThrow({"openssl", "x509", "-req", "-in", dir.file("server.csr"), "-CA", ca, "-CAkey", ca_key,
                "-CAcreateserial", "-out", server, "-days", "2", "-extfile", dir.file("server.ext")});
    req({"openssl", "req"}, {"-keyout", client_key, "-out", dir.file("client.csr"), "-subj", "/CN=board-van-12"});
    runOrThrow({"openssl", "x509", "-req", "-in", dir.file("client.csr"), "-CA", ca, "-CAkey", ca_key,
                "-CAcreateserial", "-out", client, "-days", "2"});
  }
};

}  // namespace

TEST_CASE("12 TLS with a client certificate and a password: the broker accepts the agent, a wrong password is refused",
          "[edge][integration][tls]") {
  TempDir tmp("edge-it12");
  TestPki pki(tmp);
  const std::string passwords = tmp.file("passwords");
  runOrThrow({"mosquitto_passwd", "-b", "-c", passwords, "edge-van-12", "s3cret-van-12"});
  Broker::Options bo;
  bo.anonymous = false;
  bo.extra_config = "cafile " + pki.ca + "\ncertfile " + pki.server + "\nkeyfile " + pki.server_key +
                    "\nrequire_certificate true\npassword_file " + passwords + "\n";
  Broker broker(bo);
  const std::vector<std::string> tls = {"--mqtt.tls=true", "--mqtt.tls_ca=" + pki.ca, "--mqtt.tls_cert=" + pki.client,
                                        "--mqtt.tls_key=" + pki.client_key, "--mqtt.username=edge-van-12"};

  SECTION("a wrong password is refused and records wait in the outbox") {
    auto flags = tls;
    flags.push_back("--mqtt.password=not-the-password");
    EdgeAgent agent({kFleet, "van-12", tmp.file("data-wrong"), freePort(), broker.port(), flags});
    agent.start();
    REQUIRE(agent.request({{"cmd", "login"}, {"driver", "d-12"}})["ok"] == true);
    std::this_thread::sleep_for(3s);  // several connection attempts (reconnect_max is 1 s in tests)
    const auto st = agent.status();
    CHECK(st["broker"]["connected"] == false);
    CHECK(st["broker"]["published_records"] == 0);
    CHECK(st["buffer"]["records"].get<int>() >= 1);
    CHECK(agent.running());
  }

  SECTION("the right certificate and password connect, and records are acknowledged by the broker") {
    auto flags = tls;
    flags.push_back("--mqtt.password=s3cret-van-12");
    EdgeAgent agent({kFleet, "van-12", tmp.file("data-right"), freePort(), broker.port(), flags});
    agent.start();
    REQUIRE(waitUntil([&] { return agent.status()["broker"]["connected"] == true; }, 15s));
    REQUIRE(agent.request({{"cmd", "login"}, {"driver", "d-12"}})["ok"] == true);
    REQUIRE(waitUntil([&] { return agent.status()["broker"]["published_records"].get<int>() >= 1; }, 10s));
    CHECK(waitUntil([&] { return agent.status()["buffer"]["records"] == 0; }, 10s));
    // A subscriber over the same TLS listener sees the retained birth the agent published.
    auto sub = run({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "--cafile", pki.ca,
                    "--cert", pki.client, "--key", pki.client_key, "-u", "edge-van-12", "-P", "s3cret-van-12",
                    "-t", topics::vehicleState(kFleet, "van-12"), "-C", "1", "-W", "10", "-F", "%t %l"},
                   15s);
    INFO(sub.output);
    CHECK(sub.code == 0);
    CHECK(sub.output.find(topics::vehicleState(kFleet, "van-12")) != std::string::npos);
  }
}
