#include "hub/rules/rule_engine.hpp"

#include <algorithm>

namespace fleetlink::hub::rules {
namespace {
constexpr std::uint8_t kDriving = 3;  // v1::DUTY_STATUS_DRIVING
}

RuleEngine::RuleEngine(RuleBook& book, Options opts) : book_(book), opts_(opts) {}

std::uint32_t RuleEngine::internDriver(const std::string& id) {
  if (id.empty()) return 0;
  auto [it, fresh] = driver_index_.emplace(id, static_cast<std::uint32_t>(drivers_.size()));
  if (fresh) drivers_.push_back(id);
  return it->second;
}

std::string RuleEngine::currentDriver(const std::string& fleet, const std::string& vehicle) const {
  auto it = tracks_.find(fleet + "/" + vehicle);
  return it == tracks_.end() ? std::string() : drivers_[it->second.current.driver];
}

std::size_t RuleEngine::historySize(const std::string& fleet, const std::string& vehicle) const {
  auto it = tracks_.find(fleet + "/" + vehicle);
  return it == tracks_.end() ? 0 : it->second.history.size();
}

void RuleEngine::setRoute(const std::string& fleet, const std::string& vehicle, const std::string& route_id,
                          std::int64_t at_ms) {
  auto& t = tracks_[fleet + "/" + vehicle];
  t.fleet = fleet;
  t.vehicle = vehicle;
  t.route_id = route_id;
  t.route_from_ms = at_ms;
}

RuleEngine::SubjectEntry& RuleEngine::subject(const Track& t, std::uint32_t driver) {
  const std::string key = driver ? t.fleet + "/d/" + drivers_[driver] : t.fleet + "/v/" + t.vehicle;
  auto& s = subjects_[key];
  if (s.fleet.empty()) {
    s.fleet = t.fleet;
    s.hours.driver = drivers_[driver];
  }
  return s;
}

void RuleEngine::addDriving(Track& t, std::uint32_t driver, std::int64_t from, std::int64_t to, const Sample& at) {
  auto& subj = subject(t, driver);
  if (!subj.hours.log.add(from, to)) return;
  const std::string key = driver ? t.fleet + "/d/" + drivers_[driver] : t.fleet + "/v/" + t.vehicle;
  auto& touched = touched_[key];
  touched.from = std::min(touched.from, from);
  touched.to = std::max(touched.to, to);
  touched.vehicle = t.vehicle;
  touched.lat = at.lat;
  touched.lon = at.lon;
}

void RuleEngine::step(Track& t, VehicleState& st, const Sample& s, const RuleBook::Entry& rb, Findings& out) {
  const FleetRules& r = *rb.rules;
  auto& subj = subject(t, st.driver);
  subj.hours.last_event_ms = std::max(subj.hours.last_event_ms, s.time_ms);
  if (s.kind == Sample::Kind::Duty) {
    if (st.duty == kDriving && st.duty_driving_since >= 0 && r.enabled("driving_hours"))
      addDriving(t, st.driver, st.duty_driving_since, s.time_ms, s);
    st.duty = s.duty;
    st.driver = s.driver;
    st.duty_driving_since = s.duty == kDriving ? s.time_ms : -1;
    subject(t, st.driver).hours.last_event_ms =
        std::max(subject(t, st.driver).hours.last_event_ms, s.time_ms);
    return;
  }
  if (s.kind != Sample::Kind::Position) return;
  if (r.enabled("geofence")) GeofenceRule::feed(st.geofence, s, r, rb.version, out);
  if (r.enabled("overspeed")) OverspeedRule::feed(st.overspeed, s, GeofenceRule::limitKph(st.geofence, r), r, out);
  if (r.enabled("route_distance")) {
    const bool on_route = !t.route_id.empty() && s.time_ms >= t.route_from_ms;
    RouteDistanceRule::feed(st.distance, s, on_route ? "route:" + t.route_id : std::string(), r, out);
  }
  if (r.enabled("driving_hours")) {
    const float moving = static_cast<float>(r.moving_speed_kph / 3.6);
    if (st.has_prev && s.time_ms - st.prev_ms <= static_cast<std::int64_t>(r.max_gap_s * 1000) &&
        st.prev_speed >= moving && s.speed_mps >= moving)
      addDriving(t, st.driver, st.prev_ms, s.time_ms, s);
    if (st.duty == kDriving && st.duty_driving_since >= 0) addDriving(t, st.driver, st.duty_driving_since, s.time_ms, s);
  }
  st.has_prev = true;
  st.prev_ms = s.time_ms;
  st.prev_speed = s.speed_mps;
}

void RuleEngine::replayFrom(Track& t, std::tuple<std::int64_t, std::uint64_t> earliest, const RuleBook::Entry& rb,
                            Findings& out) {
  // Restore the last checkpoint strictly before the earliest inserted record.
  while (!t.snaps.empty() && !(t.snaps.back().key < earliest)) t.snaps.pop_back();
  VehicleState st = t.snaps.empty() ? t.base : t.snaps.back().state;
  auto it = t.history.begin();
  if (!t.snaps.empty()) {
    const auto k = t.snaps.back().key;
    it = std::upper_bound(t.history.begin(), t.history.end(), k,
                          [](const auto& key, const Sample& s) { return key < s.key(); });
  }
  ++stats_.replays;
  t.since_snap = 0;
  for (; it != t.history.end(); ++it) {
    step(t, st, *it, rb, out);
    ++stats_.replayed;
    if (++t.since_snap >= opts_.snapshot_every) {
      t.snaps.push_back({it->key(), st});
      t.since_snap = 0;
    }
  }
  t.current = std::move(st);
}

void RuleEngine::trim(Track& t) {
  while (!t.snaps.empty() && !t.history.empty() &&
         (t.history.size() > opts_.history_max_records ||
          t.history.back().time_ms - t.history.front().time_ms > opts_.history_window_ms)) {
    const auto k = t.snaps.front().key;
    while (!t.history.empty() && !(k < t.history.front().key())) t.history.pop_front();
    t.base = std::move(t.snaps.front().state);
    t.snaps.pop_front();
    t.trimmed = true;
  }
}

void RuleEngine::ingest(const std::string& fleet, const std::string& vehicle, std::vector<Sample> samples,
                        std::int64_t now_ms, Findings& out) {
  if (samples.empty()) return;
  auto& t = tracks_[fleet + "/" + vehicle];
  if (t.fleet.empty()) {
    t.fleet = fleet;
    t.vehicle = vehicle;
  }
  const auto& rb = book_.get(fleet);
  for (auto& s : samples) s.order = t.next_order++;
  std::sort(samples.begin(), samples.end(), before);
  stats_.samples += samples.size();
  touched_.clear();
  const std::size_t first_out = out.size();

  bool late = false;
  std::tuple<std::int64_t, std::uint64_t> earliest{INT64_MAX, 0};
  for (const auto& s : samples) {
    if (t.history.empty() || t.history.back().key() < s.key()) {
      if (!late) {  // in order so far: feed directly
        step(t, t.current, s, rb, out);
        if (++t.since_snap >= opts_.snapshot_every) {
          t.snaps.push_back({s.key(), t.current});
          t.since_snap = 0;
        }
      }
      t.history.push_back(s);
    } else if (t.trimmed && s.key() < t.history.front().key()) {
      ++stats_.lane;
      step(t, t.lane, s, rb, out);  // older than anything retained: in arrival order
    } else {
      auto pos = std::upper_bound(t.history.begin(), t.history.end(), s, before);
      t.history.insert(pos, s);
      if (s.key() < earliest) earliest = s.key();
      late = true;
    }
  }
  if (late) replayFrom(t, earliest, rb, out);
  trim(t);

  // Driving hours of every subject touched, and the break check of the vehicle's current subject.
  const FleetRules& r = *rb.rules;
  auto& cur = subject(t, t.current.driver);
  cur.last_arrival_ms = now_ms;
  if (r.enabled("driving_hours")) {
    for (auto& [key, touched] : touched_) {
      auto& subj = subjects_[key];
      subj.last_arrival_ms = now_ms;
      DrivingHoursRule::evaluate(subj.hours, touched.from, touched.to, touched.vehicle, r, touched.lat, touched.lon,
                                 out);
    }
    DrivingHoursRule::rest(cur.hours, cur.hours.last_event_ms, r, out);
  }
  touched_.clear();
  for (std::size_t i = first_out; i < out.size(); ++i)
    if (out[i].vehicle.empty()) out[i].vehicle = vehicle;
}

void RuleEngine::tick(std::int64_t now_ms,
                      const std::function<void(const std::string& fleet, const Findings&)>& out) {
  for (auto& [key, subj] : subjects_) {
    if (subj.hours.active.empty()) continue;
    const auto& r = *book_.get(subj.fleet).rules;
    // Event time moves on with the hub's clock while nothing arrives (the vehicle is parked and silent).
    const std::int64_t event_now = subj.hours.last_event_ms + std::max<std::int64_t>(0, now_ms - subj.last_arrival_ms);
    Findings f;
    DrivingHoursRule::rest(subj.hours, event_now, r, f);
    if (!f.empty()) out(subj.fleet, f);
  }
}

}  // namespace fleetlink::hub::rules
