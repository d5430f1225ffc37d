#include "edge/gps/fix_filter.hpp"

#include <cmath>

#include "fleetlink/common/geo.hpp"

namespace fleetlink::edge {

std::optional<std::string> FixFilter::reject(const Fix& fix) const {
  if (fix.mode < 2) return "no fix";
  if (fix.mode < min_mode_) return "2D fix, 3D required";
  if (!geo::isValid({fix.lat, fix.lon})) return "invalid coordinates";
  if (max_h_accuracy_m_ > 0) {
    if (!(fix.h_accuracy_m > 0)) return "no accuracy estimate";
    if (fix.h_accuracy_m > max_h_accuracy_m_) return "horizontal error above the limit";
  }
  return std::nullopt;
}

}  // namespace fleetlink::edge
