#include "edge/outbox/drop_policy.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace fleetlink::edge {

std::uint64_t DropPlan::total() const {
  std::uint64_t t = 0;
  for (auto n : drop) t += n;
  return t;
}

DropPlan planDrop(const Usage& usage, std::uint64_t max_records, std::uint64_t max_bytes, double headroom) {
  DropPlan plan;
  std::uint64_t records = 0, bytes = 0;
  for (const auto& u : usage) {
    records += u.records;
    bytes += u.bytes;
  }
  if (records <= max_records && bytes <= max_bytes) return plan;
  const double keep = 1.0 - std::clamp(headroom, 0.0, 0.5);
  double need_records = static_cast<double>(records) - std::floor(static_cast<double>(max_records) * keep);
  double need_bytes = static_cast<double>(bytes) - std::floor(static_cast<double>(max_bytes) * keep);
  for (RecordClass c : kDropOrder) {
    if (need_records <= 0 && need_bytes <= 0) break;
    const auto& u = usage[static_cast<std::size_t>(c)];
    if (u.records == 0) continue;
    const double avg = static_cast<double>(u.bytes) / static_cast<double>(u.records);
    const double for_bytes = need_bytes > 0 && avg > 0 ? std::ceil(need_bytes / avg) : 0;
    const double want = std::max(std::max(need_records, 0.0), for_bytes);
    const auto n = static_cast<std::uint64_t>(std::min(static_cast<double>(u.records), want));
    plan.drop[static_cast<std::size_t>(c)] = n;
    need_records -= static_cast<double>(n);
    need_bytes -= static_cast<double>(n) * avg;
  }
  return plan;
}

std::vector<std::uint64_t> thinOldest(const std::vector<std::uint64_t>& oldest, std::uint64_t n) {
  std::vector<std::uint64_t> out;
  if (n == 0 || oldest.empty()) return out;
  const std::size_t span = static_cast<std::size_t>(std::min<std::uint64_t>(oldest.size(), 2 * n));
  std::set<std::size_t> chosen;
  // Odd positions of the oldest stretch: the first, third, ... points stay.
  for (std::size_t i = 1; i < span && chosen.size() < n; i += 2) chosen.insert(i);
  for (std::size_t i = 0; i < oldest.size() && chosen.size() < n; ++i) chosen.insert(i);
  for (std::size_t i : chosen) out.push_back(oldest[i]);
  return out;
}

}  // namespace fleetlink::edge
