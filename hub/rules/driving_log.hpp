#pragma once
// A driver's (or vehicle's) driving time as a set of merged intervals. Adding is a union, so records that
// arrive late or twice give the same totals as records in order.
#include <cstdint>
#include <map>

namespace fleetlink::hub::rules {

class DrivingLog {
 public:
  struct Block {
    std::int64_t start = 0, end = 0;  // first and last driving instant of the block
    std::int64_t driven = 0;          // driving time inside it, ms
  };

  // Adds driving during [from, to). Returns true when it added time the log did not have.
  bool add(std::int64_t from, std::int64_t to);
  std::int64_t driven(std::int64_t from, std::int64_t to) const;
  // The block of driving separated from others by pauses of at least `break_ms` that holds the last interval
  // starting at or before `t` (or the first block when none does). Requires !empty().
  Block blockAt(std::int64_t t, std::int64_t break_ms) const;
  // The first block starting after `t`, if any.
  bool nextBlock(std::int64_t t, std::int64_t break_ms, Block& out) const;
  // When driving counted from `from` first exceeds `amount` ms; -1 if it never does.
  std::int64_t crossing(std::int64_t from, std::int64_t amount) const;
  void pruneBefore(std::int64_t t);
  bool empty() const { return iv_.empty(); }
  std::int64_t lastEnd() const { return iv_.empty() ? 0 : iv_.rbegin()->second; }
  std::size_t intervals() const { return iv_.size(); }

 private:
  std::map<std::int64_t, std::int64_t> iv_;  // start -> end, disjoint and not touching
};

}  // namespace fleetlink::hub::rules
