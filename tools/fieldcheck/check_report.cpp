#include "check_report.hpp"

#include <algorithm>
#include <sstream>

namespace fleetlink::fieldcheck {

const char* outcomeName(Outcome o) {
  switch (o) {
    case Outcome::Pass: return "PASS";
    case Outcome::Warn: return "WARN";
    case Outcome::Fail: return "FAIL";
    case Outcome::Skip: return "SKIP";
  }
  return "?";
}

void CheckReport::add(std::string item, Outcome outcome, std::string detail) {
  results_.push_back({std::move(item), outcome, std::move(detail)});
}

const CheckResult* CheckReport::find(const std::string& item) const {
  auto it = std::find_if(results_.begin(), results_.end(), [&](const CheckResult& r) { return r.item == item; });
  return it == results_.end() ? nullptr : &*it;
}

bool CheckReport::passed() const {
  return std::none_of(results_.begin(), results_.end(), [](const CheckResult& r) { return r.outcome == Outcome::Fail; });
}

std::string CheckReport::render(const std::string& title) const {
  std::ostringstream out;
  out << title << "\n";
  int counts[4] = {0, 0, 0, 0};
  for (const auto& r : results_) {
    ++counts[static_cast<int>(r.outcome)];
    std::string item = r.item;
    item.resize(std::max<std::size_t>(item.size(), 8), ' ');
    out << "  " << outcomeName(r.outcome) << "  " << item << "  " << r.detail << "\n";
  }
  out << "RESULT: " << (passed() ? "PASS" : "FAIL") << " (" << counts[0] << " passed, " << counts[1] << " warnings, "
      << counts[2] << " failed, " << counts[3] << " skipped)\n";
  return out.str();
}

}  // namespace fleetlink::fieldcheck
