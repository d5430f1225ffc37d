#include <catch2/catch.hpp>

#include "fleetlink/common/wire_json.hpp"

using namespace fleetlink;

namespace {
v1::Uplink sampleUplink() {
  v1::Uplink up;
  up.set_fleet_id("acme");
  up.set_vehicle_id("truck-7");
  up.set_device_id("board-001");
  up.set_historical(true);
  auto* r = up.add_records();
  r->set_seq(41);
  r->set_epoch(0xfeedULL);
  r->set_boot_id(3);
  r->set_time_ms(1'790'000'000'123);
  r->set_time_source(v1::TIME_SOURCE_GPS);
  auto* p = r->mutable_position();
  p->set_lat(52.3731);
  p->set_lon(4.8922);
  p->set_speed_mps(13.9f);
  p->set_heading_deg(271.5f);
  p->set_fix_mode(v1::FIX_MODE_3D);
  p->set_satellites(9);
  auto* panic = up.add_records();
  panic->set_seq(42);
  panic->mutable_panic()->set_source(v1::PANIC_SOURCE_EVDEV);
  return up;
}
}  // namespace

TEST_CASE("uplink batch survives a protobuf round trip", "[schema]") {
  const auto up = sampleUplink();
  auto decoded = wire::decodeUplink(up.SerializeAsString());
  REQUIRE(decoded.ok());
  REQUIRE(decoded->records_size() == 2);
  CHECK(decoded->fleet_id() == "acme");
  CHECK(decoded->historical());
  const auto& r = decoded->records(0);
  CHECK(r.seq() == 41);
  CHECK(r.epoch() == 0xfeedULL);
  CHECK(r.time_ms() == 1'790'000'000'123);
  CHECK(wire::recordKind(r) == "position");
  CHECK(r.position().lat() == Approx(52.3731));
  CHECK(r.position().satellites() == 9);
  CHECK(wire::recordKind(decoded->records(1)) == "panic");
}

TEST_CASE("uplink decoding rejects garbage, oversize and too many records", "[schema]") {
  CHECK_FALSE(wire::decodeUplink("\xff\xff\xff\xff garbage").ok());
  CHECK_FALSE(wire::decodeUplink(std::string(wire::kMaxUplinkBytes + 1, '\0')).ok());
  v1::Uplink big;
  for (std::size_t i = 0; i <= wire::kMaxRecordsPerUplink; ++i) big.add_records()->set_seq(i + 1);
  auto r = wire::decodeUplink(big.SerializeAsString());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("limit"));
}

TEST_CASE("unknown fields from a newer schema are kept, not lost", "[schema]") {
  // A newer writer adds field 99 to Record; an older reader must pass it through unchanged.
  auto up = sampleUplink();
  std::string bytes = up.SerializeAsString();
  v1::Record extra;
  extra.set_seq(7);
  std::string rec = extra.SerializeAsString();
  rec += std::string("\x98\x06\x2a", 3);  // field 99, varint 42
  v1::Uplink with_unknown;
  with_unknown.ParseFromString(bytes);
  with_unknown.add_records()->ParseFromString(rec);
  auto reparsed = wire::decodeUplink(with_unknown.SerializeAsString());
  REQUIRE(reparsed.ok());
  CHECK(reparsed->records(2).seq() == 7);
  CHECK(reparsed->records(2).SerializeAsString().find(std::string("\x98\x06\x2a", 3)) != std::string::npos);
}

TEST_CASE("commands and vehicle state round trip", "[schema]") {
  v1::Command c;
  c.set_command_id("cmd-1");
  (*c.mutable_config_update()->mutable_set())["report.distance_m"] = "50";
  auto dc = wire::decodeCommand(c.SerializeAsString());
  REQUIRE(dc.ok());
  CHECK(dc->config_update().set().at("report.distance_m") == "50");

  v1::VehicleState s;
  s.set_connection(v1::VehicleState::CONNECTION_LOST);
  s.set_boot_id(9);
  auto ds = wire::decodeVehicleState(s.SerializeAsString());
  REQUIRE(ds.ok());
  CHECK(ds->connection() == v1::VehicleState::CONNECTION_LOST);
}

TEST_CASE("admin requests are accepted as JSON and as protobuf", "[schema][admin]") {
  const std::string json = R"({"action":"alerts.ack","actor":"ops","args":{"alert_id":"A-1","note":"on it"}})";
  CHECK(wire::detectEncoding("", json) == wire::Encoding::Json);
  auto r = wire::decodeAdminRequest(json, wire::Encoding::Json);
  REQUIRE(r.ok());
  CHECK(r->action() == "alerts.ack");
  CHECK(r->args().fields().at("alert_id").string_value() == "A-1");

  auto pb = wire::decodeAdminRequest(r->SerializeAsString(), wire::Encoding::Protobuf);
  REQUIRE(pb.ok());
  CHECK(pb->actor() == "ops");

  SECTION("a request without an action is refused") {
    auto bad = wire::decodeAdminRequest(R"({"actor":"ops"})", wire::Encoding::Json);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::Contains("action"));
  }
  SECTION("malformed JSON is refused with a reason") {
    auto bad = wire::decodeAdminRequest("{\"action\": ", wire::Encoding::Json);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::Contains("not valid JSON"));
  }
}

TEST_CASE("admin responses encode in the request's encoding", "[schema][admin]") {
  v1::AdminResponse resp;
  resp.set_ok(true);
  resp.set_action("vehicles.list");
  resp.mutable_result()->mutable_list_value()->add_values()->set_string_value("truck-7");
  const auto json = wire::encodeAdminResponse(resp, wire::Encoding::Json);
  CHECK_THAT(json, Catch::Contains("\"ok\":true") && Catch::Contains("truck-7"));
  v1::AdminResponse back;
  REQUIRE(back.ParseFromString(wire::encodeAdminResponse(resp, wire::Encoding::Protobuf)));
  CHECK(back.result().list_value().values(0).string_value() == "truck-7");
}
