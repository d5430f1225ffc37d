#include "broker_probe.hpp"

#include <mqtt/async_client.h>

namespace fleetlink::fieldcheck {

namespace {
std::string reasonText(int reason) {
  switch (reason) {
    case mqtt::BAD_USER_NAME_OR_PASSWORD: return "bad user name or password";
    case mqtt::NOT_AUTHORIZED: return "not authorised";
    case mqtt::CLIENT_IDENTIFIER_NOT_VALID: return "client id refused";
    case mqtt::SERVER_UNAVAILABLE: return "server unavailable";
    case mqtt::BANNED: return "banned";
    default: return "reason code " + std::to_string(reason);
  }
}
}  // namespace

BrokerProbeResult probeBroker(const mqttx::Endpoint& endpoint, const std::string& client_id,
                              std::chrono::milliseconds timeout) {
  BrokerProbeResult r;
  try {
    mqtt::async_client client(mqttx::serverUri(endpoint), client_id, mqttx::createOptions());
    auto opts = mqttx::connectOptions(endpoint, /*clean_start=*/true, std::chrono::seconds(0));
    opts.set_connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout));
    auto tok = client.connect(opts);
    if (!tok->wait_for(timeout + std::chrono::seconds(2))) {
      r.error = "no answer within " + std::to_string(timeout.count() / 1000) + " s";
      return r;
    }
    const int reason = tok->get_reason_code();
    if (reason >= 0x80) {
      r.refused = true;
      r.error = "refused: " + reasonText(reason);
      return r;
    }
    r.connected = true;
    client.disconnect()->wait_for(std::chrono::seconds(5));
  } catch (const mqtt::exception& e) {
    // Paho 1.2 reports an MQTT 5 CONNACK refusal either as the reason code or as the return code.
    const int reason = e.get_reason_code() >= 0x80 ? e.get_reason_code() : e.get_return_code();
    if (reason >= 0x80) {
      r.refused = true;
      r.error = "refused: " + reasonText(reason);
    } else if (e.get_return_code() == 5 || e.get_return_code() == 4) {
      // MQTT 3.1.1-style CONNACK codes Paho reports for auth failures (4 bad credentials, 5 not authorised).
      r.refused = true;
      r.error = e.get_return_code() == 4 ? "refused: bad user name or password" : "refused: not authorised";
    } else {
      r.error = e.what();
    }
  }
  return r;
}

}  // namespace fleetlink::fieldcheck
