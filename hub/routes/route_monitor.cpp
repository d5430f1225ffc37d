#include "hub/routes/route_monitor.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "fleetlink/common/geo.hpp"
#include "fleetlink/common/ids.hpp"

namespace fleetlink::hub::routes {
namespace {

Expected<double> num(const nlohmann::json& o, const char* key, const std::string& where, bool required, double dflt) {
  if (!o.contains(key) || o[key].is_null()) {
    if (required) return Error{where + ": \"" + key + "\" is required"};
    return dflt;
  }
  if (!o[key].is_number()) return Error{where + ": \"" + key + "\" must be a number"};
  return o[key].get<double>();
}

}  // namespace

Expected<v1::RouteProgress> parseRoute(const nlohmann::json& route) {
  if (!route.is_object()) return Error{"\"route\" must be an object with route_id and drops"};
  v1::RouteProgress p;
  const std::string id = route.value("route_id", std::string());
  if (!isValidId(id)) return Error{"route.route_id must be 1-64 letters, digits, '_' or '-'"};
  p.set_route_id(id);
  p.set_name(route.value("name", id));
  if (!route.contains("drops") || !route["drops"].is_array() || route["drops"].empty())
    return Error{"route.drops must be a non-empty array of {drop_id, lat, lon, ...}"};
  for (std::size_t i = 0; i < route["drops"].size(); ++i) {
    const auto& d = route["drops"][i];
    const std::string where = "route.drops[" + std::to_string(i) + "]";
    if (!d.is_object()) return Error{where + " must be an object"};
    auto* ds = p.add_drops();
    const std::string did = d.value("drop_id", std::string());
    if (did.empty() || did.size() > 64) return Error{where + ": \"drop_id\" is required"};
    for (const auto& other : p.drops())
      if (&other != ds && other.drop_id() == did) return Error{where + ": drop_id \"" + did + "\" is used twice"};
    ds->set_drop_id(did);
    ds->set_name(d.value("name", did));
    auto lat = num(d, "lat", where, true, 0);
    auto lon = num(d, "lon", where, true, 0);
    auto radius = num(d, "radius_m", where, false, 75);
    auto ws = num(d, "window_start_ms", where, false, 0);
    auto we = num(d, "window_end_ms", where, false, 0);
    for (auto* e : {&lat, &lon, &radius, &ws, &we})
      if (!*e) return e->error();
    if (!geo::isValid({*lat, *lon})) return Error{where + ": lat/lon is not a valid coordinate"};
    if (*radius < 5 || *radius > 50'000) return Error{where + ": radius_m must be between 5 and 50000"};
    if (*we != 0 && *ws > *we) return Error{where + ": window_start_ms is after window_end_ms"};
    ds->set_lat(*lat);
    ds->set_lon(*lon);
    ds->set_radius_m(*radius);
    ds->set_window_start_ms(static_cast<std::int64_t>(*ws));
    ds->set_window_end_ms(static_cast<std::int64_t>(*we));
    ds->set_state("pending");
  }
  p.set_total(static_cast<std::uint32_t>(p.drops_size()));
  return p;
}

RouteMonitor::RouteMonitor(v1::RouteProgress route, Options opts)
    : p_(std::move(route)), opts_(opts), delayed_(static_cast<std::size_t>(p_.drops_size())),
      alerted_(static_cast<std::size_t>(p_.drops_size())) {
  for (int i = 0; i < p_.drops_size(); ++i) {
    const auto& s = p_.drops(i).state();
    delayed_[static_cast<std::size_t>(i)] = s == "late" || s == "missed";
  }
  p_.set_total(static_cast<std::uint32_t>(p_.drops_size()));
}

void RouteMonitor::reassign(const std::string& vehicle, std::int64_t now_ms) {
  p_.set_vehicle_id(vehicle);
  has_fix_ = false;
  speed_ema_ = 0;
  for (auto& d : *p_.mutable_drops())
    if (d.state() == "arrived") d.set_state("pending");  // the new vehicle has not been there
  recount(now_ms);
}

void RouteMonitor::recount(std::int64_t now_ms) {
  std::uint32_t completed = 0, in_progress = 0, delayed = 0;
  for (int i = 0; i < p_.drops_size(); ++i) {
    const auto& s = p_.drops(i).state();
    if (s == "completed") ++completed;
    if (s == "arrived") ++in_progress;
    if (delayed_[static_cast<std::size_t>(i)]) ++delayed;
  }
  p_.set_completed(completed);
  p_.set_in_progress(in_progress);
  p_.set_delayed(delayed);
  p_.set_updated_at_ms(now_ms);
}

rules::Finding RouteMonitor::delayFinding(const v1::DropStatus& d, bool active, bool missed, std::int64_t at_ms) const {
  rules::Finding f;
  f.rule = "route_delay";
  f.key = p_.route_id() + ":" + d.drop_id();
  f.active = active;
  f.severity = missed ? v1::SEVERITY_HIGH : v1::SEVERITY_MEDIUM;
  f.since_ms = at_ms;
  f.at_ms = at_ms;
  f.title = std::string(missed ? "Missed delivery window: " : "Delivery will be late: ") + d.name();
  f.detail = active ? "route " + p_.name() + ", drop " + d.drop_id() : "arrived at " + d.name();
  f.lat = d.lat();
  f.lon = d.lon();
  f.vehicle = p_.vehicle_id();
  return f;
}

bool RouteMonitor::onFix(double lat, double lon, double speed_mps, std::int64_t time_ms, rules::Findings& out) {
  bool changed = false;
  const geo::LatLon here{lat, lon};
  if (has_fix_) {
    const double d = geo::distanceM({lat_, lon_}, here);
    if (d < 10'000) p_.set_driven_m(p_.driven_m() + d);
    changed = d > 0;
  }
  // Recent speed: exponential average, about the last minute at one fix a second.
  speed_ema_ = has_fix_ ? speed_ema_ * 0.98 + speed_mps * 0.02 : speed_mps;
  for (int i = 0; i < p_.drops_size(); ++i) {
    auto& d = *p_.mutable_drops(i);
    const geo::Circle c{{d.lat(), d.lon()}, d.radius_m()};
    const bool inside = geo::contains(c, here);
    const bool passed = !inside && has_fix_ && geo::segmentIntersects(c, {lat_, lon_}, here);
    const bool done = d.state() == "completed";
    if (done) continue;
    if (d.state() == "arrived") {
      if (!inside) {
        d.set_state("completed");
        d.set_departed_at_ms(time_ms);
        changed = true;
      }
      continue;
    }
    if (inside || passed) {
      d.set_arrived_at_ms(time_ms);
      if (d.window_end_ms() > 0 && time_ms > d.window_end_ms()) delayed_[static_cast<std::size_t>(i)] = true;
      if (passed) {
        d.set_state("completed");
        d.set_departed_at_ms(time_ms);
      } else {
        d.set_state("arrived");
      }
      if (alerted_[static_cast<std::size_t>(i)]) {
        alerted_[static_cast<std::size_t>(i)] = false;
        out.push_back(delayFinding(d, false, false, time_ms));
      }
      changed = true;
    }
  }
  has_fix_ = true;
  lat_ = lat;
  lon_ = lon;
  fix_ms_ = time_ms;
  changed |= evaluateDelays(time_ms, out);
  if (changed) recount(time_ms);
  return changed;
}

bool RouteMonitor::tick(std::int64_t now_ms, rules::Findings& out) {
  const bool changed = evaluateDelays(now_ms, out);
  if (changed) recount(now_ms);
  return changed;
}

bool RouteMonitor::evaluateDelays(std::int64_t now_ms, rules::Findings& out) {
  bool changed = false;
  // ETAs chain through the remaining drops in order, from the last fix.
  double eta_ms = static_cast<double>(std::max(now_ms, fix_ms_));
  geo::LatLon from{lat_, lon_};
  const double speed = std::max(speed_ema_, opts_.min_speed_mps);
  for (int i = 0; i < p_.drops_size(); ++i) {
    auto& d = *p_.mutable_drops(i);
    const std::string& s = d.state();
    if (s == "completed" || s == "arrived") {
      from = {d.lat(), d.lon()};
      continue;
    }
    if (has_fix_) {
      eta_ms += std::max(0.0, geo::distanceM(from, {d.lat(), d.lon()}) - d.radius_m()) * opts_.road_factor / speed * 1000;
      from = {d.lat(), d.lon()};
    }
    if (d.window_end_ms() <= 0) continue;
    std::string next = "pending";
    if (now_ms > d.window_end_ms()) next = "missed";
    else if (has_fix_ && eta_ms > static_cast<double>(d.window_end_ms())) next = "late";
    if (next != s) {
      d.set_state(next);
      changed = true;
      const auto idx = static_cast<std::size_t>(i);
      if (next != "pending") {
        delayed_[idx] = true;
        if (!alerted_[idx]) {
          alerted_[idx] = true;
          out.push_back(delayFinding(d, true, next == "missed", now_ms));
        }
      }
    }
  }
  return changed;
}

}  // namespace fleetlink::hub::routes
