// The outbox drop policy: positions thinned first, then health, then duty; never panics or acks.
#include <catch2/catch.hpp>

#include "edge/outbox/drop_policy.hpp"

using namespace fleetlink::edge;

namespace {
Usage usage(std::uint64_t panic, std::uint64_t acks, std::uint64_t duty, std::uint64_t health, std::uint64_t pos,
            std::uint64_t bytes_each = 100) {
  Usage u{};
  const std::uint64_t counts[] = {panic, acks, duty, health, pos};
  for (int i = 0; i < kRecordClasses; ++i) u[static_cast<std::size_t>(i)] = {counts[i], counts[i] * bytes_each};
  return u;
}
std::uint64_t of(const DropPlan& p, RecordClass c) { return p.drop[static_cast<std::size_t>(c)]; }
}  // namespace

TEST_CASE("nothing is dropped within the limits", "[outbox][drop]") {
  CHECK(planDrop(usage(1, 1, 1, 1, 96), 100, 1'000'000).empty());
}

TEST_CASE("over the record limit, positions go first with headroom", "[outbox][drop]") {
  const auto plan = planDrop(usage(2, 3, 5, 10, 1000), 1000, 1'000'000'000, 0.05);
  // 1020 records, target 950: 70 positions.
  CHECK(of(plan, RecordClass::Position) == 70);
  CHECK(plan.total() == 70);
}

TEST_CASE("when positions run out, health then duty go and panics and acks never", "[outbox][drop]") {
  const auto plan = planDrop(usage(50, 50, 20, 20, 10), 110, 1'000'000'000, 0.0);
  CHECK(of(plan, RecordClass::Position) == 10);
  CHECK(of(plan, RecordClass::Health) == 20);
  CHECK(of(plan, RecordClass::Duty) == 10);
  CHECK(of(plan, RecordClass::Panic) == 0);
  CHECK(of(plan, RecordClass::CommandAck) == 0);
  SECTION("an outbox of only panics and acks is left alone even over its limit") {
    CHECK(planDrop(usage(500, 500, 0, 0, 0), 100, 1000, 0.0).empty());
  }
}

TEST_CASE("the byte limit counts too", "[outbox][drop]") {
  // 1000 positions of 100 bytes = 100,000 bytes; limit 50,000 with no headroom: 500 positions.
  const auto plan = planDrop(usage(0, 0, 0, 0, 1000), 1'000'000, 50'000, 0.0);
  CHECK(of(plan, RecordClass::Position) == 500);
}

TEST_CASE("thinning removes every second one of the oldest positions", "[outbox][drop]") {
  const std::vector<std::uint64_t> oldest = {10, 11, 12, 13, 14, 15, 16, 17};
  CHECK(thinOldest(oldest, 3) == std::vector<std::uint64_t>{11, 13, 15});
  CHECK(thinOldest(oldest, 4) == std::vector<std::uint64_t>{11, 13, 15, 17});
  SECTION("with too few rows to thin, the oldest of the rest go too") {
    CHECK(thinOldest({1, 2, 3}, 2) == std::vector<std::uint64_t>{1, 2});
    CHECK(thinOldest({1, 2, 3}, 5) == std::vector<std::uint64_t>{1, 2, 3});
  }
  CHECK(thinOldest(oldest, 0).empty());
}
