#pragma once
// The hub's one MQTT 5 connection (Paho): shared subscriptions for uplinks, vehicle states and admin requests,
// the hub's retained birth and last will, publishing alerts, commands and admin answers, and reconnecting with
// backoff. Arriving messages are handed to `on_message` from Paho's thread; it must be quick (it queues).
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <mqtt/async_client.h>

#include "fleetlink/common/mqtt_endpoint.hpp"

namespace fleetlink::hub::ingest {

class BrokerLink {
 public:
  struct Options {
    mqttx::Endpoint endpoint;
    std::string client_id;
    std::string instance;           // for the hub state topic
    std::string shared_group;
    std::chrono::seconds session_expiry{3600};  // queued QoS 1 data survives a hub restart this long
    std::size_t max_buffered = 100'000;         // publishes held while disconnected
  };
  using MessageHandler = std::function<void(mqtt::const_message_ptr)>;
  using StateHandler = std::function<void(bool connected)>;

  BrokerLink(Options opts, MessageHandler on_message, StateHandler on_state);
  ~BrokerLink();
  BrokerLink(const BrokerLink&) = delete;
  BrokerLink& operator=(const BrokerLink&) = delete;

  void start();  // connects in the background (and keeps reconnecting)
  void stop();   // publishes the hub's clean-shutdown state and disconnects

  // Fire-and-forget publish; held while disconnected (up to max_buffered). Never throws.
  bool publish(const std::string& topic, std::string payload, int qos, bool retained,
               const mqtt::properties& props = {});
  bool connected() const { return connected_.load(); }
  std::uint64_t reconnects() const { return reconnects_.load(); }

 private:
  class Callback : public virtual mqtt::callback {
   public:
    explicit Callback(BrokerLink& link) : link_(link) {}
    void connected(const std::string& cause) override;
    void connection_lost(const std::string& cause) override;
    void message_arrived(mqtt::const_message_ptr msg) override;

   private:
    BrokerLink& link_;
  };

  void connectLoop(std::stop_token st);
  std::string hubState(int connection) const;

  Options opts_;
  MessageHandler on_message_;
  StateHandler on_state_;
  // Declared before the client so it is destroyed after it: Paho keeps a reference to the callback.
  Callback callback_;
  std::unique_ptr<mqtt::async_client> client_;
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> reconnects_{0};
  std::mutex mu_;
  std::condition_variable_any cv_;
  bool lost_ = true;
  std::jthread connector_;
};

}  // namespace fleetlink::hub::ingest
