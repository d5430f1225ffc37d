#pragma once
// When to send a fix, the way commercial trackers decide (pure logic): on an interval that differs while moving
// and parked, after a distance travelled, on a heading change while moving (so corners are kept), and when the
// vehicle starts or stops; never more often than a minimum interval, and parked vehicles stay quiet.
#include <chrono>
#include <cstdint>
#include <optional>

namespace fleetlink::edge {

struct ReportSettings {
  std::chrono::milliseconds moving_interval{5000};
  std::chrono::milliseconds stopped_interval{300000};
  std::chrono::milliseconds min_interval{1000};
  double moving_speed_mps = 3 / 3.6;
  double distance_m = 100;          // 0 = off
  double heading_change_deg = 30;   // 0 = off
};

struct FixSample {
  std::int64_t t_ms;                // fix time (GPS time where known)
  double lat, lon;
  double speed_mps;
  double heading_deg;
  bool heading_valid;
};

enum class ReportReason { None, First, Interval, Distance, Heading, StartStop };
const char* reportReasonName(ReportReason r);

class ReportPolicy {
 public:
  explicit ReportPolicy(ReportSettings s) : s_(s) {}
  void setSettings(const ReportSettings& s) { s_ = s; }
  const ReportSettings& settings() const { return s_; }

  // Why this fix should be sent, or None.
  ReportReason decide(const FixSample& fix) const;
  // Records that `fix` was sent.
  void reported(const FixSample& fix) { last_ = fix; }
  // decide() and, when the answer is not None, reported().
  ReportReason offer(const FixSample& fix);
  void reset() { last_.reset(); }

 private:
  bool moving(const FixSample& f) const { return f.speed_mps >= s_.moving_speed_mps; }
  ReportSettings s_;
  std::optional<FixSample> last_;
};

}  // namespace fleetlink::edge
