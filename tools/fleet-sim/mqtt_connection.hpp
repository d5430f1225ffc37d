#pragma once
// One MQTT 5 connection to the broker on an Asio io_context, carrying one or several simulated vehicles.
// Thousands of these share one thread: writes are coalesced into one buffer per socket, QoS 1 publishes stay
// within the broker's receive maximum, and a lost connection fails its unacknowledged publishes back to the
// vehicles (which re-send them) and reconnects with jittered backoff.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tools/fleet-sim/mqtt5_codec.hpp"

namespace fleetlink::sim {

// What a publish carried, handed back with its outcome.
struct PublishMeta {
  enum class Kind : std::uint8_t { Records, PanicResend, State };
  Kind kind = Kind::Records;
  std::uint32_t vehicle = 0;  // index in the runner's vehicle table
  std::uint32_t send_id = 0;
  std::uint64_t first_seq = 0, last_seq = 0;
};

class MqttConnection;

// Receives a connection's events; implemented by the fleet runner.
class ConnectionListener {
 public:
  virtual ~ConnectionListener() = default;
  virtual void onConnected(MqttConnection& c) = 0;
  virtual void onDelivered(const PublishMeta& meta, bool ok) = 0;
  virtual void onMessage(MqttConnection& c, const std::string& topic, const std::string& payload) = 0;
  virtual void onDisconnected(MqttConnection& c, const std::string& why) = 0;
};

class MqttConnection : public std::enable_shared_from_this<MqttConnection> {
 public:
  struct Settings {
    boost::asio::ip::tcp::endpoint broker;
    mqtt5::ConnectParams connect;
    std::vector<std::string> subscriptions;  // QoS 1
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds reconnect_min{500}, reconnect_max{15'000};
  };

  MqttConnection(boost::asio::io_context& io, Settings s, std::weak_ptr<ConnectionListener> listener,
                 std::size_t index);

  void start();
  // Queues a publish; it goes out in order once the connection is up and the window has room. Publishes that
  // cannot be delivered (connection lost first) are reported with ok = false.
  void publish(const std::string& topic, std::string payload, std::uint8_t qos, bool retain, PublishMeta meta);
  // Loses the connection abruptly, without DISCONNECT, so the broker publishes the last will; stays down until
  // resume(). Simulates a vehicle out of coverage.
  void drop();
  void resume();
  // Clean DISCONNECT (no will) once what is queued is written; no reconnect afterwards.
  void close();

  bool up() const { return up_; }
  bool dropped() const { return dropped_; }
  bool closed() const { return closed_; }
  std::size_t index() const { return index_; }
  std::size_t waiting() const { return waiting_.size(); }
  std::size_t inflight() const { return inflight_.size(); }
  std::uint64_t connects() const { return connects_; }
  const std::string& clientId() const { return settings_.connect.client_id; }

 private:
  struct Waiting {
    std::string topic;
    std::string payload;
    std::uint8_t qos;
    bool retain;
    PublishMeta meta;
  };

  void connect();
  void onConnack(const mqtt5::Packet& p);
  void readMore();
  void handle(mqtt5::Packet& p);
  void pump();
  void flush();
  void fail(const std::string& why);
  void failPending();
  void scheduleReconnect();
  void armKeepalive();
  std::uint16_t nextPacketId();

  boost::asio::io_context& io_;
  Settings settings_;
  std::weak_ptr<ConnectionListener> listener_;
  std::size_t index_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;      // connect timeout, reconnect backoff
  boost::asio::steady_timer keepalive_;
  std::uint64_t generation_ = 0;         // bumped per attempt; completions of older attempts are ignored
  bool up_ = false, connecting_ = false, dropped_ = false, closed_ = false, closing_ = false;
  std::uint64_t connects_ = 0;
  std::chrono::milliseconds backoff_;
  std::uint16_t receive_max_ = 20;
  std::uint16_t packet_id_ = 0;
  std::deque<Waiting> waiting_;
  std::deque<std::pair<std::uint16_t, PublishMeta>> inflight_;  // QoS 1 awaiting PUBACK, in send order
  std::string out_, writing_;
  std::vector<PublishMeta> qos0_, qos0_writing_;  // QoS 0 publishes count as delivered once written
  bool write_busy_ = false;
  std::vector<char> rx_;
  mqtt5::PacketReader reader_;
  std::chrono::steady_clock::time_point last_rx_, last_tx_;
};

}  // namespace fleetlink::sim
