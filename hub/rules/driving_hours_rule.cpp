#include "hub/rules/driving_hours_rule.hpp"

#include <cstdio>
#include <vector>

#include "hub/rules/route_distance_rule.hpp"

namespace fleetlink::hub::rules {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kKeepMs = 8 * kDayMs;  // a week plus a day of history covers the weekly total

std::string hours(std::int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f h", static_cast<double>(ms) / 3'600'000.0);
  return buf;
}

struct Limits {
  std::int64_t break_ms, cont_max, day_max, week_max;
  explicit Limits(const FleetRules& r)
      : break_ms(static_cast<std::int64_t>(r.break_min_min * 60'000)),
        cont_max(static_cast<std::int64_t>(r.continuous_driving_max_min * 60'000)),
        day_max(static_cast<std::int64_t>(r.daily_driving_max_h * 3'600'000)),
        week_max(static_cast<std::int64_t>(r.weekly_driving_max_h * 3'600'000)) {}
};

}  // namespace

std::int64_t utcDayStart(std::int64_t ms) { return (ms >= 0 ? ms / kDayMs : (ms - kDayMs + 1) / kDayMs) * kDayMs; }

std::int64_t isoWeekStart(std::int64_t ms) {
  const std::int64_t day = utcDayStart(ms) / kDayMs;  // 1970-01-01 was a Thursday
  return (day - ((day % 7 + 7 + 3) % 7)) * kDayMs;
}

void DrivingHoursRule::evaluate(Subject& s, std::int64_t from, std::int64_t to, const std::string& vehicle,
                                const FleetRules& r, double lat, double lon, Findings& out) {
  if (s.log.empty()) return;
  const Limits lim(r);
  const std::string who = s.driver.empty() ? "vehicle " + vehicle : "driver " + s.driver;
  auto report = [&](const std::string& key, bool current, std::int64_t since, std::int64_t end,
                    const std::string& title, const std::string& detail) {
    auto owner = s.active.find(key);
    Finding f;
    f.rule = "driving_hours";
    f.key = key;
    f.severity = v1::SEVERITY_HIGH;
    f.since_ms = since;
    f.at_ms = current ? s.last_event_ms : end;
    f.title = title;
    f.detail = detail;
    f.lat = lat;
    f.lon = lon;
    f.driver = s.driver;
    f.vehicle = owner != s.active.end() ? owner->second : vehicle;
    f.active = true;
    out.push_back(f);
    if (current) {
      s.active[key] = f.vehicle;
    } else {
      f.active = false;
      out.push_back(f);
      if (owner != s.active.end()) s.active.erase(owner);
    }
  };

  // Continuous driving: every block touched by [from, to], and the newest block.
  const std::int64_t last_end = s.log.lastEnd();
  std::vector<DrivingLog::Block> blocks;
  DrivingLog::Block b = s.log.blockAt(from, lim.break_ms);
  blocks.push_back(b);
  while (b.end < to && s.log.nextBlock(b.end, lim.break_ms, b)) blocks.push_back(b);
  if (blocks.back().end != last_end) blocks.push_back(s.log.blockAt(last_end, lim.break_ms));
  for (const auto& blk : blocks) {
    const bool current = blk.end == last_end && s.last_event_ms - blk.end < lim.break_ms;
    if (blk.driven > lim.cont_max) {
      report("continuous", current, s.log.crossing(blk.start, lim.cont_max), blk.end,
             "Continuous driving over " + hours(lim.cont_max),
             who + " drove " + hours(blk.driven) + " without a " + std::to_string(lim.break_ms / 60'000) + "-minute break");
    } else if (blk.end == last_end && s.active.count("continuous")) {
      Finding f;
      f.rule = "driving_hours";
      f.key = "continuous";
      f.active = false;
      f.severity = v1::SEVERITY_HIGH;
      f.at_ms = blk.end;
      f.vehicle = s.active["continuous"];
      f.driver = s.driver;
      out.push_back(f);
      s.active.erase("continuous");
    }
  }

  // Daily and weekly totals of every period touched.
  const std::int64_t today = utcDayStart(s.last_event_ms), this_week = isoWeekStart(s.last_event_ms);
  for (std::int64_t d = utcDayStart(from); d <= utcDayStart(to); d += kDayMs) {
    const std::int64_t total = s.log.driven(d, d + kDayMs);
    if (total > lim.day_max)
      report("daily:" + utcDate(d), d == today, s.log.crossing(d, lim.day_max), d + kDayMs,
             "Daily driving over " + hours(lim.day_max), who + " drove " + hours(total) + " on " + utcDate(d));
  }
  for (std::int64_t w = isoWeekStart(from); w <= isoWeekStart(to); w += 7 * kDayMs) {
    const std::int64_t total = s.log.driven(w, w + 7 * kDayMs);
    if (total > lim.week_max)
      report("weekly:" + utcDate(w), w == this_week, s.log.crossing(w, lim.week_max), w + 7 * kDayMs,
             "Weekly driving over " + hours(lim.week_max),
             who + " drove " + hours(total) + " in the week of " + utcDate(w));
  }
  s.log.pruneBefore(s.last_event_ms - kKeepMs);
}

void DrivingHoursRule::rest(Subject& s, std::int64_t now_ms, const FleetRules& r, Findings& out) {
  const Limits lim(r);
  for (auto it = s.active.begin(); it != s.active.end();) {
    const std::string& key = it->first;
    bool over = false;
    std::int64_t at = now_ms;
    if (key == "continuous") {
      over = now_ms - s.log.lastEnd() >= lim.break_ms;
      at = s.log.lastEnd() + lim.break_ms;
    } else if (key.rfind("daily:", 0) == 0) {
      over = utcDate(utcDayStart(now_ms)) != key.substr(6);
    } else if (key.rfind("weekly:", 0) == 0) {
      over = utcDate(isoWeekStart(now_ms)) != key.substr(7);
    }
    if (!over) {
      ++it;
      continue;
    }
    Finding f;
    f.rule = "driving_hours";
    f.key = key;
    f.active = false;
    f.severity = v1::SEVERITY_HIGH;
    f.at_ms = at;
    f.vehicle = it->second;
    f.driver = s.driver;
    f.detail = key == "continuous" ? "break taken" : "period over";
    out.push_back(std::move(f));
    it = s.active.erase(it);
  }
}

}  // namespace fleetlink::hub::rules
