#include "edge/report/report_policy.hpp"

#include "fleetlink/common/geo.hpp"

namespace fleetlink::edge {

namespace {
// A fix more than this far in the past of the last one means the receiver's time jumped (e.g. a week-number
// rollover corrected): start over rather than stay silent until time catches up.
constexpr std::int64_t kTimeJumpBackMs = 60'000;
}  // namespace

const char* reportReasonName(ReportReason r) {
  switch (r) {
    case ReportReason::None: return "none";
    case ReportReason::First: return "first";
    case ReportReason::Interval: return "interval";
    case ReportReason::Distance: return "distance";
    case ReportReason::Heading: return "heading";
    case ReportReason::StartStop: return "start_stop";
  }
  return "none";
}

ReportReason ReportPolicy::decide(const FixSample& fix) const {
  if (!last_) return ReportReason::First;
  const std::int64_t dt = fix.t_ms - last_->t_ms;
  if (dt < -kTimeJumpBackMs) return ReportReason::First;
  // Same receiver epoch reported twice (gpsd may emit several TPVs per cycle), or time stepping back a little.
  if (dt <= 0) return ReportReason::None;
  if (dt < s_.min_interval.count()) return ReportReason::None;
  const bool now_moving = moving(fix);
  if (now_moving != moving(*last_)) return ReportReason::StartStop;
  const auto interval = now_moving ? s_.moving_interval : s_.stopped_interval;
  if (dt >= interval.count()) return ReportReason::Interval;
  if (s_.distance_m > 0 && geo::distanceM({last_->lat, last_->lon}, {fix.lat, fix.lon}) >= s_.distance_m) {
    return ReportReason::Distance;
  }
  if (now_moving && s_.heading_change_deg > 0 && fix.heading_valid && last_->heading_valid &&
      geo::headingDeltaDeg(last_->heading_deg, fix.heading_deg) >= s_.heading_change_deg) {
    return ReportReason::Heading;
  }
  return ReportReason::None;
}

ReportReason ReportPolicy::offer(const FixSample& fix) {
  const auto r = decide(fix);
  if (r != ReportReason::None) reported(fix);
  return r;
}

}  // namespace fleetlink::edge
