#include <catch2/catch.hpp>

#include "fleetlink/common/ids.hpp"
#include "fleetlink/common/topics.hpp"

using namespace fleetlink;
using topics::Channel;

TEST_CASE("vehicle topics are built and parsed back", "[topics]") {
  CHECK(topics::vehicleUp("acme", "truck-7") == "fl/v1/acme/v/truck-7/up");
  CHECK(topics::vehicleState("acme", "truck-7") == "fl/v1/acme/v/truck-7/state");
  CHECK(topics::vehicleCmd("acme", "truck-7") == "fl/v1/acme/v/truck-7/cmd");
  for (auto [topic, channel] : {std::pair{topics::vehicleUp("acme", "t1"), Channel::Up},
                                std::pair{topics::vehicleState("acme", "t1"), Channel::State},
                                std::pair{topics::vehicleCmd("acme", "t1"), Channel::Cmd}}) {
    auto p = topics::parse(topic);
    REQUIRE(p);
    CHECK(p->channel == channel);
    CHECK(p->fleet == "acme");
    CHECK(p->vehicle == "t1");
  }
}

TEST_CASE("fleet and admin topics are built and parsed back", "[topics]") {
  CHECK(topics::fleetAlerts("acme") == "fl/v1/acme/alerts");
  CHECK(topics::adminRequest("acme") == "fl/v1/acme/admin/req");
  auto res = topics::parse(topics::adminResponse("acme", "ctl-42"));
  REQUIRE(res);
  CHECK(res->channel == Channel::AdminRes);
  CHECK(res->client == "ctl-42");
  CHECK(topics::parse("fl/v1/acme/alerts")->channel == Channel::Alerts);
  CHECK(topics::parse("fl/v1/acme/live")->channel == Channel::Live);
  CHECK(topics::parse("fl/v1/acme/admin/req")->channel == Channel::AdminReq);
}

TEST_CASE("a vehicle named like a fleet channel cannot collide with it", "[topics]") {
  // Vehicles live under /v/, so a vehicle called "alerts" or "admin" stays a vehicle.
  auto p = topics::parse(topics::vehicleUp("acme", "alerts"));
  REQUIRE(p);
  CHECK(p->channel == Channel::Up);
  CHECK(p->vehicle == "alerts");
}

TEST_CASE("topics of the wrong shape, version or with bad ids are rejected", "[topics]") {
  for (const char* bad : {"", "fl", "fl/v1", "fl/v2/acme/v/t1/up", "xx/v1/acme/v/t1/up", "fl/v1/acme/v/t1",
                          "fl/v1/acme/v/t1/up/extra", "fl/v1/acme/v/t1/down", "fl/v1/ac me/v/t1/up",
                          "fl/v1/acme/v/+/up", "fl/v1/acme/v/#/up", "fl/v1/_hub/v/t1/up", "fl/v1/acme/v//up",
                          "fl/v1/acme/admin/res/", "fl/v1/acme/unknown"}) {
    INFO(bad);
    CHECK_FALSE(topics::parse(bad));
  }
}

TEST_CASE("subscription filters cover every fleet and share ingest between hubs", "[topics]") {
  CHECK(topics::allVehicleUp() == "fl/v1/+/v/+/up");
  CHECK(topics::allVehicleUp("acme") == "fl/v1/acme/v/+/up");
  CHECK(topics::shared(topics::allVehicleUp()) == "$share/fleetlink-hub/fl/v1/+/v/+/up");
  CHECK(topics::hubState("hub-1") == "fl/v1/_hub/hub-1/state");
}

TEST_CASE("ids are safe as topic levels and user names", "[topics][ids]") {
  CHECK(isValidId("truck-7"));
  CHECK(isValidId("A_b-9"));
  CHECK(isValidId(std::string(64, 'a')));
  CHECK_FALSE(isValidId(std::string(65, 'a')));
  CHECK_FALSE(isValidId(""));
  CHECK_FALSE(isValidId("_hub"));
  CHECK_FALSE(isValidId("-x"));
  for (const char* bad : {"a/b", "a+b", "a#", "a b", "a.b", "$sys", "é"}) CHECK_FALSE(isValidId(bad));
}
