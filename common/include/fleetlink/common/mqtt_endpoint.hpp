#pragma once
// How to reach the broker, shared by the edge, the hub and fleetlinkctl: one place that turns settings into
// Paho's MQTT 5 connect options (TLS, credentials, keep-alive, last will).
#include <chrono>
#include <optional>
#include <string>

#include <mqtt/async_client.h>

namespace fleetlink::mqttx {

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 1883;
  bool tls = false;
  std::string tls_ca, tls_cert, tls_key;
  std::string username, password;
  std::chrono::seconds keepalive{30};
};

struct Will {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retained = true;
};

std::string serverUri(const Endpoint& e);  // tcp://host:port or ssl://host:port

// MQTT 5 options. `clean_start=false` with a session expiry keeps the session (and queued QoS 1 messages)
// across reconnects. Paho's own automatic reconnect is off: callers run their own backoff with jitter.
mqtt::connect_options connectOptions(const Endpoint& e, bool clean_start, std::chrono::seconds session_expiry,
                                     const std::optional<Will>& will = std::nullopt);

// MQTT 5 client creation options (no Paho persistence: the callers' stores are the source of truth).
mqtt::create_options createOptions(int max_buffered = 0);

}  // namespace fleetlink::mqttx
