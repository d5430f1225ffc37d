// The rule engine's ordering: late records are replayed in time order, so the alerts do not depend on the
// order records arrive in.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>

#include "fleetlink/common/geo.hpp"
#include "hub/alerts/alert_book.hpp"
#include "hub/rules/rule_engine.hpp"

using namespace fleetlink;
using namespace fleetlink::hub;
using namespace fleetlink::hub::rules;

namespace {
constexpr std::int64_t kT0 = 1'704'096'000'000;  // 2024-01-01 08:00 UTC

// A drive at 1 Hz: 5 min at 80 km/h, 1 min at 110 (overspeed at 90), 5 min at 80, another minute at 110,
// passing a restricted zone in the middle.
std::vector<Sample> drive() {
  std::vector<Sample> out;
  geo::LatLon p{52.0, 5.0};
  for (int i = 0; i < 780; ++i) {
    const double kph = (i >= 300 && i < 360) || (i >= 660 && i < 720) ? 110 : 80;
    Sample s;
    s.time_ms = kT0 + i * 1000;
    s.lat = p.lat;
    s.lon = p.lon;
    s.speed_mps = static_cast<float>(kph / 3.6);
    out.push_back(s);
    p = geo::destination(p, 90, kph / 3.6);
  }
  return out;
}

FleetRules rules90() {
  FleetRules r;
  r.speed_limit_kph = 90;
  r.overspeed_min_s = 10;
  Geofence z;
  z.id = "bridge";
  z.circle = {geo::destination({52.0, 5.0}, 90, 9000), 150};
  z.restricted = true;
  r.geofences.push_back(z);
  return r;
}

struct Run {
  RuleBook book;
  RuleEngine engine;
  ManualClock clock{kT0 + 3'600'000};
  alerts::AlertBook alerts{clock, {0, 300'000}};
  std::set<std::tuple<std::string, std::string, std::int64_t>> opened;
  std::size_t resolved = 0;

  explicit Run(RuleEngine::Options o = {}) : engine(book, o) {
    auto rj = toJson(rules90());
    REQUIRE(book.set("acme", rj));
  }
  void feed(std::vector<Sample> batch) {
    Findings f;
    engine.ingest("acme", "v1", std::move(batch), clock.nowMs(), f);
    for (const auto& c : alerts.applyAll("acme", "v1", f)) {
      if (c.transition == "opened") opened.insert({c.alert.rule(), c.cond_key, c.cond_since_ms});
      if (c.transition == "resolved") ++resolved;
    }
  }
};
}  // namespace

TEST_CASE("alerts are the same whether records arrive in order or not", "[rules][engine][late]") {
  const auto samples = drive();
  Run in_order;
  for (std::size_t i = 0; i < samples.size(); i += 20)
    in_order.feed({samples.begin() + static_cast<long>(i), samples.begin() + static_cast<long>(std::min(i + 20, samples.size()))});
  REQUIRE(in_order.opened.size() == 3);  // two overspeed stretches, one zone crossing
  CHECK(in_order.resolved == 3);

  SECTION("live data first, then the backlog oldest first") {
    Run late;
    late.feed({samples.end() - 60, samples.end()});
    for (std::size_t i = 0; i + 60 < samples.size(); i += 50)
      late.feed({samples.begin() + static_cast<long>(i),
                 samples.begin() + static_cast<long>(std::min(i + 50, samples.size() - 60))});
    CHECK(late.opened == in_order.opened);
    CHECK(late.engine.stats().replays > 0);
  }
  SECTION("shuffled batches: the same alerts, starting within the spacing of the first sparse fixes") {
    auto shuffled = samples;
    std::mt19937 rng(7);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    Run random;
    for (std::size_t i = 0; i < shuffled.size(); i += 100)
      random.feed({shuffled.begin() + static_cast<long>(i),
                   shuffled.begin() + static_cast<long>(std::min(i + 100, shuffled.size()))});
    REQUIRE(random.opened.size() == in_order.opened.size());
    auto a = in_order.opened.begin();
    for (auto b = random.opened.begin(); b != random.opened.end(); ++a, ++b) {
      CHECK(std::get<1>(*a) == std::get<1>(*b));
      CHECK(std::abs(std::get<2>(*a) - std::get<2>(*b)) <= 30'000);
    }
  }
}

TEST_CASE("history is bounded and records older than it go to the separate lane", "[rules][engine][late]") {
  RuleEngine::Options o;
  o.history_max_records = 200;
  o.snapshot_every = 50;
  Run run(o);
  const auto samples = drive();
  for (std::size_t i = 0; i < samples.size(); i += 10)
    run.feed({samples.begin() + static_cast<long>(i), samples.begin() + static_cast<long>(std::min(i + 10, samples.size()))});
  CHECK(run.engine.historySize("acme", "v1") <= 250);
  // The first overspeed stretch again, late and older than anything retained: fed to the lane, no crash,
  // and the alert it matches is not opened twice.
  const auto before = run.opened.size();
  run.feed({samples.begin() + 290, samples.begin() + 370});
  CHECK(run.engine.stats().lane == 80);
  CHECK(run.opened.size() == before);
}
