#pragma once
// UTC time for records: taken from the receiver once a fix carried time, carried forward on the monotonic
// clock between fixes (boards often boot without an RTC, so the system clock may be years off).
#include <atomic>
#include <cstdint>

#include "fleetlink/common/clock.hpp"

namespace fleetlink::edge {

class GpsClock {
 public:
  struct Now {
    std::int64_t ms;
    bool from_gps;
  };
  explicit GpsClock(const Clock& system) : system_(system) {}
  void onGpsTime(std::int64_t gps_ms, std::int64_t mono_ms = monotonicMs()) {
    offset_.store(gps_ms - mono_ms);
    known_.store(true);
  }
  Now now(std::int64_t mono_ms = monotonicMs()) const {
    if (known_.load()) return {mono_ms + offset_.load(), true};
    return {system_.nowMs(), false};
  }

 private:
  const Clock& system_;
  std::atomic<std::int64_t> offset_{0};
  std::atomic<bool> known_{false};
};

}  // namespace fleetlink::edge
