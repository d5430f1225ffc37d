#pragma once
// The field check's result: one line per item (PASS, WARN, FAIL or SKIP with a sentence a technician can act on)
// and one verdict. Pure: no I/O besides rendering to a string.
#include <string>
#include <vector>

namespace fleetlink::fieldcheck {

enum class Outcome { Pass, Warn, Fail, Skip };

struct CheckResult {
  std::string item;    // "config", "gpsd", "gps fix", "agent", "button", "broker", "buffer"
  Outcome outcome;
  std::string detail;  // what was found, and for WARN/FAIL what to do
};

class CheckReport {
 public:
  void add(std::string item, Outcome outcome, std::string detail);
  const std::vector<CheckResult>& results() const { return results_; }
  const CheckResult* find(const std::string& item) const;
  bool passed() const;  // no FAIL (warnings and skips allowed)
  int exitCode() const { return passed() ? 0 : 1; }
  std::string render(const std::string& title) const;

 private:
  std::vector<CheckResult> results_;
};

const char* outcomeName(Outcome o);

}  // namespace fleetlink::fieldcheck
