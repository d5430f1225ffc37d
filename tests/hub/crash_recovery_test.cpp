// Crash-recovery policy: when a restarted hub asks vehicles to re-send, and for how far back.
#include <catch2/catch.hpp>

#include "hub/ingest/crash_recovery.hpp"

using fleetlink::hub::ingest::CrashRecovery;

namespace {
constexpr std::int64_t kStart = 1'704'096'000'000;
}

TEST_CASE("crash recovery: the marker round-trips and a damaged one is refused", "[hub][recovery]") {
  const auto m = CrashRecovery::decode(CrashRecovery::encode({kStart, true}));
  REQUIRE(m);
  CHECK(m->alive_at_ms == kStart);
  CHECK(m->clean);
  CHECK_FALSE(CrashRecovery::decode(""));
  CHECK_FALSE(CrashRecovery::decode("{\"alive_at_ms\":\"soon\",\"clean\":false}"));
  CHECK_FALSE(CrashRecovery::decode("{\"clean\":false}"));
  CHECK_FALSE(CrashRecovery::decode("[1,2]"));
}

TEST_CASE("crash recovery: a first run and a clean stop ask nobody", "[hub][recovery]") {
  CrashRecovery first({}, std::nullopt, kStart);
  CHECK_FALSE(first.recovering());
  CHECK_FALSE(first.windowFor("acme", "v1", kStart + 1000));
  CrashRecovery clean({}, CrashRecovery::Marker{kStart - 60'000, true}, kStart);
  CHECK_FALSE(clean.recovering());
  CHECK_FALSE(clean.windowFor("acme", "v1", kStart + 1000));
}

TEST_CASE("crash recovery: after an unclean stop each vehicle is asked once, back to before the last marker",
          "[hub][recovery]") {
  CrashRecovery::Options o;
  o.margin_ms = 30'000;
  o.period_ms = 600'000;
  // Last marker 20 s before this start: ask from 50 s before the start (plus the time since).
  CrashRecovery r(o, CrashRecovery::Marker{kStart - 20'000, false}, kStart);
  REQUIRE(r.recovering());
  CHECK(r.since_ms() == kStart - 50'000);
  CHECK(r.windowFor("acme", "v1", kStart + 5'000) == 55'000);
  CHECK_FALSE(r.windowFor("acme", "v1", kStart + 6'000));            // once per vehicle
  CHECK(r.windowFor("acme", "v2", kStart + 10'000) == 60'000);       // another vehicle
  CHECK(r.windowFor("other", "v1", kStart + 10'000) == 60'000);      // same name, other fleet
  CHECK(r.asked() == 3);
  CHECK_FALSE(r.windowFor("acme", "v3", kStart + 600'001));          // the recovery period is over
}

TEST_CASE("crash recovery: a clock that went backwards still asks for the margin; period 0 turns it off",
          "[hub][recovery]") {
  CrashRecovery::Options o;
  o.margin_ms = 30'000;
  CrashRecovery r(o, CrashRecovery::Marker{kStart + 3'600'000, false}, kStart);
  CHECK(r.windowFor("acme", "v1", kStart + 1000) == 30'000);
  o.period_ms = 0;
  CrashRecovery off(o, CrashRecovery::Marker{kStart - 1000, false}, kStart);
  CHECK_FALSE(off.recovering());
  CHECK_FALSE(off.windowFor("acme", "v1", kStart));
}

TEST_CASE("crash recovery: the liveness marker is due at start, then every heartbeat interval", "[hub][recovery]") {
  CrashRecovery::Options o;
  o.heartbeat_ms = 5'000;
  CrashRecovery r(o, std::nullopt, kStart);
  auto m = r.heartbeat(kStart);
  REQUIRE(m);
  CHECK(m->alive_at_ms == kStart);
  CHECK_FALSE(m->clean);
  CHECK_FALSE(r.heartbeat(kStart + 4'999));
  CHECK(r.heartbeat(kStart + 5'000));
  CHECK(r.heartbeat(kStart + 1'000));  // the clock went backwards: write again rather than go quiet
  CHECK(CrashRecovery::cleanStop(kStart + 9'000).clean);
}
