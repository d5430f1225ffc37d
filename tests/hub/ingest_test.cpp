// Ingest checks without a broker: uplink validation and de-duplication.
#include <catch2/catch.hpp>

#include "fleetlink/common/topics.hpp"
#include "hub/ingest/record_deduper.hpp"
#include "hub/ingest/uplink_validator.hpp"

using namespace fleetlink;
using namespace fleetlink::hub::ingest;

namespace {
constexpr std::int64_t kNow = 1'704'096'000'000;

v1::Uplink uplink(const std::string& fleet = "acme", const std::string& vehicle = "v1") {
  v1::Uplink u;
  u.set_fleet_id(fleet);
  u.set_vehicle_id(vehicle);
  u.set_device_id("board-7");
  for (int i = 1; i <= 3; ++i) {
    auto* r = u.add_records();
    r->set_seq(static_cast<std::uint64_t>(i));
    r->set_epoch(1);
    r->set_time_ms(kNow - 1000 * (4 - i));
    r->mutable_position()->set_lat(52.0);
    r->mutable_position()->set_lon(5.0);
    r->mutable_position()->set_speed_mps(10);
  }
  return u;
}
const topics::Parsed kTopic = *topics::parse(topics::vehicleUp("acme", "v1"));
}  // namespace

TEST_CASE("a valid uplink passes with every record", "[ingest]") {
  auto v = validateUplink(kTopic, uplink().SerializeAsString(), kNow);
  REQUIRE(v);
  CHECK(v->records.size() == 3);
  CHECK(v->device == "board-7");
  CHECK(v->rejected.empty());
}

TEST_CASE("whole-message problems reject the message with a reason", "[ingest]") {
  SECTION("not protobuf") {
    auto v = validateUplink(kTopic, std::string("\xff\xff\xff garbage", 12), kNow);
    REQUIRE_FALSE(v);
    CHECK(v.error().message.find("protobuf") != std::string::npos);
  }
  SECTION("speaking for another vehicle") {
    auto v = validateUplink(kTopic, uplink("acme", "v2").SerializeAsString(), kNow);
    REQUIRE_FALSE(v);
    CHECK(v.error().message.find("acme/v1") != std::string::npos);
  }
  SECTION("another fleet") {
    CHECK_FALSE(validateUplink(kTopic, uplink("other", "v1").SerializeAsString(), kNow));
  }
  SECTION("the device id falls back to the vehicle") {
    auto u = uplink();
    u.clear_device_id();
    auto v = validateUplink(kTopic, u.SerializeAsString(), kNow);
    REQUIRE(v);
    CHECK(v->device == "v1");
  }
}

TEST_CASE("bad records are rejected alone", "[ingest]") {
  auto u = uplink();
  u.mutable_records(0)->mutable_position()->set_lat(91);
  u.mutable_records(2)->set_time_ms(kNow + 11 * 60'000);
  auto* zero = u.add_records();
  zero->set_seq(0);
  zero->set_time_ms(kNow);
  auto* nan = u.add_records();
  nan->set_seq(9);
  nan->set_time_ms(kNow);
  nan->mutable_position()->set_lat(52);
  nan->mutable_position()->set_lon(5);
  nan->mutable_position()->set_speed_mps(std::numeric_limits<float>::quiet_NaN());
  auto* unknown = u.add_records();  // a newer body: kept
  unknown->set_seq(10);
  unknown->set_time_ms(kNow);
  auto v = validateUplink(kTopic, u.SerializeAsString(), kNow);
  REQUIRE(v);
  REQUIRE(v->records.size() == 2);
  CHECK(v->records[0].seq() == 2);
  CHECK(v->records[1].seq() == 10);
  REQUIRE(v->rejected.size() == 4);
  CHECK(v->rejected[0].reason == "position");
  CHECK(v->rejected[1].reason == "time");
  CHECK(v->rejected[2].reason == "seq");
  CHECK(v->rejected[3].reason == "position");
}

TEST_CASE("de-duplication by device, epoch and seq", "[ingest][dedupe]") {
  RecordDeduper d;
  CHECK(d.firstTime("b", 1, 1));
  CHECK(d.firstTime("b", 1, 2));
  CHECK_FALSE(d.firstTime("b", 1, 1));
  CHECK(d.firstTime("b", 2, 1));  // a new epoch starts again at 1
  CHECK(d.firstTime("c", 1, 1));  // another device
  CHECK(d.firstTime("b", 1, 10));
  CHECK(d.firstTime("b", 1, 5));  // late, inside a gap
  CHECK_FALSE(d.firstTime("b", 1, 5));
  CHECK_FALSE(d.firstTime("b", 1, 10));
  for (std::uint64_t s = 3; s <= 9; ++s)
    if (s != 5) CHECK(d.firstTime("b", 1, s));
  for (std::uint64_t s = 1; s <= 10; ++s) CHECK_FALSE(d.firstTime("b", 1, s));
}

TEST_CASE("de-duplication is rebuilt from the store after a restart", "[ingest][dedupe]") {
  int loads = 0;
  RecordDeduper d([&](const std::string& device, std::uint64_t epoch) {
    ++loads;
    return device == "b" && epoch == 1 ? std::vector<std::uint64_t>{1, 2, 3, 7} : std::vector<std::uint64_t>{};
  });
  CHECK_FALSE(d.firstTime("b", 1, 2));
  CHECK_FALSE(d.firstTime("b", 1, 7));
  CHECK(d.firstTime("b", 1, 4));
  CHECK(d.firstTime("b", 2, 1));
  CHECK(loads == 2);
}

TEST_CASE("many permanent gaps keep memory bounded", "[ingest][dedupe]") {
  RecordDeduper d({}, 16);
  for (std::uint64_t s = 1; s < 1000; s += 2) CHECK(d.firstTime("b", 1, s));  // every second record lost
  for (std::uint64_t s = 1; s < 1000; s += 2) CHECK_FALSE(d.firstTime("b", 1, s));
  CHECK(d.firstTime("b", 1, 998));  // a recent gap is still open
}
