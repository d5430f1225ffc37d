#pragma once
// Time as an injected dependency: pure logic takes a Clock so tests can drive time by hand.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace fleetlink {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t nowMs() const = 0;  // UTC milliseconds since the Unix epoch
};

class SystemClock final : public Clock {
 public:
  std::int64_t nowMs() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// A clock tests set and advance.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  std::int64_t nowMs() const override { return now_.load(); }
  void set(std::int64_t ms) { now_.store(ms); }
  void advance(std::int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<std::int64_t> now_;
};

// Monotonic milliseconds, for timeouts and intervals that must not jump with the wall clock.
inline std::int64_t monotonicMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace fleetlink
