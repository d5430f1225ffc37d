#pragma once
// Latency samples in milliseconds and their summary (p50/p95/p99/max), as the benchmarks print and store them.
#include <algorithm>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace fleetlink::bench {

struct LatencySummary {
  std::size_t count = 0;
  double p50 = 0, p95 = 0, p99 = 0, max = 0, mean = 0;
  nlohmann::json toJson() const {
    return {{"count", count}, {"p50_ms", p50}, {"p95_ms", p95}, {"p99_ms", p99}, {"max_ms", max}, {"mean_ms", mean}};
  }
};

inline LatencySummary summarize(std::vector<std::int64_t> v) {
  LatencySummary s;
  s.count = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return static_cast<double>(v[std::min(i, v.size() - 1)]);
  };
  s.p50 = at(0.50);
  s.p95 = at(0.95);
  s.p99 = at(0.99);
  s.max = static_cast<double>(v.back());
  double sum = 0;
  for (auto x : v) sum += static_cast<double>(x);
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

}  // namespace fleetlink::bench
