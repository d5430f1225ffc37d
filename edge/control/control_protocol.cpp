#include "edge/control/control_protocol.hpp"

#include <set>

#include "edge/driver/message_store.hpp"
#include "fleetlink/common/ids.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"

namespace fleetlink::edge {
namespace {

const log::Logger kLog("edge.control");

nlohmann::json fail(const std::string& why) { return {{"ok", false}, {"error", why}}; }

metrics::Counter& requests(const std::string& cmd, bool ok) {
  return metrics::global().counter("fleetlink_edge_control_requests_total", "Control socket requests",
                                   {{"cmd", cmd}, {"ok", ok ? "true" : "false"}});
}

const std::string* stringField(const nlohmann::json& req, const char* name) {
  auto it = req.find(name);
  if (it == req.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

}  // namespace

std::string ControlProtocol::handleLine(std::string_view line) {
  nlohmann::json out;
  std::string cmd = "invalid";
  if (line.size() > kMaxLineBytes) {
    out = fail("request longer than " + std::to_string(kMaxLineBytes) + " bytes");
  } else {
    auto req = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (req.is_discarded()) {
      out = fail("request is not valid JSON (one object per line)");
    } else if (!req.is_object()) {
      out = fail("request must be a JSON object such as {\"cmd\":\"status\"}");
    } else {
      if (const std::string* c = stringField(req, "cmd")) cmd = *c;
      try {
        out = dispatch(req);
      } catch (const std::exception& e) {
        out = fail(std::string("internal error: ") + e.what());
      }
    }
  }
  const bool ok = out.value("ok", false);
  // Only known command names become metric labels: a client must not be able to create series at will.
  static const std::set<std::string> kKnown = {"status", "panic", "login", "logout", "duty",
                                               "messages", "read", "button_test"};
  requests(kKnown.count(cmd) ? cmd : "invalid", ok).inc();
  if (!ok) kLog.debug("control request failed", {{"cmd", cmd}, {"error", out.value("error", "")}});
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json ControlProtocol::dispatch(const nlohmann::json& req) {
  const std::string* cmd = stringField(req, "cmd");
  if (!cmd) return fail("missing \"cmd\" (status, panic, login, logout, duty, messages, read, button_test)");
  if (*cmd == "status") {
    nlohmann::json s = actions_.status();
    s["ok"] = true;
    return s;
  }
  if (*cmd == "panic") {
    auto seq = actions_.raisePanic();
    if (!seq) return fail(seq.error().message);
    return {{"ok", true}, {"seq", *seq}};
  }
  if (*cmd == "login") {
    const std::string* driver = stringField(req, "driver");
    if (!driver) return fail("login needs \"driver\": the driver id");
    if (!isValidId(*driver)) return fail("driver id must be 1-64 characters of letters, digits, '_' or '-'");
    if (auto st = actions_.changeDuty(*driver, v1::DUTY_STATUS_ON_DUTY); !st) return fail(st.error().message);
    return {{"ok", true}, {"driver", *driver}, {"duty", "on_duty"}};
  }
  if (*cmd == "logout") {
    if (auto st = actions_.changeDuty("", v1::DUTY_STATUS_OFF_DUTY); !st) return fail(st.error().message);
    return {{"ok", true}, {"driver", ""}, {"duty", "off_duty"}};
  }
  if (*cmd == "duty") {
    const std::string* status = stringField(req, "status");
    v1::DutyStatus d;
    if (!status || !parseDuty(*status, d)) return fail("duty needs \"status\": off_duty, on_duty, driving or break");
    const std::string driver = actions_.currentDriver();
    if (driver.empty() && d != v1::DUTY_STATUS_OFF_DUTY) return fail("no driver logged in (send login first)");
    if (auto st = actions_.changeDuty(driver, d); !st) return fail(st.error().message);
    return {{"ok", true}, {"driver", driver}, {"duty", *status}};
  }
  if (*cmd == "messages") return {{"ok", true}, {"messages", actions_.messages()}};
  if (*cmd == "read") {
    const std::string* id = stringField(req, "message_id");
    if (!id || id->empty()) return fail("read needs \"message_id\"");
    auto r = actions_.markRead(*id);
    if (!r) return fail(r.error().message);
    if (!*r) return fail("no message with id " + *id);
    return {{"ok", true}, {"message_id", *id}};
  }
  if (*cmd == "button_test") {
    auto it = req.find("seconds");
    if (it == req.end() || !it->is_number_integer()) return fail("button_test needs \"seconds\": 1 to 60");
    const auto seconds = it->get<std::int64_t>();
    if (seconds < 1 || seconds > kMaxButtonTestSeconds) return fail("button_test \"seconds\" must be 1 to 60");
    auto r = actions_.buttonTest(std::chrono::seconds(seconds));
    nlohmann::json out = {{"ok", true}, {"pressed", r.pressed}};
    out["source"] = r.pressed ? nlohmann::json(r.source) : nlohmann::json(nullptr);
    return out;
  }
  return fail("unknown cmd \"" + *cmd + "\" (status, panic, login, logout, duty, messages, read, button_test)");
}

}  // namespace fleetlink::edge
