#include "admin_client.hpp"

#include <random>

#include <nlohmann/json.hpp>

#include "fleetlink/common/topics.hpp"

namespace fleetlink::ctl {

Expected<std::string> callAdmin(const mqttx::Endpoint& broker, const AdminCall& call) {
  std::random_device rd;
  const std::string nonce = std::to_string(rd()) + std::to_string(rd());
  const std::string client_id = "ctl-" + nonce.substr(0, 12);
  const std::string response_topic = topics::adminResponse(call.fleet, client_id);
  try {
    mqtt::async_client client(mqttx::serverUri(broker), client_id, mqttx::createOptions());
    client.start_consuming();
    client.connect(mqttx::connectOptions(broker, true, std::chrono::seconds(0)))->wait_for(call.timeout);
    if (!client.is_connected()) return Error{"could not connect to the broker at " + mqttx::serverUri(broker)};
    client.subscribe(response_topic, 1)->wait_for(call.timeout);

    nlohmann::json req = {{"action", call.action}, {"actor", call.actor}, {"args", nlohmann::json::parse(call.args_json)}};
    auto msg = mqtt::make_message(topics::adminRequest(call.fleet), req.dump(), 1, false);
    mqtt::properties props;
    props.add({mqtt::property::RESPONSE_TOPIC, response_topic});
    props.add({mqtt::property::CORRELATION_DATA, nonce});
    props.add({mqtt::property::CONTENT_TYPE, std::string("application/json")});
    msg->set_properties(props);
    client.publish(msg)->wait_for(call.timeout);

    const auto deadline = std::chrono::steady_clock::now() + call.timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      mqtt::const_message_ptr in;
      if (!client.try_consume_message_for(&in, std::chrono::milliseconds(200)) || !in) continue;
      const auto& p = in->get_properties();
      if (!p.contains(mqtt::property::CORRELATION_DATA)) continue;
      if (mqtt::get<mqtt::binary>(p, mqtt::property::CORRELATION_DATA) != nonce) continue;
      std::string body = in->to_string();
      client.disconnect()->wait_for(std::chrono::seconds(2));
      return body;
    }
    client.disconnect()->wait_for(std::chrono::seconds(2));
    return Error{"no answer from a hub within " + std::to_string(call.timeout.count()) +
                 " ms (is fleetlink-hub running and connected to " + mqttx::serverUri(broker) + "?)"};
  } catch (const nlohmann::json::exception& e) {
    return Error{std::string("arguments are not valid JSON: ") + e.what()};
  } catch (const mqtt::exception& e) {
    return Error{std::string("MQTT error: ") + e.what()};
  }
}

}  // namespace fleetlink::ctl
