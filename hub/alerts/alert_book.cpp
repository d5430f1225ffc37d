#include "hub/alerts/alert_book.hpp"

#include <cstdio>
#include <cstdlib>
#include <random>

namespace fleetlink::hub::alerts {
namespace {
constexpr std::size_t kRecentEpisodes = 16;
constexpr std::size_t kRecentOpenings = 32;
}  // namespace

std::string newAlertId() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ static_cast<std::uint64_t>(monotonicMs()));
  char buf[24];
  std::snprintf(buf, sizeof buf, "al-%012llx", static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
  return buf;
}

AlertBook::AlertBook(const Clock& clock, Options opts, std::function<std::string()> new_id)
    : clock_(clock), opts_(opts), new_id_(new_id ? std::move(new_id) : std::function<std::string()>(newAlertId)) {}

std::string AlertBook::condition(const std::string& fleet, const std::string& vehicle, const std::string& rule,
                                 const std::string& key) {
  return fleet + "|" + vehicle + "|" + rule + "|" + key;
}

AlertChange AlertBook::change(const Entry& e, std::string transition, std::string actor, std::string note) {
  AlertChange c;
  c.alert = e.alert;
  c.transition = std::move(transition);
  c.actor = std::move(actor);
  c.note = std::move(note);
  c.at_ms = e.alert.updated_at_ms();
  c.cond_key = e.cond_key;
  c.cond_since_ms = e.since;
  c.cond_until_ms = e.until;
  return c;
}

bool AlertBook::inCooldown(const std::string& rule_key, std::int64_t since) const {
  auto it = opened_.find(rule_key);
  if (it == opened_.end()) return false;
  for (std::int64_t t : it->second)
    if (std::llabs(since - t) < opts_.cooldown_ms) return true;
  return false;
}

std::vector<AlertChange> AlertBook::apply(const std::string& fleet, const std::string& vehicle, const rules::Finding& f) {
  std::vector<AlertChange> out;
  const std::string cond = condition(fleet, vehicle, f.rule, f.key);
  const std::int64_t now = clock_.nowMs();
  auto active_it = by_condition_.find(cond);

  if (!f.active) {
    if (active_it == by_condition_.end()) {
      // A replay after late data may end an already resolved episode at another time: keep the episode's
      // extent current so later conditions are matched against what really happened.
      if (auto it = recent_.find(cond); it != recent_.end())
        for (auto& ep : it->second)
          if (ep.since == f.since_ms && ep.until != INT64_MAX) ep.until = f.at_ms;
      return out;
    }
    Entry& e = active_.at(active_it->second);
    e.until = f.at_ms;
    e.alert.set_state(v1::ALERT_STATE_RESOLVED);
    e.alert.set_updated_at_ms(now);
    e.alert.set_updated_by("rules");
    e.alert.set_note(f.detail.empty() ? "condition cleared" : f.detail);
    out.push_back(change(e, "resolved", "rules", e.alert.note()));
    auto& eps = recent_[cond];
    eps.push_back({e.since, e.until});
    if (eps.size() > kRecentEpisodes) eps.pop_front();
    active_.erase(active_it->second);
    by_condition_.erase(active_it);
    return out;
  }

  if (active_it != by_condition_.end()) {
    ++counts_.duplicates;
    return out;
  }
  // The same condition reported again (a replay after late data): matches an episode already alerted.
  if (auto it = recent_.find(cond); it != recent_.end()) {
    for (const auto& ep : it->second)
      if (f.since_ms <= ep.until && f.at_ms >= ep.since) {
        ++counts_.duplicates;
        return out;
      }
  }
  const std::string rule_key = fleet + "|" + vehicle + "|" + f.rule;
  const bool exempt = f.rule == "panic" || f.rule == "hub_health";
  if (!exempt && inCooldown(rule_key, f.since_ms)) {
    ++counts_.suppressed;
    return out;
  }
  auto& starts = opened_[rule_key];
  starts.push_back(f.since_ms);
  if (starts.size() > kRecentOpenings) starts.pop_front();

  Entry e;
  e.cond_key = f.rule + "|" + f.key;
  e.since = f.since_ms;
  v1::Alert& a = e.alert;
  a.set_alert_id(new_id_());
  a.set_fleet_id(fleet);
  a.set_vehicle_id(vehicle);
  a.set_driver_id(f.driver);
  a.set_rule(f.rule);
  a.set_severity(f.severity);
  a.set_state(v1::ALERT_STATE_OPEN);
  a.set_title(f.title);
  a.set_detail(f.detail);
  a.set_opened_at_ms(now);
  a.set_updated_at_ms(now);
  a.set_updated_by("rules");
  a.set_lat(f.lat);
  a.set_lon(f.lon);
  ++counts_.opened;
  out.push_back(change(e, "opened", "rules", ""));
  by_condition_[cond] = a.alert_id();
  active_.emplace(a.alert_id(), std::move(e));
  return out;
}

std::vector<AlertChange> AlertBook::applyAll(const std::string& fleet, const std::string& vehicle,
                                            const rules::Findings& fs) {
  std::vector<AlertChange> out;
  for (std::size_t i = 0; i < fs.size(); ++i) {
    rules::Finding f = fs[i];
    if (f.active)
      for (std::size_t j = i + 1; j < fs.size(); ++j)
        if (!fs[j].active && fs[j].rule == f.rule && fs[j].key == f.key && fs[j].since_ms == f.since_ms &&
            fs[j].vehicle == f.vehicle) {
          f.at_ms = std::max(f.at_ms, fs[j].at_ms);
          break;
        }
    for (auto& c : apply(fleet, f.vehicle.empty() ? vehicle : f.vehicle, f)) out.push_back(std::move(c));
  }
  return out;
}

Expected<AlertBook::Entry*> AlertBook::find(const std::string& fleet, const std::string& alert_id) {
  auto it = active_.find(alert_id);
  if (it == active_.end() || it->second.alert.fleet_id() != fleet)
    return Error{"no open or acknowledged alert with id \"" + alert_id + "\" in fleet " + fleet +
                 " (alerts.list state=active shows them)"};
  return &it->second;
}

Expected<AlertChange> AlertBook::acknowledge(const std::string& fleet, const std::string& alert_id,
                                             const std::string& actor, const std::string& note) {
  auto e = find(fleet, alert_id);
  if (!e) return e.error();
  Entry& en = **e;
  if (en.alert.state() == v1::ALERT_STATE_ACKNOWLEDGED) return Error{"alert " + alert_id + " is already acknowledged"};
  en.alert.set_state(v1::ALERT_STATE_ACKNOWLEDGED);
  en.alert.set_updated_at_ms(clock_.nowMs());
  en.alert.set_updated_by(actor);
  en.alert.set_note(note);
  return change(en, "acknowledged", actor, note);
}

Expected<AlertChange> AlertBook::resolve(const std::string& fleet, const std::string& alert_id,
                                         const std::string& actor, const std::string& note) {
  if (note.empty()) return Error{"resolving an alert needs a note saying what was done (note=...)"};
  auto e = find(fleet, alert_id);
  if (!e) return e.error();
  Entry en = **e;
  en.alert.set_state(v1::ALERT_STATE_RESOLVED);
  en.alert.set_updated_at_ms(clock_.nowMs());
  en.alert.set_updated_by(actor);
  en.alert.set_note(note);
  en.until = 0;
  auto c = change(en, "resolved", actor, note);
  // The condition may still hold: the rule reports it again only after it clears and recurs.
  for (auto it = by_condition_.begin(); it != by_condition_.end(); ++it)
    if (it->second == alert_id) {
      recent_[it->first].push_back({en.since, INT64_MAX});
      by_condition_.erase(it);
      break;
    }
  active_.erase(alert_id);
  return c;
}

Expected<AlertChange> AlertBook::escalate(const std::string& fleet, const std::string& alert_id,
                                          const std::string& actor, const std::string& note) {
  auto e = find(fleet, alert_id);
  if (!e) return e.error();
  Entry& en = **e;
  en.alert.set_escalated(true);
  en.alert.set_updated_at_ms(clock_.nowMs());
  en.alert.set_updated_by(actor);
  en.alert.set_note(note);
  return change(en, "escalated", actor, note);
}

std::vector<AlertChange> AlertBook::escalateOverdue() {
  std::vector<AlertChange> out;
  const std::int64_t now = clock_.nowMs();
  for (auto& [id, e] : active_) {
    auto& a = e.alert;
    if (a.severity() == v1::SEVERITY_CRITICAL && a.state() == v1::ALERT_STATE_OPEN && !a.escalated() &&
        now - a.opened_at_ms() >= opts_.escalate_after_ms) {
      a.set_escalated(true);
      a.set_updated_at_ms(now);
      a.set_updated_by("hub");
      a.set_note("not acknowledged within " + std::to_string(opts_.escalate_after_ms / 1000) + " s");
      out.push_back(change(e, "escalated", "hub", a.note()));
    }
  }
  return out;
}

void AlertBook::restore(const AlertChange& stored) {
  const auto& a = stored.alert;
  if (a.state() == v1::ALERT_STATE_RESOLVED) return;
  Entry e;
  e.alert = a;
  e.cond_key = stored.cond_key;
  e.since = stored.cond_since_ms;
  const auto bar = stored.cond_key.find('|');
  const std::string rule = stored.cond_key.substr(0, bar);
  const std::string key = bar == std::string::npos ? "" : stored.cond_key.substr(bar + 1);
  by_condition_[condition(a.fleet_id(), a.vehicle_id(), rule, key)] = a.alert_id();
  opened_[a.fleet_id() + "|" + a.vehicle_id() + "|" + rule].push_back(e.since);
  active_[a.alert_id()] = std::move(e);
}

const v1::Alert* AlertBook::active(const std::string& alert_id) const {
  auto it = active_.find(alert_id);
  return it == active_.end() ? nullptr : &it->second.alert;
}

const v1::Alert* AlertBook::activeFor(const std::string& fleet, const std::string& vehicle, const std::string& rule,
                                      const std::string& key) const {
  auto it = by_condition_.find(condition(fleet, vehicle, rule, key));
  return it == by_condition_.end() ? nullptr : active(it->second);
}

std::vector<v1::Alert> AlertBook::activeAlerts(const std::string& fleet) const {
  std::vector<v1::Alert> out;
  for (const auto& [id, e] : active_)
    if (fleet.empty() || e.alert.fleet_id() == fleet) out.push_back(e.alert);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.opened_at_ms() > b.opened_at_ms(); });
  return out;
}

}  // namespace fleetlink::hub::alerts
