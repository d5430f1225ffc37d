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
  } web;
  std::string log_level;
};

HubSettings hubSettings(const config::Config& cfg);

}  // namespace fleetlink::hub
