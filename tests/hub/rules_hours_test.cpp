// Driving hours: continuous, daily and weekly limits; breaks; drivers carried across vehicles; late records.
#include <catch2/catch.hpp>

#include "hub/rules/driving_hours_rule.hpp"
#include "hub/rules/rule_engine.hpp"

using namespace fleetlink::hub::rules;

namespace {
constexpr std::int64_t kMin = 60'000;
constexpr std::int64_t kHour = 60 * kMin;
// Monday 2024-01-01 00:00 UTC.
constexpr std::int64_t kMonday = 1'704'067'200'000;

struct Fixture {
  RuleBook book;
  RuleEngine engine{book, {}};
  Findings out;

  // One position every 10 s at 50 km/h (driving) or 0 (parked) from `from` for `dur` ms.
  void drive(const std::string& vehicle, std::int64_t from, std::int64_t dur, double kph = 50, int step_s = 10) {
    std::vector<Sample> batch;
    for (std::int64_t t = from; t <= from + dur; t += step_s * 1000) {
      Sample s;
      s.time_ms = t;
      s.lat = 52.0 + static_cast<double>(t - kMonday) * 1e-9;
      s.lon = 5.0;
      s.speed_mps = static_cast<float>(kph / 3.6);
      batch.push_back(s);
      if (batch.size() == 500) {
        engine.ingest("acme", vehicle, std::move(batch), t, out);
        batch.clear();
      }
    }
    engine.ingest("acme", vehicle, std::move(batch), from + dur, out);
  }
  void duty(const std::string& vehicle, std::int64_t t, const std::string& driver, int status) {
    Sample s;
    s.kind = Sample::Kind::Duty;
    s.time_ms = t;
    s.driver = engine.internDriver(driver);
    s.duty = static_cast<std::uint8_t>(status);
    engine.ingest("acme", vehicle, {s}, t, out);
  }
  std::vector<Finding> with(const std::string& key_prefix, bool active) const {
    std::vector<Finding> r;
    for (const auto& f : out)
      if (f.rule == "driving_hours" && f.key.rfind(key_prefix, 0) == 0 && f.active == active) r.push_back(f);
    return r;
  }
};
}  // namespace

TEST_CASE("driving log merges intervals and counts each minute once", "[rules][hours]") {
  DrivingLog log;
  CHECK(log.add(0, 10));
  CHECK(log.add(20, 30));
  CHECK_FALSE(log.add(2, 8));
  CHECK(log.add(5, 25));
  CHECK(log.intervals() == 1);
  CHECK(log.driven(0, 100) == 30);
  CHECK(log.driven(5, 15) == 10);
  CHECK(log.crossing(0, 15) == 15);
  CHECK(log.crossing(0, 40) == -1);
}

TEST_CASE("continuous driving: just under, at and just over 4 h", "[rules][hours]") {
  Fixture fx;
  SECTION("3 h 59 min 50 s: nothing") {
    fx.drive("v1", kMonday + 6 * kHour, 4 * kHour - 10'000);
    CHECK(fx.with("continuous", true).empty());
  }
  SECTION("exactly 4 h: nothing (the limit is 'over 4 h')") {
    fx.drive("v1", kMonday + 6 * kHour, 4 * kHour);
    CHECK(fx.with("continuous", true).empty());
  }
  SECTION("4 h 0 min 10 s: alert") {
    fx.drive("v1", kMonday + 6 * kHour, 4 * kHour + 10'000);
    auto f = fx.with("continuous", true);
    REQUIRE_FALSE(f.empty());
    CHECK(f[0].since_ms == kMonday + 10 * kHour);
    CHECK(f[0].vehicle == "v1");
  }
}

TEST_CASE("a 30-minute break resets continuous driving, a shorter one does not", "[rules][hours]") {
  Fixture fx;
  const std::int64_t start = kMonday + 6 * kHour;
  fx.drive("v1", start, 2 * kHour);
  SECTION("29 min 50 s pause: 2 h + 2 h 10 s is one block, over the limit") {
    fx.drive("v1", start + 2 * kHour + 29 * kMin + 50'000, 2 * kHour + 10'000);
    CHECK_FALSE(fx.with("continuous", true).empty());
  }
  SECTION("30 min pause: two blocks of 2 h, nothing") {
    fx.drive("v1", start + 2 * kHour + 30 * kMin, 2 * kHour + 10'000);
    CHECK(fx.with("continuous", true).empty());
  }
  SECTION("the alert clears once the break is taken") {
    fx.drive("v1", start + 2 * kHour + 10 * kMin, 2 * kHour + 10 * kMin);
    REQUIRE_FALSE(fx.with("continuous", true).empty());
    CHECK(fx.with("continuous", false).empty());
    // Parked and still reporting for 31 minutes.
    fx.drive("v1", start + 4 * kHour + 20 * kMin + 10'000, 31 * kMin, 0);
    CHECK_FALSE(fx.with("continuous", false).empty());
  }
}

TEST_CASE("daily driving: over 10 h in a UTC day", "[rules][hours]") {
  Fixture fx;
  // Three blocks with breaks: 3.5 h + 3.5 h + 3 h = 10 h exactly.
  fx.drive("v1", kMonday + 4 * kHour, 3 * kHour + 30 * kMin);
  fx.drive("v1", kMonday + 8 * kHour, 3 * kHour + 30 * kMin);
  fx.drive("v1", kMonday + 12 * kHour, 3 * kHour);
  CHECK(fx.with("daily", true).empty());
  fx.drive("v1", kMonday + 16 * kHour, 10 * kMin);
  auto f = fx.with("daily:2024-01-01", true);
  REQUIRE(f.size() >= 1);
  CHECK(f[0].since_ms == kMonday + 16 * kHour);
}

TEST_CASE("weekly driving: over 50 h in an ISO week", "[rules][hours]") {
  Fixture fx;
  for (int day = 0; day < 5; ++day) {  // 5 days x (3 h + 3 h + 3 h + 1 h) = 50 h
    const std::int64_t d = kMonday + day * 24 * kHour;
    fx.drive("v1", d + 5 * kHour, 3 * kHour);
    fx.drive("v1", d + 9 * kHour, 3 * kHour);
    fx.drive("v1", d + 13 * kHour, 3 * kHour);
    fx.drive("v1", d + 17 * kHour, 1 * kHour);
  }
  CHECK(fx.with("weekly", true).empty());
  fx.drive("v1", kMonday + 5 * 24 * kHour + 6 * kHour, 20 * kMin);
  CHECK_FALSE(fx.with("weekly:2024-01-01", true).empty());
}

TEST_CASE("hours follow the driver across vehicles", "[rules][hours]") {
  Fixture fx;
  const std::int64_t t0 = kMonday + 6 * kHour;
  fx.duty("v1", t0, "anna", 3);
  fx.drive("v1", t0, 2 * kHour + 30 * kMin);
  fx.duty("v1", t0 + 2 * kHour + 30 * kMin, "", 1);
  // Ten minutes later she drives another vehicle: still one continuous block.
  fx.duty("v2", t0 + 2 * kHour + 40 * kMin, "anna", 3);
  fx.drive("v2", t0 + 2 * kHour + 40 * kMin, 1 * kHour + 40 * kMin);
  auto f = fx.with("continuous", true);
  REQUIRE_FALSE(f.empty());
  CHECK(f[0].driver == "anna");
  CHECK(f[0].vehicle == "v2");
  SECTION("without a driver the hours stay with each vehicle") {
    Fixture other;
    other.drive("v1", t0, 2 * kHour + 30 * kMin);
    other.drive("v2", t0 + 2 * kHour + 40 * kMin, 1 * kHour + 40 * kMin);
    CHECK(other.with("continuous", true).empty());
  }
}

TEST_CASE("duty status DRIVING counts even without motion", "[rules][hours]") {
  Fixture fx;
  const std::int64_t t0 = kMonday + 6 * kHour;
  fx.duty("v1", t0, "ben", 3);
  fx.drive("v1", t0 + 4 * kHour + 1000, 60'000, 0, 60);  // parked fixes, but declared driving
  CHECK_FALSE(fx.with("continuous", true).empty());
}

TEST_CASE("a day of back-filled driving counts as if it had arrived in order", "[rules][hours][late]") {
  // Live data of today arrives first, then yesterday's backlog in order: yesterday's 11 h must be reported.
  Fixture fx;
  const std::int64_t today = kMonday + 24 * kHour;
  fx.drive("v1", today + 8 * kHour, 20 * kMin);
  CHECK(fx.with("daily", true).empty());
  for (int block = 0; block < 4; ++block)  // 4 x 2 h 45 min = 11 h with 45-minute breaks
    fx.drive("v1", kMonday + 5 * kHour + block * (3 * kHour + 30 * kMin), 2 * kHour + 45 * kMin);
  auto raised = fx.with("daily:2024-01-01", true);
  auto cleared = fx.with("daily:2024-01-01", false);
  REQUIRE_FALSE(raised.empty());
  CHECK_FALSE(cleared.empty());  // a past day: reported and closed at once
}
