#include "hub/config/hub_config.hpp"

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
  s.add({"mqtt.shared_group", Type::String, "fleetlink-hub", "MQTT 5 shared subscription group; hubs in one group split ingest", config::validId()});
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
  s.log_level = c.str("log.level");
  return s;
}

}  // namespace fleetlink::hub
