#pragma once
// The outbox's drop policy (pure logic). When the outbox exceeds its record or byte limit, rows are removed in
// this order until it is back under the limits with some headroom (so the policy runs now and then, not on every
// insert):
//   1. positions, oldest first and thinned: every second one of the oldest stretch, so the old track keeps
//      half its points rather than losing a piece of the route;
//   2. device health, oldest first;
//   3. duty status changes, oldest first;
// never panics and never command acknowledgements (they are few and small, and losing them loses an answer).
#include <array>
#include <cstdint>
#include <vector>

#include "edge/outbox/record_class.hpp"

namespace fleetlink::edge {

struct ClassUsage {
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
};
using Usage = std::array<ClassUsage, kRecordClasses>;

struct DropPlan {
  std::array<std::uint64_t, kRecordClasses> drop{};  // rows to remove per class
  std::uint64_t total() const;
  bool empty() const { return total() == 0; }
};

inline constexpr std::array<RecordClass, 3> kDropOrder = {RecordClass::Position, RecordClass::Health,
                                                          RecordClass::Duty};
inline bool droppable(RecordClass c) { return c == RecordClass::Position || c == RecordClass::Health || c == RecordClass::Duty; }

// What to remove so usage fits `max_records` and `max_bytes` again, aiming `headroom` (a fraction) below them.
DropPlan planDrop(const Usage& usage, std::uint64_t max_records, std::uint64_t max_bytes, double headroom = 0.05);

// From the oldest seqs of one class (ascending), the `n` to delete: every second one of the oldest 2n. With fewer
// than 2n available, the oldest of the remainder go too.
std::vector<std::uint64_t> thinOldest(const std::vector<std::uint64_t>& oldest, std::uint64_t n);

}  // namespace fleetlink::edge
