// The real agent as a systemd Type=notify service with a watchdog: systemd's side is a datagram socket bound
// where NOTIFY_SOCKET points, as systemd binds it.
#include <catch2/catch.hpp>

#include "edge_harness.hpp"
#include "support/broker.hpp"
#include "support/notify_socket.hpp"
#include "support/ports.hpp"

using namespace fleetlink;
using namespace fleetlink::test;
using namespace fleetlink::test::edge;
using namespace std::chrono_literals;

TEST_CASE("15 the agent tells systemd it is ready, feeds the watchdog and says when it stops",
          "[edge][integration][systemd]") {
  TempDir tmp("edge-it15");
  NotifySocket systemd(tmp.file("notify"));
  Broker broker;
  // WatchdogSec=0.6s: the agent keeps it fed every 200 ms.
  EdgeAgent agent({"test", "van-15", tmp.file("data"), freePort(), broker.port(), {},
                   {{"NOTIFY_SOCKET", systemd.address()}, {"WATCHDOG_USEC", "600000"}}});
  agent.start();

  auto first = systemd.receive(10s);
  REQUIRE(first);
  CHECK(first->rfind("READY=1\nSTATUS=running", 0) == 0);

  const auto t0 = std::chrono::steady_clock::now();
  int keepalives = 0;
  while (std::chrono::steady_clock::now() - t0 < 2s) {
    auto m = systemd.receive(1s);
    REQUIRE(m);  // never a second without a keep-alive
    CHECK(*m == "WATCHDOG=1");
    if (*m == "WATCHDOG=1") ++keepalives;
  }
  INFO(agent.log());
  CHECK(keepalives >= 6);   // every 200 ms: about ten in two seconds
  CHECK(keepalives <= 20);

  CHECK(agent.stop() == 0);
  bool stopping = false;
  while (auto m = systemd.receive(1s)) stopping = stopping || *m == "STOPPING=1";
  CHECK(stopping);
}
