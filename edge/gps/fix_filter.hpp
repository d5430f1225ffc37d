#pragma once
// Accepts or rejects fixes by mode and horizontal accuracy (pure logic).
#include <optional>
#include <string>

#include "edge/gps/fix.hpp"

namespace fleetlink::edge {

class FixFilter {
 public:
  // min_mode: 2 or 3. max_h_accuracy_m: 0 = no limit; with a limit, a fix without an error estimate is rejected
  // (nothing says it is good enough).
  FixFilter(int min_mode, double max_h_accuracy_m) : min_mode_(min_mode), max_h_accuracy_m_(max_h_accuracy_m) {}
  // Nothing when the fix is usable, otherwise why not ("no fix", "2D fix below the required 3D", ...).
  std::optional<std::string> reject(const Fix& fix) const;

 private:
  int min_mode_;
  double max_h_accuracy_m_;
};

}  // namespace fleetlink::edge
