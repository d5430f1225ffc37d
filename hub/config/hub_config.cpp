#include "hub/config/hub_config.hpp"

#include "hub/notify/webhook_settings.hpp"
#include "hub/rules/rule_settings.hpp"

namespace fleetlink::hub {

using config::KeyDef;
using config::Type;

config::Schema hubSchema() {
  config::Schema s("fleetlink-hub");
  s.add({"hub.instance", Type::String, "hub-1", "name of this hub instance (several may share one broker)", config::validId()});
  s.add({"hub.data_dir", Type::String, "/var/lib/fleetlink-hub", "folder for the history database", config::nonEmpty()});
  // [mqtt]
  s.add({"mqtt.host", Type::String, "127.0.0.1", "broker host", config::nonEmpty()});
  s.add({"mqtt.port", Type::Int, "1883", "broker port", config::inRange(1, 65535)});
  s.add({"mqtt.client_id", Type::String, "", "MQTT client id (default: fleetlink-hub-<instance>)"});
  s.add({"mqtt.username", Type::String, "", "broker user name"});
  KeyDef pw{"mqtt.password", Type::String, "", "broker password"};
  pw.secret = true;
  s.add(pw);
  s.add({"mqtt.tls", Type::Bool, "false", "connect with TLS"});
  s.add({"mqtt.tls_ca", Type::String, "", "CA certificate file"});
  s.add({"mqtt.tls_cert", Type::String, "", "client certificate file"});
  s.add({"mqtt.tls_key", Type::String, "", "client private key file"});
  // Empty by default: an exclusive subscription in a persistent session, which Mosquitto keeps across its own
  // restarts (it does not keep shared subscriptions, so records drained while the hub reconnects would be lost).
  s.add({"mqtt.shared_group", Type::String, "",
         "MQTT 5 shared subscription group for running several hubs (empty: one hub, exclusive subscription; "
         "needs a broker that persists shared subscriptions, see docs/scaling.md)",
         [](const config::Value& v) -> std::optional<std::string> {
           if (v.text.empty()) return std::nullopt;
           return config::validId()(v);
         }});
  s.add({"mqtt.keepalive", Type::Duration, "30s", "MQTT keep-alive", config::durationRange("5s", "1h")});
  // [store]
  s.add({"store.path", Type::String, "", "SQLite history file (default: <data_dir>/history.db)"});
  s.add({"store.retention", Type::Duration, "90d", "history older than this is deleted by a background job", config::durationRange("1h", "3650d")});
  s.add({"store.flush_interval", Type::Duration, "200ms", "write batches at least this often", config::durationRange("10ms", "10s")});
  s.add({"store.batch_max", Type::Int, "5000", "records per write transaction at most", config::inRange(1, 100000)});
  // [status]
  s.add({"status.silent_after", Type::Duration, "60s", "a vehicle with no data this long is 'silent'", config::durationRange("1s", "1d")});
  s.add({"status.offline_after", Type::Duration, "10m", "a silent vehicle becomes 'offline' after this long", config::durationRange("1s", "30d")});
  // [alerts]
  s.add({"alerts.cooldown", Type::Duration, "300s", "no new alert for the same rule and vehicle within this time (panic exempt)", config::durationRange("0s", "1d")});
  s.add({"alerts.escalate_after", Type::Duration, "5m", "escalate a critical alert not acknowledged within this time", config::durationRange("10s", "1d")});
  KeyDef hooks{"alerts.webhooks", Type::Table, "", "[[alerts.webhooks]] url = \"http://host:port/path\", optional fleets = [...], min_severity, attempts, timeout_s, token: alert changes are POSTed as JSON, retried with backoff"};
  hooks.table_check = notify::checkWebhooksTable;
  s.add(hooks);
  // [rules], [fleets.<id>]
  KeyDef rule_defaults{"rules.defaults", Type::Table, "", "rule settings for every fleet (same keys as [fleets.<id>]); built-in defaults otherwise"};
  rule_defaults.table_check = rules::checkDefaultsTable;
  s.add(rule_defaults);
  KeyDef fleets{"fleets", Type::Table, "", "[fleets.<id>] per-fleet rule settings: speed_limit_kph, overspeed_min_s, overspeed_hysteresis_kph, moving_speed_kph, continuous_driving_max_min, break_min_min, daily_driving_max_h, weekly_driving_max_h, route_distance_max_km, offline_alert_after_s, gps_lost_after_s, backlog_records_max, backlog_age_max_s, disk_free_min_mb, max_gap_s, disabled = [rules], and [[fleets.<id>.geofences]] (docs/hub.md)"};
  fleets.table_check = rules::checkFleetsTable;
  s.add(fleets);
  s.add({"rules.history_window", Type::Duration, "26h", "per-vehicle ordered history kept in memory so late records are replayed through the rules", config::durationRange("1m", "9d")});
  s.add({"rules.history_max_records", Type::Int, "100000", "records of that history per vehicle at most", config::inRange(1000, 10000000)});
  // [health]
  s.add({"health.broker_down_after", Type::Duration, "30s", "hub health alert when the broker is unreachable this long", config::durationRange("1s", "1h")});
  s.add({"health.store_latency_max", Type::Duration, "2s", "hub health alert when one history write batch takes longer", config::durationRange("10ms", "1h")});
  s.add({"health.ingest_error_rate_max", Type::Double, "0.05", "hub health alert when more of the last minute's messages are rejected", config::inRange(0, 1)});
  // [ingest]
  s.add({"ingest.queue_max", Type::Int, "20000", "MQTT messages waiting for processing at most (back-pressure beyond)", config::inRange(100, 10000000)});
  s.add({"ingest.recovery_period", Type::Duration, "1h", "after an unclean stop, vehicles heard within this time of the start are asked to re-send what the broker confirmed since shortly before the stop (keep it within the edges' outbox.keep_delivered); 0s = off", config::durationRange("0s", "7d")});
  s.add({"ingest.publish_live", Type::Bool, "false", "also publish accepted live positions on fl/v1/{fleet}/live (QoS 0)"});
  // [web]
  s.add({"web.address", Type::String, "127.0.0.1", "HTTP/WebSocket listen address", config::nonEmpty()});
  s.add({"web.port", Type::Int, "8080", "HTTP/WebSocket port (0 = pick a free one)", config::inRange(0, 65535)});
  s.add({"web.tls_cert", Type::String, "", "TLS certificate chain file (empty = plain HTTP)"});
  s.add({"web.tls_key", Type::String, "", "TLS private key file"});
  KeyDef secret{"web.jwt_secret", Type::String, "", "HS256 shared secret for bearer tokens"};
  secret.secret = true;
  s.add(secret);
  s.add({"web.jwt_public_key", Type::String, "", "PEM public key file for RS256/ES256 tokens"});
  s.add({"web.dashboard_dir", Type::String, "", "folder with the dashboard's static files (default: built in)"});
  s.add({"web.tile_url", Type::String, "", "map tile URL template for the dashboard (empty = no tiles)"});
  s.add({"web.max_clients", Type::Int, "18000", "WebSocket clients at most", config::inRange(1, 1000000)});
  s.add({"web.threads", Type::Int, "2", "threads serving HTTP and WebSocket connections", config::inRange(1, 64)});
  s.add({"web.event_log", Type::String, "", "SQLite file of recent live events so reconnecting clients resume (default: <data_dir>/live-events.db; \"off\" = memory only)"});
  s.add({"web.event_log_retention", Type::Duration, "1h", "live events kept in that file for resuming clients", config::durationRange("1m", "7d")});
  s.add({"web.history_events", Type::Int, "1000", "recent live events kept in memory per fleet for resuming clients", config::inRange(16, 1000000)});
  s.add({"web.idle_timeout", Type::Duration, "30s", "a WebSocket peer silent this long (no data, no pong) is dropped; pings go out at half of it", config::durationRange("2s", "1h")});
  s.add({"web.client_conflate_after", Type::Int, "64", "queued messages after which a lagging client gets only the latest position per vehicle", config::inRange(1, 1000000)});
  s.add({"web.client_queue_max", Type::Int, "16384", "alerts, status changes and other messages that cannot be conflated queued for a client before it is disconnected (it resumes from its offset); a lagging client's latest position and route progress per vehicle do not count, up to 4x this many", config::inRange(16, 10000000)});
  s.add({"web.resume_max_events", Type::Int, "50000", "events replayed to one reconnecting client at most; further behind gets \"resync\"", config::inRange(1, 10000000)});
  s.add({"web.request_max", Type::Size, "64KiB", "largest HTTP request body accepted", config::inRange(1024, 64 * 1024 * 1024)});
  // [log]
  s.add({"log.level", Type::String, "info", "log level", config::oneOf({"debug", "info", "warn", "error"})});
  return s;
}

HubSettings hubSettings(const config::Config& c) {
  HubSettings s;
  s.instance = c.str("hub.instance");
  s.data_dir = c.str("hub.data_dir");
  s.mqtt = {c.str("mqtt.host"), static_cast<int>(c.integer("mqtt.port")), c.str("mqtt.client_id"), c.str("mqtt.username"),
            c.str("mqtt.password"), c.flag("mqtt.tls"), c.str("mqtt.tls_ca"), c.str("mqtt.tls_cert"), c.str("mqtt.tls_key"),
            c.str("mqtt.shared_group"), c.duration("mqtt.keepalive")};
  if (s.mqtt.client_id.empty()) s.mqtt.client_id = "fleetlink-hub-" + s.instance;
  s.store = {c.str("store.path"), c.duration("store.retention"), c.duration("store.flush_interval"),
             static_cast<int>(c.integer("store.batch_max"))};
  if (s.store.path.empty()) s.store.path = s.data_dir + "/history.db";
  s.status = {c.duration("status.silent_after"), c.duration("status.offline_after")};
  s.alerts = {c.duration("alerts.cooldown"), c.duration("alerts.escalate_after")};
  s.web = {c.str("web.address"), static_cast<int>(c.integer("web.port")), c.str("web.tls_cert"), c.str("web.tls_key"),
           c.str("web.jwt_secret"), c.str("web.jwt_public_key"), c.str("web.dashboard_dir"), c.str("web.tile_url"),
           static_cast<int>(c.integer("web.max_clients"))};
  s.web.threads = static_cast<int>(c.integer("web.threads"));
  s.web.event_log = c.str("web.event_log").empty() ? s.data_dir + "/live-events.db" : c.str("web.event_log");
  s.web.event_log_retention = c.duration("web.event_log_retention");
  s.web.idle_timeout = c.duration("web.idle_timeout");
  s.web.history_events = static_cast<int>(c.integer("web.history_events"));
  s.web.client_conflate_after = static_cast<int>(c.integer("web.client_conflate_after"));
  s.web.client_queue_max = static_cast<int>(c.integer("web.client_queue_max"));
  s.web.resume_max_events = static_cast<int>(c.integer("web.resume_max_events"));
  s.web.request_max = c.bytes("web.request_max");
  s.log_level = c.str("log.level");
  s.rules = {c.duration("rules.history_window"), static_cast<int>(c.integer("rules.history_max_records"))};
  s.health = {c.duration("health.broker_down_after"), c.duration("health.store_latency_max"),
              c.number("health.ingest_error_rate_max")};
  s.ingest = {static_cast<int>(c.integer("ingest.queue_max")), c.flag("ingest.publish_live"),
              c.duration("ingest.recovery_period")};
  return s;
}

}  // namespace fleetlink::hub
