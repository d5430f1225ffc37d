#include "edge/config/edge_config.hpp"

namespace fleetlink::edge {

using config::KeyDef;
using config::Type;

config::Schema edgeSchema() {
  config::Schema s("fleetlink-edge");
  // [device]
  s.add({"device.fleet", Type::String, "demo", "fleet this vehicle belongs to", config::validId()});
  s.add({"device.vehicle", Type::String, "vehicle-1", "vehicle id (unique within the fleet; the broker user name)", config::validId()});
  s.add({"device.device_id", Type::String, "", "hardware id of the board (default: /etc/machine-id)"});
  s.add({"device.data_dir", Type::String, "/var/lib/fleetlink", "folder for the outbox, driver messages and config overrides", config::nonEmpty()});
  // [gps]
  s.add({"gps.host", Type::String, "127.0.0.1", "gpsd host", config::nonEmpty()});
  s.add({"gps.port", Type::Int, "2947", "gpsd port", config::inRange(1, 65535)});
  s.add({"gps.min_fix_mode", Type::Int, "2", "least fix mode accepted: 2 (2D) or 3 (3D)", config::inRange(2, 3)});
  s.add({"gps.max_h_accuracy_m", Type::Double, "50", "reject fixes whose horizontal error estimate exceeds this (metres; 0 = no limit)", config::inRange(0, 10000)});
  s.add({"gps.reconnect_min", Type::Duration, "1s", "first retry delay when gpsd is unreachable", config::durationRange("10ms", "10m")});
  s.add({"gps.reconnect_max", Type::Duration, "30s", "longest retry delay when gpsd is unreachable", config::durationRange("100ms", "1h")});
  // [report]
  s.add({"report.moving_interval", Type::Duration, "5s", "send a fix at least this often while moving", config::durationRange("100ms", "1d")});
  s.add({"report.stopped_interval", Type::Duration, "5m", "send a fix at least this often while parked", config::durationRange("1s", "1d")});
  s.add({"report.min_interval", Type::Duration, "1s", "never send fixes more often than this", config::durationRange("0s", "1h")});
  s.add({"report.moving_speed_kph", Type::Double, "3", "speed above which the vehicle counts as moving", config::inRange(0, 100)});
  s.add({"report.distance_m", Type::Double, "100", "send after travelling this far (0 = off)", config::inRange(0, 100000)});
  s.add({"report.heading_change_deg", Type::Double, "30", "send when the heading turns by this much while moving (0 = off)", config::inRange(0, 180)});
  // [panic]
  s.add({"panic.evdev_device", Type::String, "", "input event device of the panic button (gpio-keys); empty = none"});
  s.add({"panic.evdev_key_code", Type::Int, "256", "key code the button reports (256 = BTN_0)", config::inRange(0, 767)});
  s.add({"panic.gpio_chip", Type::String, "", "GPIO chip of the panic button line, e.g. gpiochip0; empty = none"});
  s.add({"panic.gpio_line", Type::Int, "-1", "GPIO line offset of the panic button", config::inRange(-1, 1023)});
  s.add({"panic.gpio_active_low", Type::Bool, "true", "the line reads low while the button is pressed"});
  s.add({"panic.gpio_bias", Type::String, "pull-up", "bias of the input line", config::oneOf({"as-is", "pull-up", "pull-down", "disabled"})});
  s.add({"panic.debounce", Type::Duration, "50ms", "contact bounce filter", config::durationRange("0s", "5s")});
  s.add({"panic.hold", Type::Duration, "0s", "button must stay pressed this long before it counts (against false alarms)", config::durationRange("0s", "30s")});
  s.add({"panic.resend_interval", Type::Duration, "10s", "re-send an unacknowledged panic this often", config::durationRange("1s", "10m")});
  s.add({"panic.led_chip", Type::String, "", "GPIO chip of the acknowledgement LED/buzzer; empty = none"});
  s.add({"panic.led_line", Type::Int, "-1", "GPIO line of the acknowledgement LED/buzzer", config::inRange(-1, 1023)});
  s.add({"panic.led_active_low", Type::Bool, "false", "the LED is lit by driving the line low"});
  s.add({"panic.led_on_for", Type::Duration, "10s", "how long the acknowledgement LED/buzzer stays on", config::durationRange("100ms", "1h")});
  // [outbox]
  s.add({"outbox.path", Type::String, "", "SQLite outbox file (default: <data_dir>/outbox.db)"});
  s.add({"outbox.max_records", Type::Int, "2000000", "records kept before the drop policy thins old positions", config::inRange(100, 100000000)});
  s.add({"outbox.max_bytes", Type::Size, "512MiB", "bytes kept before the drop policy thins old positions", config::inRange(65536, 1e12)});
  s.add({"outbox.batch_records", Type::Int, "500", "records per MQTT message when draining the backlog", config::inRange(1, 2000)});
  s.add({"outbox.flush_interval", Type::Duration, "0ms", "group commits of ordinary records for this long (0 = commit each record)", config::durationRange("0s", "10s")});
  s.add({"outbox.sync_interval", Type::Duration, "5s", "fsync the outbox at least this often: the most a power cut can lose (panics are synced at once)", config::durationRange("100ms", "10m")});
  s.add({"outbox.max_pending", Type::Int, "10000", "records held in memory while the disk is full (positions thinned beyond this)", config::inRange(100, 1000000)});
  s.add({"outbox.keep_delivered", Type::Duration, "1h", "keep delivered records this long so a restarted hub can have them re-sent (0 = delete at the broker's ack)", config::durationRange("0s", "7d")});
  // [mqtt]
  s.add({"mqtt.host", Type::String, "127.0.0.1", "broker host", config::nonEmpty()});
  s.add({"mqtt.port", Type::Int, "1883", "broker port", config::inRange(1, 65535)});
  s.add({"mqtt.client_id", Type::String, "", "MQTT client id (default: edge-<fleet>-<vehicle>)"});
  s.add({"mqtt.username", Type::String, "", "broker user name (default: the vehicle id when a password is set)"});
  KeyDef pw{"mqtt.password", Type::String, "", "broker password"};
  pw.secret = true;
  s.add(pw);
  s.add({"mqtt.tls", Type::Bool, "false", "connect with TLS"});
  s.add({"mqtt.tls_ca", Type::String, "", "CA certificate file that signed the broker's certificate"});
  s.add({"mqtt.tls_cert", Type::String, "", "client certificate file (mutual TLS)"});
  s.add({"mqtt.tls_key", Type::String, "", "client private key file (mutual TLS)"});
  s.add({"mqtt.keepalive", Type::Duration, "30s", "MQTT keep-alive", config::durationRange("5s", "1h")});
  s.add({"mqtt.reconnect_min", Type::Duration, "1s", "first reconnect delay (doubles with jitter)", config::durationRange("100ms", "10m")});
  s.add({"mqtt.reconnect_max", Type::Duration, "60s", "longest reconnect delay", config::durationRange("1s", "1h")});
  s.add({"mqtt.max_inflight", Type::Int, "8", "QoS 1 batches awaiting PUBACK at once", config::inRange(1, 64)});
  s.add({"mqtt.session_expiry", Type::Duration, "7d", "how long the broker keeps the session (queued commands) while the vehicle is away", config::durationRange("1m", "30d")});
  s.add({"mqtt.connect_timeout", Type::Duration, "10s", "give up a connection attempt after this long", config::durationRange("1s", "5m")});
  // [control]
  s.add({"control.socket", Type::String, "", "Unix socket for the in-cab app and technicians (default: <data_dir>/control.sock)"});
  // [health]
  s.add({"health.interval", Type::Duration, "60s", "publish device health this often", config::durationRange("1s", "1d")});
  s.add({"health.thermal_zone", Type::String, "/sys/class/thermal/thermal_zone0/temp", "CPU temperature file (millidegrees); empty = none"});
  // [log]
  s.add({"log.level", Type::String, "info", "log level", config::oneOf({"debug", "info", "warn", "error"})});
  return s;
}

EdgeSettings edgeSettings(const config::Config& c) {
  EdgeSettings s;
  s.device = {c.str("device.fleet"), c.str("device.vehicle"), c.str("device.device_id"), c.str("device.data_dir")};
  s.gps = {c.str("gps.host"), static_cast<int>(c.integer("gps.port")), static_cast<int>(c.integer("gps.min_fix_mode")),
           c.number("gps.max_h_accuracy_m"), c.duration("gps.reconnect_min"), c.duration("gps.reconnect_max")};
  s.report = {c.duration("report.moving_interval"), c.duration("report.stopped_interval"), c.duration("report.min_interval"),
              c.number("report.moving_speed_kph") / 3.6, c.number("report.distance_m"), c.number("report.heading_change_deg")};
  s.panic = {c.str("panic.evdev_device"), static_cast<int>(c.integer("panic.evdev_key_code")), c.str("panic.gpio_chip"),
             static_cast<int>(c.integer("panic.gpio_line")), c.flag("panic.gpio_active_low"), c.str("panic.gpio_bias"),
             c.duration("panic.debounce"), c.duration("panic.hold"), c.duration("panic.resend_interval"),
             c.str("panic.led_chip"), static_cast<int>(c.integer("panic.led_line")), c.flag("panic.led_active_low"),
             c.duration("panic.led_on_for")};
  s.outbox = {c.str("outbox.path"), static_cast<std::uint64_t>(c.integer("outbox.max_records")), c.bytes("outbox.max_bytes"),
              static_cast<int>(c.integer("outbox.batch_records")), c.duration("outbox.flush_interval"),
              c.duration("outbox.sync_interval"), static_cast<std::size_t>(c.integer("outbox.max_pending")),
              c.duration("outbox.keep_delivered")};
  if (s.outbox.path.empty()) s.outbox.path = s.device.data_dir + "/outbox.db";
  s.mqtt = {c.str("mqtt.host"), static_cast<int>(c.integer("mqtt.port")), c.str("mqtt.client_id"), c.str("mqtt.username"),
            c.str("mqtt.password"), c.str("mqtt.tls_ca"), c.str("mqtt.tls_cert"), c.str("mqtt.tls_key"), c.flag("mqtt.tls"),
            c.duration("mqtt.keepalive"), c.duration("mqtt.reconnect_min"), c.duration("mqtt.reconnect_max"),
            static_cast<int>(c.integer("mqtt.max_inflight")), c.duration("mqtt.session_expiry"),
            c.duration("mqtt.connect_timeout")};
  if (s.mqtt.client_id.empty()) s.mqtt.client_id = "edge-" + s.device.fleet + "-" + s.device.vehicle;
  if (s.mqtt.username.empty() && !s.mqtt.password.empty()) s.mqtt.username = s.device.vehicle;
  s.control.socket = c.str("control.socket").empty() ? s.device.data_dir + "/control.sock" : c.str("control.socket");
  s.health = {c.duration("health.interval"), c.str("health.thermal_zone")};
  s.log_level = c.str("log.level");
  s.config_hash = c.hash();
  s.override_file = s.device.data_dir + "/config.override.toml";
  return s;
}

}  // namespace fleetlink::edge
