// Debounce and hold: raw contact levels to confirmed presses.
#include <catch2/catch.hpp>

#include "edge/panic/button_logic.hpp"

using namespace fleetlink::edge;
using namespace std::chrono_literals;

TEST_CASE("a clean press is confirmed after the debounce time", "[panic][debounce]") {
  ButtonLogic b(50ms, 0ms);
  CHECK_FALSE(b.onLevel(true, 1000));
  REQUIRE(b.nextDeadline() == 1050);
  CHECK_FALSE(b.poll(1049));
  CHECK(b.poll(1050));
  CHECK_FALSE(b.poll(2000));  // once per press
  CHECK_FALSE(b.onLevel(false, 3000));
  CHECK_FALSE(b.poll(3100));
  CHECK_FALSE(b.onLevel(true, 4000));
  CHECK(b.poll(4050));  // the next press counts again
}

TEST_CASE("contact bounce shorter than the debounce time is ignored", "[panic][debounce]") {
  ButtonLogic b(50ms, 0ms);
  int confirmed = 0;
  // A glitch: 10 ms pulses.
  for (int t = 0; t < 200; t += 20) {
    confirmed += b.onLevel(true, t);
    confirmed += b.onLevel(false, t + 10);
  }
  confirmed += b.poll(1000);
  CHECK(confirmed == 0);
  SECTION("a bouncing press settles into one confirmation") {
    int n = 0;
    n += b.onLevel(true, 2000);
    n += b.onLevel(false, 2005);
    n += b.onLevel(true, 2010);
    n += b.onLevel(false, 2012);
    n += b.onLevel(true, 2015);
    for (int t = 2016; t < 2200; ++t) n += b.poll(t);
    CHECK(n == 1);
  }
}

TEST_CASE("the hold time rejects short presses", "[panic][hold]") {
  ButtonLogic b(30ms, 1000ms);
  b.onLevel(true, 0);
  CHECK_FALSE(b.poll(500));
  CHECK_FALSE(b.onLevel(false, 600));  // released before the hold time
  for (int t = 600; t < 3000; t += 10) CHECK_FALSE(b.poll(t));
  b.onLevel(true, 5000);
  CHECK_FALSE(b.poll(5999));
  CHECK(b.poll(6000));
  SECTION("a bounce during the hold does not restart it") {
    ButtonLogic c(30ms, 1000ms);
    c.onLevel(true, 0);
    c.onLevel(false, 400);
    c.onLevel(true, 410);
    CHECK(c.poll(1000));
  }
}

TEST_CASE("without debounce or hold a press counts at once", "[panic][debounce]") {
  ButtonLogic b(0ms, 0ms);
  CHECK(b.onLevel(true, 10));
  CHECK_FALSE(b.onLevel(true, 20));
}
