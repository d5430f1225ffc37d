#include "tools/fleet-sim/mqtt5_codec.hpp"

namespace fleetlink::sim::mqtt5 {
namespace {

constexpr std::size_t kMaxRemainingLength = 268'435'455;  // four-byte variable integer

void putU8(std::string& o, std::uint8_t v) { o.push_back(static_cast<char>(v)); }
void putU16(std::string& o, std::uint16_t v) {
  o.push_back(static_cast<char>(v >> 8));
  o.push_back(static_cast<char>(v & 0xff));
}
void putU32(std::string& o, std::uint32_t v) {
  putU16(o, static_cast<std::uint16_t>(v >> 16));
  putU16(o, static_cast<std::uint16_t>(v & 0xffff));
}
void putVarint(std::string& o, std::size_t v) {
  do {
    std::uint8_t b = v % 128;
    v /= 128;
    if (v > 0) b |= 0x80;
    putU8(o, b);
  } while (v > 0);
}
std::size_t varintSize(std::size_t v) {
  std::size_t n = 1;
  while (v >= 128) {
    v /= 128;
    ++n;
  }
  return n;
}
void putStr(std::string& o, std::string_view s) {
  putU16(o, static_cast<std::uint16_t>(s.size()));
  o.append(s);
}

// Writes the fixed header for a body of `len` bytes.
void putHeader(std::string& o, PacketType t, std::uint8_t flags, std::size_t len) {
  putU8(o, static_cast<std::uint8_t>((static_cast<std::uint8_t>(t) << 4) | flags));
  putVarint(o, len);
}

// A cursor over a packet body; every read checks the remaining length.
class Cursor {
 public:
  explicit Cursor(std::string_view b) : b_(b) {}
  bool u8(std::uint8_t& v) {
    if (pos_ + 1 > b_.size()) return false;
    v = static_cast<std::uint8_t>(b_[pos_++]);
    return true;
  }
  bool u16(std::uint16_t& v) {
    std::uint8_t hi, lo;
    if (!u8(hi) || !u8(lo)) return false;
    v = static_cast<std::uint16_t>((hi << 8) | lo);
    return true;
  }
  bool u32(std::uint32_t& v) {
    std::uint16_t hi, lo;
    if (!u16(hi) || !u16(lo)) return false;
    v = (static_cast<std::uint32_t>(hi) << 16) | lo;
    return true;
  }
  bool varint(std::size_t& v) {
    v = 0;
    std::size_t mult = 1;
    for (int i = 0; i < 4; ++i) {
      std::uint8_t b;
      if (!u8(b)) return false;
      v += (b & 0x7f) * mult;
      if ((b & 0x80) == 0) return true;
      mult *= 128;
    }
    return false;
  }
  bool str(std::string& s) {
    std::uint16_t n;
    if (!u16(n) || pos_ + n > b_.size()) return false;
    s.assign(b_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool skip(std::size_t n) {
    if (pos_ + n > b_.size()) return false;
    pos_ += n;
    return true;
  }
  std::size_t left() const { return b_.size() - pos_; }
  std::string_view rest() const { return b_.substr(pos_); }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
};

// Reads a property block, keeping the CONNACK properties the simulator honours and skipping the others by type.
bool readProperties(Cursor& c, Packet& p) {
  std::size_t len;
  if (!c.varint(len) || len > c.left()) return false;
  Cursor props(c.rest().substr(0, len));
  c.skip(len);
  while (props.left() > 0) {
    std::size_t id;
    if (!props.varint(id)) return false;
    std::uint8_t b;
    std::uint16_t s;
    std::uint32_t w;
    std::size_t vi;
    std::string text;
    switch (id) {
      case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2A:
        if (!props.u8(b)) return false;
        break;
      case 0x13:
        if (!props.u16(s)) return false;
        p.server_keepalive_s = s;
        break;
      case 0x21:
        if (!props.u16(s)) return false;
        p.receive_maximum = s == 0 ? 65535 : s;
        break;
      case 0x22: case 0x23:
        if (!props.u16(s)) return false;
        break;
      case 0x27:
        if (!props.u32(w)) return false;
        p.maximum_packet_size = w;
        break;
      case 0x02: case 0x11: case 0x18:
        if (!props.u32(w)) return false;
        break;
      case 0x0B:
        if (!props.varint(vi)) return false;
        break;
      case 0x03: case 0x08: case 0x09: case 0x12: case 0x15: case 0x16: case 0x1A: case 0x1C: case 0x1F:
        if (!props.str(text)) return false;  // strings and binary data share the length-prefixed layout
        break;
      case 0x26:
        if (!props.str(text) || !props.str(text)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

void appendConnect(std::string& out, const ConnectParams& p) {
  std::string body;
  putStr(body, "MQTT");
  putU8(body, 5);
  std::uint8_t flags = 0;
  if (!p.username.empty()) flags |= 0x80;
  if (!p.password.empty()) flags |= 0x40;
  if (p.has_will) {
    flags |= 0x04;
    flags |= static_cast<std::uint8_t>((p.will_qos & 0x03) << 3);
    if (p.will_retain) flags |= 0x20;
  }
  if (p.clean_start) flags |= 0x02;
  putU8(body, flags);
  putU16(body, p.keepalive_s);
  if (p.session_expiry_s > 0) {
    putVarint(body, 5);
    putU8(body, 0x11);
    putU32(body, p.session_expiry_s);
  } else {
    putVarint(body, 0);
  }
  putStr(body, p.client_id);
  if (p.has_will) {
    putVarint(body, 0);  // will properties
    putStr(body, p.will_topic);
    putStr(body, p.will_payload);
  }
  if (!p.username.empty()) putStr(body, p.username);
  if (!p.password.empty()) putStr(body, p.password);
  putHeader(out, PacketType::Connect, 0, body.size());
  out += body;
}

void appendPublish(std::string& out, std::string_view topic, std::string_view payload, std::uint8_t qos, bool retain,
                   std::uint16_t packet_id) {
  const std::size_t len = 2 + topic.size() + (qos > 0 ? 2 : 0) + 1 + payload.size();
  std::uint8_t flags = static_cast<std::uint8_t>((qos & 0x03) << 1);
  if (retain) flags |= 0x01;
  out.reserve(out.size() + 1 + varintSize(len) + len);
  putHeader(out, PacketType::Publish, flags, len);
  putStr(out, topic);
  if (qos > 0) putU16(out, packet_id);
  putVarint(out, 0);  // no properties
  out.append(payload);
}

void appendPuback(std::string& out, std::uint16_t packet_id) {
  putHeader(out, PacketType::Puback, 0, 2);  // reason 0 (success) is implied by the short form
  putU16(out, packet_id);
}

void appendSubscribe(std::string& out, std::uint16_t packet_id, const std::vector<std::string>& filters,
                     std::uint8_t qos) {
  std::string body;
  putU16(body, packet_id);
  putVarint(body, 0);
  for (const auto& f : filters) {
    putStr(body, f);
    putU8(body, static_cast<std::uint8_t>(qos & 0x03));
  }
  putHeader(out, PacketType::Subscribe, 0x02, body.size());
  out += body;
}

void appendPingreq(std::string& out) { putHeader(out, PacketType::Pingreq, 0, 0); }

void appendDisconnect(std::string& out, std::uint8_t reason) {
  putHeader(out, PacketType::Disconnect, 0, 2);
  putU8(out, reason);
  putVarint(out, 0);
}

std::optional<Packet> decodePacket(std::uint8_t first_byte, std::string_view body, std::string& error) {
  Packet p;
  p.type = static_cast<PacketType>(first_byte >> 4);
  p.flags = first_byte & 0x0f;
  Cursor c(body);
  auto bad = [&](const char* what) -> std::optional<Packet> {
    error = what;
    return std::nullopt;
  };
  switch (p.type) {
    case PacketType::Connack: {
      std::uint8_t ack;
      if (!c.u8(ack) || !c.u8(p.reason)) return bad("truncated CONNACK");
      p.session_present = (ack & 0x01) != 0;
      if (c.left() > 0 && !readProperties(c, p)) return bad("malformed CONNACK properties");
      return p;
    }
    case PacketType::Publish: {
      p.qos = (p.flags >> 1) & 0x03;
      p.retain = (p.flags & 0x01) != 0;
      if (p.qos > 2) return bad("PUBLISH with QoS 3");
      if (!c.str(p.topic)) return bad("truncated PUBLISH topic");
      if (p.qos > 0 && !c.u16(p.packet_id)) return bad("truncated PUBLISH packet id");
      Packet ignored;
      if (!readProperties(c, ignored)) return bad("malformed PUBLISH properties");
      p.payload.assign(c.rest());
      return p;
    }
    case PacketType::Puback: {
      if (!c.u16(p.packet_id)) return bad("truncated PUBACK");
      if (c.left() > 0) c.u8(p.reason);
      return p;
    }
    case PacketType::Suback: {
      if (!c.u16(p.packet_id)) return bad("truncated SUBACK");
      Packet ignored;
      if (!readProperties(c, ignored)) return bad("malformed SUBACK properties");
      std::uint8_t rc;
      while (c.u8(rc)) p.reason = std::max(p.reason, rc);
      return p;
    }
    case PacketType::Pingresp:
      return p;
    case PacketType::Disconnect:
      if (c.left() > 0) c.u8(p.reason);
      return p;
    default:
      return bad("unexpected packet type from the broker");
  }
}

std::optional<Packet> PacketReader::next() {
  if (!error_.empty()) return std::nullopt;
  const std::size_t avail = buf_.size() - pos_;
  if (avail < 2) return std::nullopt;
  std::size_t len = 0, mult = 1, i = 1;
  for (;; ++i) {
    if (i >= avail) return std::nullopt;
    if (i > 4) {
      error_ = "malformed remaining length";
      return std::nullopt;
    }
    const auto b = static_cast<std::uint8_t>(buf_[pos_ + i]);
    len += (b & 0x7f) * mult;
    mult *= 128;
    if ((b & 0x80) == 0) break;
  }
  if (len > kMaxRemainingLength) {
    error_ = "packet too large";
    return std::nullopt;
  }
  const std::size_t header = i + 1;
  if (avail < header + len) return std::nullopt;
  const auto first = static_cast<std::uint8_t>(buf_[pos_]);
  auto p = decodePacket(first, std::string_view(buf_).substr(pos_ + header, len), error_);
  pos_ += header + len;
  // Compact now and then so the buffer does not grow with the stream.
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 64 * 1024) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return p;
}

}  // namespace fleetlink::sim::mqtt5
