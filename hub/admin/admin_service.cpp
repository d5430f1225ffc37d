#include "hub/admin/admin_service.hpp"

#include <google/protobuf/util/json_util.h>

#include "fleetlink/common/ids.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"
#include "fleetlink/common/wire_json.hpp"
#include "hub/store/track_export.hpp"

namespace fleetlink::hub::admin {
namespace {

using nlohmann::json;
const log::Logger kLog("hub.admin");

// Argument helpers: each error says which argument and what it should be.
Expected<std::string> str(const json& a, const char* key, bool required = true, const std::string& dflt = "") {
  if (!a.contains(key) || a[key].is_null()) {
    if (required) return Error{"missing argument \"" + std::string(key) + "\""};
    return dflt;
  }
  if (!a[key].is_string()) return Error{"argument \"" + std::string(key) + "\" must be text"};
  return a[key].get<std::string>();
}

Expected<std::string> id(const json& a, const char* key) {
  auto s = str(a, key);
  if (!s) return s;
  if (!isValidId(*s)) return Error{"argument \"" + std::string(key) + "\" is not a valid id: \"" + s->substr(0, 64) + "\""};
  return s;
}

Expected<std::int64_t> integer(const json& a, const char* key, std::int64_t dflt) {
  if (!a.contains(key) || a[key].is_null()) return dflt;
  if (a[key].is_number()) return static_cast<std::int64_t>(a[key].get<double>());
  if (a[key].is_string()) {  // proto3 JSON writes int64 as strings
    try {
      return static_cast<std::int64_t>(std::stoll(a[key].get<std::string>()));
    } catch (...) {
    }
  }
  return Error{"argument \"" + std::string(key) + "\" must be a number"};
}

}  // namespace

google::protobuf::Value toValue(const json& j) {
  google::protobuf::Value v;
  (void)google::protobuf::util::JsonStringToMessage(j.dump(), &v);
  return v;
}

json fromStruct(const google::protobuf::Struct& s) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(s, &out);
  auto j = json::parse(out, nullptr, false);
  return j.is_discarded() ? json::object() : j;
}

std::string responseJson(const v1::AdminResponse& r) {
  auto j = json::parse(wire::toJson(r), nullptr, false);
  if (j.is_discarded()) return wire::toJson(r);
  j["ok"] = r.ok();
  return j.dump();
}

std::string encodeResponse(const v1::AdminResponse& r, wire::Encoding enc) {
  return enc == wire::Encoding::Json ? responseJson(r) : wire::encodeAdminResponse(r, enc);
}

json protoJson(const google::protobuf::Message& m) { return json::parse(wire::toJson(m), nullptr, false); }

json AdminService::vehicleJson(const state::VehicleView& v) {
  json j = {{"vehicle", v.vehicle},
            {"status", std::string(state::statusName(v.status))},
            {"driver", v.driver},
            {"last_seen_ms", v.last_seen_ms},
            {"route_id", v.route_id},
            {"device", v.device}};
  if (v.has_position) {
    j["lat"] = v.position.lat();
    j["lon"] = v.position.lon();
    j["speed_mps"] = v.position.speed_mps();
    j["heading_deg"] = v.position.heading_deg();
    j["position_time_ms"] = v.position_time_ms;
  } else {
    j["lat"] = nullptr;
    j["lon"] = nullptr;
    j["speed_mps"] = nullptr;
    j["heading_deg"] = nullptr;
  }
  j["health"] = v.has_health ? protoJson(v.health) : json(nullptr);
  return j;
}

AdminService::AdminService(CoreParts parts) : p_(parts) { define(); }

v1::AdminResponse AdminService::handle(const std::string& fleet, const v1::AdminRequest& request) {
  v1::AdminResponse res;
  res.set_action(request.action());
  auto result = run(fleet, request.action(), request.actor(), fromStruct(request.args()));
  if (result) {
    res.set_ok(true);
    *res.mutable_result() = toValue(*result);
  } else {
    res.set_ok(false);
    res.set_error(result.error().message);
  }
  return res;
}

Expected<json> AdminService::run(const std::string& fleet, const std::string& action, const std::string& actor,
                                 const json& args) {
  static auto& ok = metrics::global().counter("fleetlink_hub_admin_requests_total", "admin requests", {{"result", "ok"}});
  static auto& bad = metrics::global().counter("fleetlink_hub_admin_requests_total", "admin requests", {{"result", "error"}});
  auto it = actions_.find(action);
  Expected<json> result = it == actions_.end()
                              ? Expected<json>(Error{"unknown action \"" + action.substr(0, 64) +
                                                     "\" (docs/admin-actions.md lists the actions)"})
                              : it->second.fn(fleet, actor.empty() ? "unknown" : actor, args.is_object() ? args : json::object());
  (result ? ok : bad).inc();
  if (it != actions_.end() && it->second.mutating) {
    store::AuditRow row;
    row.fleet = fleet;
    row.at_ms = p_.clock.nowMs();
    row.actor = actor.empty() ? "unknown" : actor;
    row.action = action;
    row.args = args.dump();
    row.ok = result.ok();
    row.result = result ? std::string("ok") : result.error().message;
    p_.store.addAudit(std::move(row));
    kLog.info("admin action", {{"fleet", fleet}, {"actor", actor}, {"action", action},
                               {"result", result ? std::string("ok") : result.error().message}});
  }
  return result;
}

void AdminService::define() {
  auto& p = p_;
  auto add = [&](const std::string& name, bool mutating, Action fn) { actions_[name] = {std::move(fn), mutating}; };

  // ---- vehicles and commands ----
  add("vehicles.list", false, [&p](const std::string& fleet, const std::string&, const json&) -> Expected<json> {
    json out = json::array();
    for (const auto* v : p.vehicles.list(fleet)) out.push_back(vehicleJson(*v));
    return out;
  });
  add("vehicles.get", false, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    auto v = id(a, "vehicle");
    if (!v) return v.error();
    const auto* view = p.vehicles.find(fleet, *v);
    if (!view) return Error{"no vehicle \"" + *v + "\" has been seen in fleet " + fleet};
    return vehicleJson(*view);
  });
  add("vehicles.command", true, [&p](const std::string& fleet, const std::string& actor, const json& a) -> Expected<json> {
    auto v = id(a, "vehicle");
    if (!v) return v.error();
    auto kind = str(a, "kind");
    if (!kind) return kind.error();
    auto ttl = integer(a, "ttl_s", 86400);
    if (!ttl) return ttl.error();
    if (*ttl <= 0 || *ttl > 30 * 86400) return Error{"ttl_s must be between 1 and 2592000"};
    v1::Command cmd;
    if (*kind == "ping") {
      cmd.mutable_ping()->set_sent_at_ms(p.clock.nowMs());
    } else if (*kind == "resync") {
      cmd.mutable_resync();
    } else if (*kind == "config") {
      if (!a.contains("set") || !a["set"].is_object() || a["set"].empty())
        return Error{"kind config needs \"set\": an object of \"section.key\" -> value"};
      for (auto it = a["set"].begin(); it != a["set"].end(); ++it) {
        if (it.key().find('.') == std::string::npos)
          return Error{"config key \"" + it.key() + "\" must be written as section.key"};
        (*cmd.mutable_config_update()->mutable_set())[it.key()] =
            it->is_string() ? it->get<std::string>() : it->dump();
      }
      if (a.contains("expected_config_hash") && a["expected_config_hash"].is_string())
        cmd.mutable_config_update()->set_expected_config_hash(a["expected_config_hash"].get<std::string>());
    } else {
      return Error{"kind must be ping, resync or config, got \"" + kind->substr(0, 32) + "\""};
    }
    cmd.set_expires_at_ms(p.clock.nowMs() + *ttl * 1000);
    cmd.set_issued_by(actor);
    auto row = p.effects.sendCommand(fleet, *v, *kind, std::move(cmd));
    return json{{"command_id", row.command_id}, {"state", row.state}};
  });
  add("commands.list", false, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    auto v = str(a, "vehicle", false);
    auto st = str(a, "state", false);
    if (!v) return v.error();
    if (!st) return st.error();
    p.store.flush();
    auto rows = p.store.commands(fleet, *v, *st);
    if (!rows) return rows.error();
    json out = json::array();
    for (const auto& r : *rows)
      out.push_back({{"command_id", r.command_id}, {"vehicle", r.vehicle}, {"kind", r.kind}, {"state", r.state},
                     {"detail", r.detail}, {"issued_at_ms", r.issued_at_ms}, {"updated_at_ms", r.updated_at_ms},
                     {"issued_by", r.issued_by}});
    return out;
  });
  add("drivers.message", true, [&p](const std::string& fleet, const std::string& actor, const json& a) -> Expected<json> {
    auto text = str(a, "text");
    if (!text) return text.error();
    if (text->empty() || text->size() > 2000) return Error{"text must be 1 to 2000 characters"};
    std::vector<std::string> targets;
    if (a.contains("vehicles") && a["vehicles"].is_string() && a["vehicles"] == "all") {
      for (const auto* v : p.vehicles.list(fleet)) targets.push_back(v->vehicle);
    } else if (a.contains("vehicles") && a["vehicles"].is_array()) {
      for (const auto& v : a["vehicles"]) {
        if (!v.is_string() || !isValidId(v.get<std::string>())) return Error{"vehicles must hold vehicle ids"};
        targets.push_back(v.get<std::string>());
      }
    } else {
      return Error{"missing argument \"vehicles\": an array of vehicle ids, or \"all\""};
    }
    if (targets.empty()) return Error{"no vehicles to message"};
    const bool urgent = a.value("urgent", false);
    json out = json::array();
    for (const auto& v : targets) {
      v1::Command cmd;
      auto* m = cmd.mutable_driver_message();
      m->set_message_id(newCommandId());
      m->set_text(*text);
      m->set_from(actor);
      m->set_sent_at_ms(p.clock.nowMs());
      m->set_urgent(urgent);
      cmd.set_issued_by(actor);
      cmd.set_expires_at_ms(p.clock.nowMs() + 86'400'000);
      auto row = p.effects.sendCommand(fleet, v, "driver_message", std::move(cmd));
      out.push_back({{"vehicle", v}, {"command_id", row.command_id}, {"state", row.state}});
    }
    return out;
  });

  // ---- alerts ----
  add("alerts.list", false, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    store::AlertQuery q;
    q.fleet = fleet;
    auto st = str(a, "state", false);
    auto v = str(a, "vehicle", false);
    auto r = str(a, "rule", false);
    auto since = integer(a, "since_ms", 0);
    auto limit = integer(a, "limit", 200);
    for (auto* e : {&st, &v, &r})
      if (!*e) return e->error();
    if (!since) return since.error();
    if (!limit) return limit.error();
    if (!st->empty() && *st != "open" && *st != "acknowledged" && *st != "resolved" && *st != "active")
      return Error{"state must be open, acknowledged, resolved or active"};
    q.state = *st;
    q.vehicle = *v;
    q.rule = *r;
    q.since_ms = *since;
    q.limit = static_cast<int>(std::clamp<std::int64_t>(*limit, 1, 10'000));
    p.store.flush();
    auto rows = p.store.alerts(q);
    if (!rows) return rows.error();
    json out = json::array();
    for (const auto& al : *rows) out.push_back(protoJson(al));
    return out;
  });
  add("alerts.get", false, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    auto aid = str(a, "alert_id");
    if (!aid) return aid.error();
    p.store.flush();
    auto al = p.store.alert(fleet, *aid);
    if (!al) return al.error();
    if (!*al) return Error{"no alert with id \"" + aid->substr(0, 64) + "\" in fleet " + fleet};
    json out = protoJson(**al);
    auto hist = p.store.alertHistory(fleet, *aid);
    if (!hist) return hist.error();
    json h = json::array();
    for (const auto& c : *hist)
      h.push_back({{"state", std::string(wire::alertStateName(c.alert.state()))}, {"transition", c.transition},
                   {"actor", c.actor}, {"note", c.note}, {"at_ms", c.at_ms}});
    out["history"] = h;
    return out;
  });
  auto lifecycle = [&p](auto member) {
    return [&p, member](const std::string& fleet, const std::string& actor, const json& a) -> Expected<json> {
      auto aid = str(a, "alert_id");
      if (!aid) return aid.error();
      auto note = str(a, "note", false);
      if (!note) return note.error();
      auto c = (p.alerts.*member)(fleet, *aid, actor, *note);
      if (!c) return c.error();
      p.effects.alertChanged(*c);
      return protoJson(c->alert);
    };
  };
  add("alerts.ack", true, lifecycle(&alerts::AlertBook::acknowledge));
  add("alerts.resolve", true, lifecycle(&alerts::AlertBook::resolve));
  add("alerts.escalate", true, lifecycle(&alerts::AlertBook::escalate));

  // ---- history ----
  add("history.track", false, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    auto v = id(a, "vehicle");
    if (!v) return v.error();
    auto from = integer(a, "from_ms", 0);
    auto to = integer(a, "to_ms", INT64_MAX);
    auto fmt = str(a, "format", false, "json");
    if (!from) return from.error();
    if (!to) return to.error();
    if (!fmt) return fmt.error();
    if (*fmt != "json" && *fmt != "geojson" && *fmt != "csv") return Error{"format must be json, geojson or csv"};
    p.store.flush();
    auto pts = p.store.track(fleet, *v, *from, *to, 200'000);
    if (!pts) return pts.error();
    if (*fmt == "geojson") return store::trackGeoJson(*v, *pts);
    if (*fmt == "csv") return json(store::trackCsv(*pts));
    return store::trackJson(*pts);
  });
  add("history.events", false, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    store::EventQuery q;
    q.fleet = fleet;
    auto v = str(a, "vehicle", false);
    auto t = str(a, "type", false);
    auto from = integer(a, "from_ms", INT64_MIN);
    auto to = integer(a, "to_ms", INT64_MAX);
    auto limit = integer(a, "limit", 1000);
    if (!v) return v.error();
    if (!t) return t.error();
    if (!from) return from.error();
    if (!to) return to.error();
    if (!limit) return limit.error();
    q.vehicle = *v;
    q.type = *t;
    q.from_ms = *from;
    q.to_ms = *to;
    q.limit = static_cast<int>(std::clamp<std::int64_t>(*limit, 1, 100'000));
    p.store.flush();
    auto rows = p.store.events(q);
    if (!rows) return rows.error();
    json out = json::array();
    for (const auto& e : *rows) {
      auto detail = json::parse(e.detail, nullptr, false);
      out.push_back({{"time_ms", e.time_ms}, {"vehicle", e.vehicle}, {"type", e.type},
                     {"detail", detail.is_discarded() ? json(e.detail) : detail}});
    }
    return out;
  });

  // ---- routes ----
  add("routes.assign", true, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    auto v = id(a, "vehicle");
    if (!v) return v.error();
    if (!a.contains("route")) return Error{"missing argument \"route\""};
    auto route = routes::parseRoute(a["route"]);
    if (!route) return route.error();
    auto m = p.routes.assign(fleet, *v, std::move(*route), p.clock.nowMs());
    if (!m) return m.error();
    p.engine.setRoute(fleet, *v, (*m)->progress().route_id(), p.clock.nowMs());
    p.effects.routeChanged(**m);
    return protoJson((*m)->progress());
  });
  add("routes.reassign", true, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    auto rid = id(a, "route_id");
    auto v = id(a, "vehicle");
    if (!rid) return rid.error();
    if (!v) return v.error();
    auto* before = p.routes.find(fleet, *rid);
    const std::string old_vehicle = before ? before->progress().vehicle_id() : "";
    auto m = p.routes.reassign(fleet, *rid, *v, p.clock.nowMs());
    if (!m) return m.error();
    if (!old_vehicle.empty()) p.engine.setRoute(fleet, old_vehicle, "", p.clock.nowMs());
    p.engine.setRoute(fleet, *v, *rid, p.clock.nowMs());
    p.effects.routeChanged(**m);
    return protoJson((*m)->progress());
  });
  add("routes.list", false, [&p](const std::string& fleet, const std::string&, const json&) -> Expected<json> {
    json out = json::array();
    for (auto* m : p.routes.all(fleet)) out.push_back(protoJson(m->progress()));
    return out;
  });
  add("routes.get", false, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    auto rid = str(a, "route_id");
    if (!rid) return rid.error();
    auto* m = p.routes.find(fleet, *rid);
    if (!m) return Error{"no route \"" + rid->substr(0, 64) + "\" in fleet " + fleet + " (routes.list shows them)"};
    return protoJson(m->progress());
  });
  add("assignments.pause", true, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    auto reason = str(a, "reason", false);
    if (!reason) return reason.error();
    p.routes.setPaused(fleet, true);
    p.store.putSetting({fleet, "assignments_paused", "true"});
    return json{{"paused", true}, {"reason", *reason}};
  });
  add("assignments.resume", true, [&p](const std::string& fleet, const std::string&, const json&) -> Expected<json> {
    p.routes.setPaused(fleet, false);
    p.store.putSetting({fleet, "assignments_paused", "false"});
    return json{{"paused", false}};
  });

  // ---- rules, audit, stats ----
  add("rules.get", false, [&p](const std::string& fleet, const std::string&, const json&) -> Expected<json> {
    return rules::toJson(*p.rule_book.get(fleet).rules);
  });
  add("rules.set", true, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    if (!a.contains("rules") || !a["rules"].is_object() || a["rules"].empty())
      return Error{"missing argument \"rules\": an object of the settings to change, e.g. {\"speed_limit_kph\": 80}"};
    auto e = p.rule_book.set(fleet, a["rules"]);
    if (!e) return e.error();
    p.effects.rulesChanged(fleet);
    return rules::toJson(*e->rules);
  });
  add("audit.list", false, [&p](const std::string& fleet, const std::string&, const json& a) -> Expected<json> {
    auto since = integer(a, "since_ms", 0);
    auto limit = integer(a, "limit", 200);
    if (!since) return since.error();
    if (!limit) return limit.error();
    p.store.flush();
    auto rows = p.store.audit(fleet, *since, static_cast<int>(std::clamp<std::int64_t>(*limit, 1, 10'000)));
    if (!rows) return rows.error();
    json out = json::array();
    for (const auto& r : *rows) {
      auto args = json::parse(r.args, nullptr, false);
      out.push_back({{"at_ms", r.at_ms}, {"actor", r.actor}, {"action", r.action},
                     {"args", args.is_discarded() ? json(r.args) : args}, {"result", r.result}, {"ok", r.ok}});
    }
    return out;
  });
  add("stats", false, [&p](const std::string& fleet, const std::string&, const json&) -> Expected<json> {
    return p.effects.stats(fleet);
  });
}

}  // namespace fleetlink::hub::admin
