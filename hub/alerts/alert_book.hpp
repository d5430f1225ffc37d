#pragma once
// Alerts with a lifecycle: open -> acknowledged -> resolved. Turns rule findings into alerts, de-duplicating
// (one alert per condition), matching a condition reported again after a replay to the alert it already has,
// applying the cooldown per rule and vehicle in event time (panic exempt), auto-resolving when the condition
// clears and escalating critical alerts left unacknowledged. Pure logic with an injected clock; not
// thread-safe (the hub's core thread owns it).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/expected.hpp"
#include "fleetlink/v1/fleetlink.pb.h"
#include "hub/rules/finding.hpp"

namespace fleetlink::hub::alerts {

// One state change of an alert, as published, stored and shown in its history.
struct AlertChange {
  v1::Alert alert;         // the alert after the change
  std::string transition;  // "opened", "acknowledged", "resolved", "escalated", "updated"
  std::string actor;
  std::string note;
  std::int64_t at_ms = 0;
  // The condition the alert stands for, kept with it so a restarted hub can match findings again.
  std::string cond_key;
  std::int64_t cond_since_ms = 0;
  std::int64_t cond_until_ms = 0;  // 0 while the condition holds
};

class AlertBook {
 public:
  struct Options {
    std::int64_t cooldown_ms = 300'000;
    std::int64_t escalate_after_ms = 300'000;
  };
  struct Counts {
    std::uint64_t opened = 0, suppressed = 0, duplicates = 0;
  };

  AlertBook(const Clock& clock, Options opts, std::function<std::string()> new_id = {});

  // Applies one finding for (fleet, vehicle); returns the changes to publish (none when de-duplicated).
  std::vector<AlertChange> apply(const std::string& fleet, const std::string& vehicle, const rules::Finding& f);
  // Applies the findings of one evaluation in order (a finding's own vehicle wins over `vehicle`). A raise
  // followed by the clear of the same condition counts as evidence for the whole stretch when matching it
  // against episodes already alerted (a replay may see an episode start earlier than live data did).
  std::vector<AlertChange> applyAll(const std::string& fleet, const std::string& vehicle, const rules::Findings& fs);

  Expected<AlertChange> acknowledge(const std::string& fleet, const std::string& alert_id, const std::string& actor,
                                    const std::string& note);
  Expected<AlertChange> resolve(const std::string& fleet, const std::string& alert_id, const std::string& actor,
                                const std::string& note);
  Expected<AlertChange> escalate(const std::string& fleet, const std::string& alert_id, const std::string& actor,
                                 const std::string& note);
  // Critical alerts open (not acknowledged) for longer than escalate_after: escalated once each.
  std::vector<AlertChange> escalateOverdue();

  // Reloads an alert that was active when the hub stopped.
  void restore(const AlertChange& stored);

  // Active (open or acknowledged) alert by id, or of a condition.
  const v1::Alert* active(const std::string& alert_id) const;
  const v1::Alert* activeFor(const std::string& fleet, const std::string& vehicle, const std::string& rule,
                             const std::string& key) const;
  std::vector<v1::Alert> activeAlerts(const std::string& fleet) const;
  std::size_t activeCount() const { return active_.size(); }
  const Counts& counts() const { return counts_; }
  void setOptions(Options o) { opts_ = o; }

 private:
  struct Entry {
    v1::Alert alert;
    std::string cond_key;  // rule|key
    std::int64_t since = 0, until = 0;
  };
  struct Episode {
    std::int64_t since, until;
  };
  static std::string condition(const std::string& fleet, const std::string& vehicle, const std::string& rule,
                               const std::string& key);
  AlertChange change(const Entry& e, std::string transition, std::string actor, std::string note);
  Expected<Entry*> find(const std::string& fleet, const std::string& alert_id);
  bool inCooldown(const std::string& rule_key, std::int64_t since) const;

  const Clock& clock_;
  Options opts_;
  std::function<std::string()> new_id_;
  std::unordered_map<std::string, Entry> active_;                // alert id -> entry
  std::unordered_map<std::string, std::string> by_condition_;    // condition -> active alert id
  std::unordered_map<std::string, std::deque<Episode>> recent_;  // condition -> recently resolved episodes
  std::unordered_map<std::string, std::deque<std::int64_t>> opened_;  // fleet|vehicle|rule -> condition starts
  Counts counts_;
};

std::string newAlertId();

}  // namespace fleetlink::hub::alerts
