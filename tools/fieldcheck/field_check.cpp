#include "field_check.hpp"

#include <cstdio>
#include <sstream>

#include "broker_probe.hpp"
#include "control_client.hpp"
#include "gpsd_probe.hpp"
#include "outbox_probe.hpp"

namespace fleetlink::fieldcheck {

namespace {

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string modeName(int mode) {
  switch (mode) {
    case 0: return "nothing";
    case 1: return "no fix";
    case 2: return "2D fix";
    default: return "3D fix";
  }
}

bool buttonConfigured(const edge::EdgeSettings::Panic& p) {
  return !p.evdev_device.empty() || (!p.gpio_chip.empty() && p.gpio_line >= 0);
}

std::string buttonWiring(const edge::EdgeSettings::Panic& p) {
  if (!p.evdev_device.empty()) return "input device " + p.evdev_device + " key " + std::to_string(p.evdev_key_code);
  return p.gpio_chip + " line " + std::to_string(p.gpio_line) + (p.gpio_active_low ? " (active low)" : " (active high)");
}

}  // namespace

void FieldCheck::run(CheckReport& report) {
  checkGps(report);
  const bool agent_up = checkAgent(report);
  checkButton(report, agent_up);
  checkBroker(report);
  checkBuffer(report);
}

void FieldCheck::checkGps(CheckReport& report) {
  const auto& g = settings_.gps;
  const std::string where = g.host + ":" + std::to_string(g.port);
  const auto r = probeGpsd(g.host, g.port, g.min_fix_mode, options_.gps_timeout);
  if (!r.reachable) {
    report.add("gpsd", Outcome::Fail,
               "not reachable at " + where + " (" + r.error + "): start it (systemctl start gpsd) and check "
               "DEVICES in /etc/default/gpsd, or set gps.host/gps.port");
    report.add("gps fix", Outcome::Skip, "needs gpsd");
    return;
  }
  report.add("gpsd", Outcome::Pass, "reachable at " + where + (r.device.empty() ? "" : ", receiver " + r.device));
  if (r.fix) {
    std::string detail = modeName(r.best_mode) + " at " + fixed(r.lat, 5) + "," + fixed(r.lon, 5);
    if (r.satellites_used >= 0) detail += ", " + std::to_string(r.satellites_used) + " satellites used";
    report.add("gps fix", Outcome::Pass, detail);
  } else {
    const auto secs = std::to_string(options_.gps_timeout.count() / 1000);
    if (r.device.empty() && r.best_mode == 0) {
      report.add("gps fix", Outcome::Fail,
                 "gpsd reports no receiver and no data within " + secs + " s: check the antenna module's cable, "
                 "the GNSS device (/dev/gnss0) and DEVICES in /etc/default/gpsd");
    } else {
      report.add("gps fix", Outcome::Warn,
                 "receiver answers but best was " + modeName(r.best_mode) + " within " + secs + " s (needs " +
                     modeName(g.min_fix_mode) + "): move the vehicle under open sky and check the antenna");
    }
  }
}

bool FieldCheck::checkAgent(CheckReport& report) {
  ControlClient control(settings_.control.socket);
  auto st = control.request({{"cmd", "status"}}, std::chrono::seconds(5));
  if (!st) {
    report.add("agent", Outcome::Fail,
               st.error().message + ": is fleetlink-edge running? (systemctl status fleetlink-edge; journalctl -u "
               "fleetlink-edge)");
    return false;
  }
  if (!st->value("ok", false)) {
    report.add("agent", Outcome::Fail, "status refused: " + st->value("error", std::string("no reason given")));
    return false;
  }
  status_ = *st;
  std::ostringstream d;
  d << "running, version " << status_.value("version", std::string("?")) << ", up "
    << status_.value("uptime_s", 0) << " s, vehicle " << status_.value("fleet", std::string("?")) << "/"
    << status_.value("vehicle", std::string("?"));
  if (status_.value("config_hash", std::string()) != settings_.config_hash)
    d << "; note: running with config hash " << status_.value("config_hash", std::string("?")) << ", the files give "
      << settings_.config_hash << " (restart it after a change: systemctl restart fleetlink-edge)";
  report.add("agent", Outcome::Pass, d.str());
  return true;
}

void FieldCheck::checkButton(CheckReport& report, bool agent_up) {
  const auto& p = settings_.panic;
  if (!buttonConfigured(p)) {
    report.add("button", Outcome::Skip, "no panic button configured (panic.evdev_device or panic.gpio_chip/gpio_line)");
    return;
  }
  if (options_.button_wait.count() == 0) {
    report.add("button", Outcome::Skip, "press test not requested (--button-seconds 0); wired as " + buttonWiring(p));
    return;
  }
  if (!agent_up) {
    report.add("button", Outcome::Fail, "cannot run the press test without the agent (see \"agent\")");
    return;
  }
  if (options_.prompt)
    options_.prompt("Press the panic button now (within " + std::to_string(options_.button_wait.count()) + " s)...");
  ControlClient control(settings_.control.socket);
  auto r = control.request({{"cmd", "button_test"}, {"seconds", options_.button_wait.count()}},
                           options_.button_wait + std::chrono::seconds(5));
  if (!r) {
    report.add("button", Outcome::Fail, "press test failed: " + r.error().message);
    return;
  }
  if (!r->value("ok", false)) {
    report.add("button", Outcome::Fail, "press test refused: " + r->value("error", std::string("no reason given")));
    return;
  }
  if (r->value("pressed", false)) {
    const auto src = (*r)["source"].is_string() ? (*r)["source"].get<std::string>() : std::string("?");
    report.add("button", Outcome::Pass, "press seen through " + src + " (" + buttonWiring(p) + ")");
  } else {
    report.add("button", Outcome::Fail,
               "no press seen within " + std::to_string(options_.button_wait.count()) + " s on " + buttonWiring(p) +
                   ": check the wiring, the udev rule (/dev/input/fleetlink-panic) and the device-tree overlay");
  }
}

void FieldCheck::checkBroker(CheckReport& report) {
  const auto& m = settings_.mqtt;
  mqttx::Endpoint ep;
  ep.host = m.host;
  ep.port = m.port;
  ep.tls = m.tls;
  ep.tls_ca = m.tls_ca;
  ep.tls_cert = m.tls_cert;
  ep.tls_key = m.tls_key;
  ep.username = m.username;
  ep.password = m.password;
  std::string how = m.tls ? "TLS" : "plain TCP";
  if (!m.tls_cert.empty()) how += ", client certificate " + m.tls_cert;
  if (!m.username.empty()) how += ", user " + m.username;
  if (m.username.empty() && m.tls_cert.empty()) how += ", no credentials";
  const auto r = probeBroker(ep, m.client_id + "-fieldcheck", options_.broker_timeout);
  const std::string where = mqttx::serverUri(ep);
  if (r.connected) {
    report.add("broker", Outcome::Pass, "connected to " + where + " (" + how + ")");
  } else if (r.refused) {
    report.add("broker", Outcome::Fail,
               "reached " + where + " but " + r.error + " (" + how + "): check mqtt.username/mqtt.password or the "
               "certificate in /etc/fleetlink/identity.toml against the fleet's credentials");
  } else {
    report.add("broker", Outcome::Fail,
               "cannot connect to " + where + " (" + how + "): " + r.error + "; check the mobile data link, "
               "mqtt.host/mqtt.port and, for TLS, mqtt.tls_ca and the board's clock");
  }
  if (!status_.empty() && status_.contains("broker") && status_["broker"].is_object()) {
    // The agent's own link, for comparison (it may still be backing off after an outage).
    if (!status_["broker"].value("connected", false) && r.connected)
      report.add("agent link", Outcome::Warn,
                 "the check connected but the agent is not connected yet (" +
                     std::to_string(status_["broker"].value("reconnects", 0)) + " reconnects so far); it retries "
                     "with back-off up to mqtt.reconnect_max");
  }
}

void FieldCheck::checkBuffer(CheckReport& report) {
  if (!status_.empty() && status_.contains("buffer") && status_["buffer"].is_object()) {
    const auto& b = status_["buffer"];
    std::ostringstream d;
    d << b.value("records", 0) << " records waiting";
    if (b.contains("oldest_unsent_age_s") && b["oldest_unsent_age_s"].is_number())
      d << ", oldest " << b["oldest_unsent_age_s"].get<long long>() << " s";
    d << ", " << b.value("dropped", 0) << " dropped by the drop policy";
    if (b.value("healthy", false)) {
      report.add("buffer", Outcome::Pass, "healthy: " + d.str());
    } else {
      report.add("buffer", Outcome::Fail,
                 "unhealthy: " + b.value("problem", std::string("no reason given")) + "; " + d.str() +
                     " (check free space on " + settings_.device.data_dir + ")");
    }
    return;
  }
  // The agent is not answering: look at the file itself.
  const auto r = probeOutbox(settings_.outbox.path);
  if (!r.exists) {
    report.add("buffer", Outcome::Warn, r.detail + " (created when the agent first starts)");
  } else if (r.healthy) {
    report.add("buffer", Outcome::Pass, settings_.outbox.path + " passes SQLite's integrity check (agent not running)");
  } else {
    report.add("buffer", Outcome::Fail,
               settings_.outbox.path + ": " + r.detail + "; stop the agent and move the file aside, it starts a new "
               "epoch");
  }
}

}  // namespace fleetlink::fieldcheck
