// Reconnect backoff with jitter, and the GPS fix filter.
#include <catch2/catch.hpp>

#include "edge/gps/fix_filter.hpp"
#include "edge/gps/gps_clock.hpp"
#include "edge/retry/backoff.hpp"

using namespace fleetlink;
using namespace fleetlink::edge;
using namespace std::chrono_literals;

TEST_CASE("backoff doubles up to the cap, with jitter in the upper half", "[backoff]") {
  Backoff b(100ms, 1000ms, 42);
  const std::int64_t bases[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (auto base : bases) {
    const auto d = b.next().count();
    CHECK(d >= base / 2);
    CHECK(d <= base);
  }
  b.reset();
  CHECK(b.next().count() <= 100);
  SECTION("two devices with different seeds do not retry in step") {
    Backoff x(1000ms, 60000ms, 1), y(1000ms, 60000ms, 2);
    int same = 0;
    for (int i = 0; i < 10; ++i) same += x.next() == y.next();
    CHECK(same < 3);
  }
}

TEST_CASE("fixes are filtered by mode and horizontal accuracy", "[gps][filter]") {
  Fix f;
  f.lat = 52.37;
  f.lon = 4.89;
  f.mode = 3;
  f.h_accuracy_m = 12;
  CHECK_FALSE(FixFilter(2, 50).reject(f));
  f.mode = 1;
  CHECK(FixFilter(2, 50).reject(f) == std::optional<std::string>("no fix"));
  f.mode = 2;
  CHECK(FixFilter(3, 50).reject(f).has_value());
  CHECK_FALSE(FixFilter(2, 50).reject(f));
  f.h_accuracy_m = 80;
  CHECK(FixFilter(2, 50).reject(f).has_value());
  CHECK_FALSE(FixFilter(2, 0).reject(f));  // 0 = no limit
  f.h_accuracy_m = 0;
  CHECK(FixFilter(2, 50).reject(f) == std::optional<std::string>("no accuracy estimate"));
  f.lat = 0;
  f.lon = 0;
  CHECK(FixFilter(2, 0).reject(f).has_value());  // the (0,0) placeholder
}

TEST_CASE("record time follows GPS time once known, on the monotonic clock", "[gps][time]") {
  ManualClock wrong_board_clock(86'400'000);  // the board thinks it is 2 January 1970
  GpsClock clock(wrong_board_clock);
  auto before = clock.now(5'000);
  CHECK_FALSE(before.from_gps);
  CHECK(before.ms == 86'400'000);
  clock.onGpsTime(1'790'000'000'000, 10'000);
  auto after = clock.now(12'500);
  CHECK(after.from_gps);
  CHECK(after.ms == 1'790'000'002'500);
}
