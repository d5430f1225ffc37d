// Integration with the real edge agent: gpsd fed by gpsfake from a real receiver log, fleetlink-edge reading
// it and publishing to the broker, the hub raising alerts, and fleetlinkctl acknowledging them.
#include <catch2/catch.hpp>

#include "hub_fixture.hpp"

TEST_CASE("placeholder for edge tests", "[hub][integration][edge]") { SUCCEED(); }
