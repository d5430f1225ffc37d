#include "fleetlink/common/mqtt_endpoint.hpp"

#include <MQTTAsync.h>

#include <mutex>

namespace fleetlink::mqttx {
namespace {

// Paho initialises OpenSSL itself unless told otherwise: it loads every error string, cipher and digest at the
// first client, TLS or not (about a megabyte of the edge agent's memory). OpenSSL 1.1 and later initialise
// on first use, so that work is left to the first TLS connection, which loads only what it needs.
void initPahoOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    MQTTAsync_init_options init = MQTTAsync_init_options_initializer;
    init.do_openssl_init = 0;
    MQTTAsync_global_init(&init);
  });
}

}  // namespace

std::string serverUri(const Endpoint& e) {
  return std::string(e.tls ? "ssl://" : "tcp://") + e.host + ":" + std::to_string(e.port);
}

mqtt::connect_options connectOptions(const Endpoint& e, bool clean_start, std::chrono::seconds session_expiry,
                                     const std::optional<Will>& will) {
  mqtt::connect_options_builder b;
  b.mqtt_version(MQTTVERSION_5);
  b.clean_start(clean_start)
      .keep_alive_interval(e.keepalive)
      .connect_timeout(std::chrono::seconds(10))
      .automatic_reconnect(false)
      .properties({mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL,
                                  static_cast<int>(session_expiry.count()))});
  if (!e.username.empty()) b.user_name(e.username);
  if (!e.password.empty()) b.password(e.password);
  if (e.tls) {
    auto ssl = mqtt::ssl_options_builder();
    if (!e.tls_ca.empty()) ssl.trust_store(e.tls_ca);
    if (!e.tls_cert.empty()) ssl.key_store(e.tls_cert);
    if (!e.tls_key.empty()) ssl.private_key(e.tls_key);
    ssl.enable_server_cert_auth(true).verify(true);
    b.ssl(ssl.finalize());
  }
  if (will) {
    b.will(mqtt::message(will->topic, will->payload, will->qos, will->retained));
  }
  // Paho C++ 1.2.0 copies connect_options without re-pointing the C struct's connect properties, so a copy
  // (finalize() returns one) still points at the builder's, gone when this returns: re-point at the copy's own.
  mqtt::connect_options opts = b.finalize();
  opts.set_properties(opts.get_properties());
  return opts;
}

mqtt::create_options createOptions(int max_buffered) {
  initPahoOnce();
  mqtt::create_options o(MQTTVERSION_5);
  if (max_buffered > 0) {
    o.set_send_while_disconnected(true);
    o.set_max_buffered_messages(max_buffered);
  }
  return o;
}

}  // namespace fleetlink::mqttx
