#include "fleetlink/common/ids.hpp"

namespace fleetlink {

bool isValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  if (id.front() == '_' || id.front() == '-') return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace fleetlink
