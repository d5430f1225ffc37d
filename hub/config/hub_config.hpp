#pragma once
// The hub's configuration: one schema and the typed settings built from it.
#include <chrono>
#include <cstdint>
#include <string>

#include "fleetlink/common/config.hpp"

namespace fleetlink::hub {

config::Schema hubSchema();

struct HubSettings {
  std::string instance;
  std::string data_dir;
  struct Mqtt {
    std::string host;
    int port;
    std::string client_id, username, password;
    bool tls;
    std::string tls_ca, tls_cert, tls_key;
    std::string shared_group;
    std::chrono::milliseconds keepalive;
  } mqtt;
  struct Store {
    std::string path;
    std::chrono::milliseconds retention, flush_interval;
    int batch_max;
  } store;
  struct Status {
    std::chrono::milliseconds silent_after, offline_after;
  } status;
  struct Alerts {
    std::chrono::milliseconds cooldown, escalate_after;
  } alerts;
  struct Web {
    std::string address;
    int port;
    std::string tls_cert, tls_key;
    std::string jwt_secret, jwt_public_key;
    std::string dashboard_dir;
    std::string tile_url;
    int max_clients;
    // Fan-out and HTTP limits (hub/web).
    int threads;
    std::string event_log;                      // SQLite file of recent live events for resume; "off" = memory only
    std::chrono::milliseconds event_log_retention, idle_timeout;
    int history_events, client_conflate_after, client_queue_max, resume_max_events;
    std::uint64_t request_max;
  } web;
  std::string log_level;
  struct Rules {
    std::chrono::milliseconds history_window;  // per-vehicle ordered history kept for replays after late data
    int history_max_records;
  } rules;
  struct Health {
    std::chrono::milliseconds broker_down_after, store_latency_max;
    double ingest_error_rate_max;
  } health;
  struct Ingest {
    int queue_max;       // MQTT messages waiting for the core thread at most (back-pressure beyond)
    bool publish_live;   // also publish accepted live positions on fl/v1/{fleet}/live
    std::chrono::milliseconds recovery_period;  // after an unclean stop: how long vehicles are asked to re-send
  } ingest;
};

HubSettings hubSettings(const config::Config& cfg);

}  // namespace fleetlink::hub
