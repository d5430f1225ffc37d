#include "hub/rules/driving_log.hpp"

#include <algorithm>
#include <iterator>

namespace fleetlink::hub::rules {

bool DrivingLog::add(std::int64_t from, std::int64_t to) {
  if (to <= from) return false;
  // Fast path: extending the newest interval (live data in order).
  if (!iv_.empty()) {
    auto last = std::prev(iv_.end());
    if (from >= last->first && from <= last->second) {
      if (to <= last->second) return false;
      last->second = to;
      return true;
    }
  }
  auto it = iv_.upper_bound(from);
  if (it != iv_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= from) {
      if (prev->second >= to) return false;  // already covered
      from = prev->first;
      it = prev;
    }
  }
  std::int64_t end = to;
  while (it != iv_.end() && it->first <= end) {
    end = std::max(end, it->second);
    from = std::min(from, it->first);
    it = iv_.erase(it);
  }
  iv_.emplace(from, end);
  return true;
}

std::int64_t DrivingLog::driven(std::int64_t from, std::int64_t to) const {
  if (to <= from || iv_.empty()) return 0;
  std::int64_t total = 0;
  auto it = iv_.upper_bound(from);
  if (it != iv_.begin()) --it;
  for (; it != iv_.end() && it->first < to; ++it) {
    const std::int64_t a = std::max(from, it->first), b = std::min(to, it->second);
    if (b > a) total += b - a;
  }
  return total;
}

DrivingLog::Block DrivingLog::blockAt(std::int64_t t, std::int64_t break_ms) const {
  auto it = iv_.upper_bound(t);
  if (it != iv_.begin()) --it;
  Block b{it->first, it->second, it->second - it->first};
  // Backwards while the pause before is shorter than a break.
  for (auto back = it; back != iv_.begin();) {
    auto prev = std::prev(back);
    if (back->first - prev->second >= break_ms) break;
    b.start = prev->first;
    b.driven += prev->second - prev->first;
    back = prev;
  }
  for (auto fwd = std::next(it); fwd != iv_.end(); ++fwd) {
    if (fwd->first - b.end >= break_ms) break;
    b.end = fwd->second;
    b.driven += fwd->second - fwd->first;
  }
  return b;
}

bool DrivingLog::nextBlock(std::int64_t t, std::int64_t break_ms, Block& out) const {
  auto it = iv_.upper_bound(t);
  if (it == iv_.end()) return false;
  out = blockAt(it->first, break_ms);
  return true;
}

std::int64_t DrivingLog::crossing(std::int64_t from, std::int64_t amount) const {
  std::int64_t total = 0;
  auto it = iv_.upper_bound(from);
  if (it != iv_.begin()) --it;
  for (; it != iv_.end(); ++it) {
    const std::int64_t a = std::max(from, it->first), b = it->second;
    if (b <= a) continue;
    if (total + (b - a) > amount) return a + (amount - total);
    total += b - a;
  }
  return -1;
}

void DrivingLog::pruneBefore(std::int64_t t) {
  while (!iv_.empty() && iv_.begin()->second < t) iv_.erase(iv_.begin());
}

}  // namespace fleetlink::hub::rules
