#pragma once
// An MQTT 5 subscriber for assertions: records every message on the given filters.
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <mqtt/async_client.h>

namespace fleetlink::test {

struct Received {
  std::string topic;
  std::string payload;
  bool retained;
  mqtt::properties props;
};

class MqttProbe : public virtual mqtt::callback {
 public:
  MqttProbe(const std::string& uri, const std::vector<std::string>& filters, const std::string& client_id = {},
            bool clean_start = true);
  ~MqttProbe() override;

  std::vector<Received> messages() const;
  std::size_t count() const;
  bool waitFor(std::size_t n, std::chrono::milliseconds timeout) const;
  bool waitFor(const std::function<bool(const std::vector<Received>&)>& pred, std::chrono::milliseconds timeout) const;
  void clear();
  void publish(const std::string& topic, const std::string& payload, int qos = 1, bool retained = false,
               const mqtt::properties& props = {});
  mqtt::async_client& client() { return client_; }

 private:
  void message_arrived(mqtt::const_message_ptr msg) override;
  mqtt::async_client client_;
  mutable std::mutex mu_;
  std::vector<Received> msgs_;
};

}  // namespace fleetlink::test
