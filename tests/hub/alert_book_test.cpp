// Alert lifecycle: open, acknowledge, resolve (auto and manual), de-duplication, cooldown, escalation.
#include <catch2/catch.hpp>

#include "hub/alerts/alert_book.hpp"

using namespace fleetlink;
using namespace fleetlink::hub;
using rules::Finding;

namespace {
constexpr std::int64_t kT0 = 1'704'096'000'000;

Finding raise(const std::string& rule, std::int64_t since, const std::string& key = "",
              v1::Severity sev = v1::SEVERITY_HIGH) {
  Finding f;
  f.rule = rule;
  f.key = key;
  f.active = true;
  f.severity = sev;
  f.since_ms = since;
  f.at_ms = since;
  f.title = rule;
  return f;
}
Finding clear(const std::string& rule, std::int64_t since, std::int64_t at, const std::string& key = "") {
  Finding f = raise(rule, since, key);
  f.active = false;
  f.at_ms = at;
  return f;
}

struct Fixture {
  ManualClock clock{kT0};
  int next = 0;
  alerts::AlertBook book{clock, {300'000, 300'000}, [this] { return "A" + std::to_string(++next); }};
};
}  // namespace

TEST_CASE("a condition opens one alert and clearing it resolves it", "[alerts]") {
  Fixture fx;
  auto c = fx.book.apply("acme", "v1", raise("overspeed", kT0));
  REQUIRE(c.size() == 1);
  CHECK(c[0].transition == "opened");
  CHECK(c[0].alert.state() == v1::ALERT_STATE_OPEN);
  CHECK(c[0].alert.alert_id() == "A1");
  CHECK(fx.book.apply("acme", "v1", raise("overspeed", kT0 + 1000)).empty());  // still the same condition
  CHECK(fx.book.counts().duplicates == 1);
  fx.clock.advance(5000);
  auto r = fx.book.apply("acme", "v1", clear("overspeed", kT0, kT0 + 4000));
  REQUIRE(r.size() == 1);
  CHECK(r[0].transition == "resolved");
  CHECK(r[0].alert.updated_by() == "rules");
  CHECK(r[0].alert.updated_at_ms() == kT0 + 5000);
  CHECK(fx.book.activeCount() == 0);
  CHECK(fx.book.apply("acme", "v1", clear("overspeed", kT0, kT0 + 4000)).empty());
}

TEST_CASE("cooldown per rule and vehicle in event time, panic exempt", "[alerts]") {
  Fixture fx;
  fx.book.apply("acme", "v1", raise("overspeed", kT0));
  fx.book.apply("acme", "v1", clear("overspeed", kT0, kT0 + 20'000));
  SECTION("a new stretch 299 s later is suppressed") {
    CHECK(fx.book.apply("acme", "v1", raise("overspeed", kT0 + 299'999)).empty());
    CHECK(fx.book.counts().suppressed == 1);
  }
  SECTION("a new stretch 300 s later opens a new alert") {
    CHECK(fx.book.apply("acme", "v1", raise("overspeed", kT0 + 300'000)).size() == 1);
  }
  SECTION("another vehicle or rule is not affected") {
    CHECK(fx.book.apply("acme", "v2", raise("overspeed", kT0 + 1000)).size() == 1);
    CHECK(fx.book.apply("acme", "v1", raise("geofence", kT0 + 1000, "z")).size() == 1);
  }
  SECTION("panics are never suppressed") {
    CHECK(fx.book.apply("acme", "v1", raise("panic", kT0 + 1000, "d:1:5", v1::SEVERITY_CRITICAL)).size() == 1);
    CHECK(fx.book.apply("acme", "v1", raise("panic", kT0 + 2000, "d:1:6", v1::SEVERITY_CRITICAL)).size() == 1);
  }
  SECTION("the same episode reported again after a replay is not a new alert") {
    CHECK(fx.book.apply("acme", "v1", raise("overspeed", kT0)).empty());
    CHECK(fx.book.counts().duplicates == 1);
  }
}

TEST_CASE("acknowledge and resolve by a person, with who and when", "[alerts]") {
  Fixture fx;
  auto id = fx.book.apply("acme", "v1", raise("panic", kT0, "k", v1::SEVERITY_CRITICAL))[0].alert.alert_id();
  fx.clock.advance(1000);
  auto a = fx.book.acknowledge("acme", id, "dispatcher-1", "calling the driver");
  REQUIRE(a);
  CHECK(a->alert.state() == v1::ALERT_STATE_ACKNOWLEDGED);
  CHECK(a->alert.updated_by() == "dispatcher-1");
  CHECK(a->alert.updated_at_ms() == kT0 + 1000);
  CHECK_FALSE(fx.book.acknowledge("acme", id, "x", ""));  // already acknowledged
  CHECK_FALSE(fx.book.acknowledge("other", id, "x", ""));  // another fleet's alert is not reachable
  CHECK_FALSE(fx.book.resolve("acme", id, "dispatcher-1", ""));  // a note is required
  auto r = fx.book.resolve("acme", id, "dispatcher-1", "driver safe");
  REQUIRE(r);
  CHECK(r->alert.state() == v1::ALERT_STATE_RESOLVED);
  CHECK(r->alert.note() == "driver safe");
  auto missing = fx.book.resolve("acme", id, "x", "again");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find(id) != std::string::npos);
}

TEST_CASE("critical alerts left unacknowledged escalate once", "[alerts]") {
  Fixture fx;
  fx.book.apply("acme", "v1", raise("panic", kT0, "k1", v1::SEVERITY_CRITICAL));
  fx.book.apply("acme", "v1", raise("overspeed", kT0));  // high, never escalated
  auto acked = fx.book.apply("acme", "v2", raise("panic", kT0, "k2", v1::SEVERITY_CRITICAL))[0].alert.alert_id();
  REQUIRE(fx.book.acknowledge("acme", acked, "ops", ""));
  fx.clock.set(kT0 + 299'999);
  CHECK(fx.book.escalateOverdue().empty());
  fx.clock.set(kT0 + 300'000);
  auto e = fx.book.escalateOverdue();
  REQUIRE(e.size() == 1);
  CHECK(e[0].alert.escalated());
  CHECK(e[0].alert.vehicle_id() == "v1");
  CHECK(fx.book.escalateOverdue().empty());
}

TEST_CASE("alerts reloaded after a restart keep matching their conditions", "[alerts]") {
  Fixture fx;
  auto opened = fx.book.apply("acme", "v1", raise("geofence", kT0, "zone-a"))[0];
  Fixture restarted;
  restarted.book.restore(opened);
  CHECK(restarted.book.activeCount() == 1);
  CHECK(restarted.book.apply("acme", "v1", raise("geofence", kT0, "zone-a")).empty());
  auto r = restarted.book.apply("acme", "v1", clear("geofence", kT0, kT0 + 1000, "zone-a"));
  REQUIRE(r.size() == 1);
  CHECK(r[0].alert.alert_id() == opened.alert.alert_id());
}
