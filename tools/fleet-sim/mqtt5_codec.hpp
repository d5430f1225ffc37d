#pragma once
// The part of MQTT 5 a simulated device speaks, as bytes: CONNECT with last will, PUBLISH QoS 0/1, PUBACK,
// SUBSCRIBE, PINGREQ and DISCONNECT out; CONNACK, PUBLISH, PUBACK, SUBACK, PINGRESP and DISCONNECT in.
// Pure functions over strings so the framing is tested without a socket; MqttConnection does the I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fleetlink::sim::mqtt5 {

enum class PacketType : std::uint8_t {
  Connect = 1, Connack = 2, Publish = 3, Puback = 4, Subscribe = 8, Suback = 9,
  Pingreq = 12, Pingresp = 13, Disconnect = 14,
};

struct ConnectParams {
  std::string client_id;
  bool clean_start = true;
  std::uint16_t keepalive_s = 30;
  std::uint32_t session_expiry_s = 0;
  std::string username, password;
  bool has_will = false;
  std::string will_topic, will_payload;
  std::uint8_t will_qos = 1;
  bool will_retain = true;
};

// Each encoder appends one complete packet to `out`, so many packets share one socket write.
void appendConnect(std::string& out, const ConnectParams& p);
void appendPublish(std::string& out, std::string_view topic, std::string_view payload, std::uint8_t qos, bool retain,
                   std::uint16_t packet_id);
void appendPuback(std::string& out, std::uint16_t packet_id);
void appendSubscribe(std::string& out, std::uint16_t packet_id, const std::vector<std::string>& filters,
                     std::uint8_t qos);
void appendPingreq(std::string& out);
// Reason 0 = normal disconnection (no will); 4 = disconnect and let the broker publish the will.
void appendDisconnect(std::string& out, std::uint8_t reason = 0);

// One decoded incoming packet. Only the fields the simulator uses are filled.
struct Packet {
  PacketType type{};
  std::uint8_t flags = 0;
  std::uint16_t packet_id = 0;
  std::uint8_t reason = 0;              // CONNACK / PUBACK / DISCONNECT reason code; SUBACK: the worst one
  bool session_present = false;
  std::uint16_t receive_maximum = 65535;  // CONNACK: how many QoS 1 publishes may be unacknowledged
  std::uint32_t maximum_packet_size = 0;  // CONNACK: 0 = no limit announced
  std::uint16_t server_keepalive_s = 0;   // CONNACK: 0 = keep ours
  std::string topic;                      // PUBLISH
  std::string payload;                    // PUBLISH
  std::uint8_t qos = 0;                   // PUBLISH
  bool retain = false;                    // PUBLISH
};

// Splits a byte stream into packets. feed() appends received bytes; next() returns the next complete packet,
// nullopt when more bytes are needed, or sets error() for a stream that is not MQTT 5.
class PacketReader {
 public:
  void feed(std::string_view bytes) { buf_.append(bytes); }
  std::optional<Packet> next();
  const std::string& error() const { return error_; }
  std::size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  std::size_t pos_ = 0;
  std::string error_;
};

// Decodes the body of one packet (everything after the fixed header); nullopt with `error` set when malformed.
std::optional<Packet> decodePacket(std::uint8_t first_byte, std::string_view body, std::string& error);

}  // namespace fleetlink::sim::mqtt5
