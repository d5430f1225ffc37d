#pragma once
// Exponential backoff with jitter for reconnect loops (gpsd, broker): the delay doubles from `min` up to `max`,
// and each wait is drawn from [delay/2, delay] so a fleet that lost the same broker does not come back in step.
#include <chrono>
#include <cstdint>
#include <random>

namespace fleetlink::edge {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, std::uint64_t seed = std::random_device{}());
  // The next wait; doubles the base delay for the following call.
  std::chrono::milliseconds next();
  // After a success: the next failure waits about `min` again.
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }
  void setLimits(std::chrono::milliseconds min, std::chrono::milliseconds max);

 private:
  std::chrono::milliseconds min_, max_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace fleetlink::edge
