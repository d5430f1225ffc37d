// The live vehicle registry: status tiers and the sliced pass the hub's periodic check makes over it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "hub/state/vehicle_registry.hpp"

using namespace fleetlink::hub::state;

namespace {

std::string name(int i) {
  std::string n = std::to_string(i);
  return "v" + std::string(3 - n.size(), '0') + n;
}

}  // namespace

TEST_CASE("a pass in slices visits every vehicle once, in order, and picks up vehicles added ahead of it",
          "[hub][state]") {
  VehicleRegistry reg(StatusPolicy{});
  for (int i = 0; i < 10; ++i) reg.touch(i < 5 ? "acme" : "zeta", name(i));

  std::vector<std::string> seen;
  std::optional<VehicleRegistry::Key> cursor;
  int slices = 0;
  do {
    cursor = reg.forEachAfter(cursor, 3, [&](VehicleView& v) { seen.push_back(v.fleet + "/" + v.vehicle); });
    ++slices;
    if (slices == 2) {
      reg.touch("acme", "v000a");  // behind the cursor: the next pass has it
      reg.touch("zeta", "v999");   // ahead of it: this pass has it
    }
  } while (cursor);

  CHECK(slices == 4);
  REQUIRE(seen.size() == 11);
  CHECK(seen.front() == "acme/v000");
  CHECK(seen[5] == "zeta/v005");
  CHECK(seen.back() == "zeta/v999");
  CHECK(std::is_sorted(seen.begin(), seen.end()));

  std::size_t next_pass = 0;
  for (cursor.reset();;) {
    cursor = reg.forEachAfter(cursor, 100, [&](VehicleView&) { ++next_pass; });
    if (!cursor) break;
  }
  CHECK(next_pass == 12);
}

TEST_CASE("an empty registry ends a pass at once, and a zero slice still moves on", "[hub][state]") {
  VehicleRegistry reg(StatusPolicy{});
  int visits = 0;
  CHECK_FALSE(reg.forEachAfter(std::nullopt, 10, [&](VehicleView&) { ++visits; }));
  CHECK(visits == 0);

  reg.touch("acme", "a");
  reg.touch("acme", "b");
  auto cursor = reg.forEachAfter(std::nullopt, 0, [&](VehicleView&) { ++visits; });
  REQUIRE(cursor);
  CHECK(cursor->second == "a");
  CHECK_FALSE(reg.forEachAfter(cursor, 0, [&](VehicleView&) { ++visits; }));
  CHECK(visits == 2);
}
