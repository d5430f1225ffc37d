// The SQLite history on a real file: batched writes, de-duplicated records, queries, exports, retention,
// alerts across a reopen.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "hub/store/sqlite_store.hpp"
#include "hub/store/track_export.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using namespace fleetlink::hub;
using namespace fleetlink::hub::store;

namespace {
constexpr std::int64_t kT0 = 1'704'096'000'000;

std::unique_ptr<SqliteStore> open(const test::TempDir& dir, const Clock& clock,
                                  std::chrono::milliseconds retention = std::chrono::hours(24 * 90)) {
  SqliteStore::Options o;
  o.path = dir.file("history.db");
  o.flush_interval = std::chrono::milliseconds(20);
  o.batch_max = 100;
  o.retention = retention;
  auto s = SqliteStore::open(o, clock);
  REQUIRE(s);
  return std::move(*s);
}

RecordRow position(std::uint64_t seq, std::int64_t t, double lat) {
  RecordRow r;
  r.fleet = "acme";
  r.vehicle = "v1";
  r.device = "b1";
  r.epoch = 1;
  r.seq = seq;
  r.time_ms = t;
  r.kind = "position";
  r.lat = lat;
  r.lon = 5.0;
  r.speed_mps = 12.5f;
  return r;
}
}  // namespace

TEST_CASE("records are stored once each and the track comes back in time order", "[store]") {
  test::TempDir dir;
  ManualClock clock(kT0);
  auto s = open(dir, clock);
  std::vector<RecordRow> rows;
  for (std::uint64_t i = 1; i <= 250; ++i) rows.push_back(position(i, kT0 + static_cast<std::int64_t>(i) * 1000, 52.0 + static_cast<double>(i) * 1e-4));
  s->addRecords(rows);
  s->addRecords({position(10, kT0 + 10'000, 99.0), position(5, kT0 + 5000, 99.0)});  // re-sent: ignored
  RecordRow ev = position(251, kT0 + 251'000, 0);
  ev.kind = "panic";
  ev.detail = R"({"source":"PANIC_SOURCE_GPIO"})";
  s->addRecords({ev});
  s->flush();
  auto track = s->track("acme", "v1", kT0, kT0 + 1'000'000, 10'000);
  REQUIRE(track);
  REQUIRE(track->size() == 250);
  CHECK(track->at(9).lat == Approx(52.001));  // the original, not the re-sent copy
  CHECK(std::is_sorted(track->begin(), track->end(), [](auto& a, auto& b) { return a.time_ms < b.time_ms; }));
  auto between = s->track("acme", "v1", kT0 + 100'000, kT0 + 109'000, 100);
  REQUIRE(between);
  CHECK(between->size() == 10);
  CHECK(*s->recordCount() == 251);
  EventQuery q;
  q.fleet = "acme";
  q.type = "panic";
  auto evs = s->events(q);
  REQUIRE(evs);
  REQUIRE(evs->size() == 1);
  CHECK(evs->at(0).vehicle == "v1");
  CHECK(evs->at(0).detail.find("GPIO") != std::string::npos);
}

TEST_CASE("track exports: JSON, GeoJSON and CSV", "[store][export]") {
  std::vector<TrackPoint> pts = {{kT0, 52.0, 5.0, 10, 90, 0, 1}, {kT0 + 1000, 52.001, 5.002, 11, 91, 0, 2}};
  auto j = trackJson(pts);
  REQUIRE(j.size() == 2);
  CHECK(j[1]["seq"] == 2);
  auto g = trackGeoJson("v1", pts);
  CHECK(g["type"] == "FeatureCollection");
  REQUIRE(g["features"].size() == 3);
  CHECK(g["features"][0]["geometry"]["type"] == "LineString");
  CHECK(g["features"][0]["geometry"]["coordinates"][1][0] == Approx(5.002));  // lon first
  CHECK(g["features"][0]["geometry"]["coordinates"][1][1] == Approx(52.001));
  const auto csv = trackCsv(pts);
  CHECK(csv.rfind("time_ms,lat,lon,speed_mps,heading_deg,seq\n", 0) == 0);
  CHECK(csv.find("1704096001000,52.0010000,5.0020000,11.00,91.0,2\n") != std::string::npos);
}

TEST_CASE("alerts and their history survive a reopen and are queried by state", "[store][alerts]") {
  test::TempDir dir;
  ManualClock clock(kT0);
  alerts::AlertChange first;
  first.alert.set_alert_id("al-1");
  first.alert.set_fleet_id("acme");
  first.alert.set_vehicle_id("v1");
  first.alert.set_rule("panic");
  first.alert.set_state(v1::ALERT_STATE_OPEN);
  first.alert.set_opened_at_ms(kT0);
  first.alert.set_updated_at_ms(kT0);
  first.transition = "opened";
  first.actor = "rules";
  first.at_ms = kT0;
  first.cond_key = "panic|b1:1:7";
  first.cond_since_ms = kT0 - 500;
  auto second = first;
  second.alert.set_alert_id("al-2");
  second.alert.set_rule("overspeed");
  {
    auto s = open(dir, clock);
    s->putAlert(first);
    s->putAlert(second);
    auto ack = first;
    ack.alert.set_state(v1::ALERT_STATE_ACKNOWLEDGED);
    ack.transition = "acknowledged";
    ack.actor = "ops";
    ack.note = "on it";
    ack.at_ms = kT0 + 1000;
    s->putAlert(ack);
    auto res = second;
    res.alert.set_state(v1::ALERT_STATE_RESOLVED);
    res.transition = "resolved";
    s->putAlert(res);
    s->stop();
  }
  auto s = open(dir, clock);
  auto active = s->unresolvedAlerts();
  REQUIRE(active);
  REQUIRE(active->size() == 1);
  CHECK(active->at(0).alert.alert_id() == "al-1");
  CHECK(active->at(0).alert.state() == v1::ALERT_STATE_ACKNOWLEDGED);
  CHECK(active->at(0).cond_key == "panic|b1:1:7");
  CHECK(active->at(0).cond_since_ms == kT0 - 500);
  auto hist = s->alertHistory("acme", "al-1");
  REQUIRE(hist);
  REQUIRE(hist->size() == 2);
  CHECK(hist->at(1).actor == "ops");
  CHECK(hist->at(1).note == "on it");
  AlertQuery q;
  q.fleet = "acme";
  q.state = "resolved";
  CHECK(s->alerts(q)->size() == 1);
  q.state = "active";
  CHECK(s->alerts(q)->size() == 1);
  q.state = "";
  CHECK(s->alerts(q)->size() == 2);
  q.fleet = "other";
  CHECK(s->alerts(q)->empty());
}

TEST_CASE("retention deletes history older than the period", "[store][retention]") {
  test::TempDir dir;
  ManualClock clock(kT0 + 10 * 86'400'000LL);
  auto s = open(dir, clock, std::chrono::hours(24 * 7));
  s->addRecords({position(1, kT0, 52.0), position(2, kT0 + 4 * 86'400'000LL, 52.0)});
  s->addAudit({"acme", kT0, "ops", "rules.set", "{}", "ok", true});
  s->flush();
  CHECK(*s->recordCount() == 2);
  REQUIRE(s->enforceRetention());
  CHECK(*s->recordCount() == 1);
  CHECK(s->audit("acme", 0, 10)->empty());
  // The de-duplication rebuild still sees what is kept.
  CHECK(*s->seenSeqs("b1", 1) == std::vector<std::uint64_t>{2});
}

TEST_CASE("a database that cannot be opened gives an error naming the file", "[store]") {
  ManualClock clock;
  SqliteStore::Options o;
  o.path = "/proc/fleetlink-no-such-dir/history.db";
  auto s = SqliteStore::open(o, clock);
  REQUIRE_FALSE(s);
  CHECK(s.error().message.find("/proc/fleetlink-no-such-dir/history.db") != std::string::npos);
}
