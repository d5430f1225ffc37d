#include "edge/retry/backoff.hpp"

#include <algorithm>

namespace fleetlink::edge {

Backoff::Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, std::uint64_t seed)
    : min_(min), max_(std::max(min, max)), rng_(seed) {}

void Backoff::setLimits(std::chrono::milliseconds min, std::chrono::milliseconds max) {
  min_ = min;
  max_ = std::max(min, max);
}

std::chrono::milliseconds Backoff::next() {
  // Doubling stops once the cap is reached; the shift is bounded so it cannot overflow.
  const int shift = std::min(attempt_, 30);
  const auto base = std::min<std::int64_t>(max_.count(), min_.count() * (std::int64_t{1} << shift));
  ++attempt_;
  std::uniform_int_distribution<std::int64_t> jitter(base / 2, std::max<std::int64_t>(base / 2, base));
  return std::chrono::milliseconds(jitter(rng_));
}

}  // namespace fleetlink::edge
