#include <utility>  // before Asio: Boost 1.74 misses it under GCC 12 in C++20 mode

#include "tools/fleet-sim/mqtt_connection.hpp"

#include <random>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include "fleetlink/common/log.hpp"

namespace fleetlink::sim {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
log::Logger& logger() {
  static log::Logger l("sim.mqtt");
  return l;
}
}  // namespace

MqttConnection::MqttConnection(asio::io_context& io, Settings s, std::weak_ptr<ConnectionListener> listener,
                               std::size_t index)
    : io_(io),
      settings_(std::move(s)),
      listener_(std::move(listener)),
      index_(index),
      socket_(io),
      timer_(io),
      keepalive_(io),
      backoff_(settings_.reconnect_min),
      rx_(16 * 1024) {}

void MqttConnection::start() { connect(); }

void MqttConnection::connect() {
  if (closed_ || dropped_ || connecting_ || up_) return;
  connecting_ = true;
  const auto gen = ++generation_;
  reader_ = mqtt5::PacketReader{};
  socket_ = asio::ip::tcp::socket(io_);
  timer_.expires_after(settings_.connect_timeout);
  timer_.async_wait([self = shared_from_this(), gen](const error_code& ec) {
    if (!ec && gen == self->generation_ && !self->up_) self->fail("no CONNACK within the connect timeout");
  });
  socket_.async_connect(settings_.broker, [self = shared_from_this(), gen](const error_code& ec) {
    if (gen != self->generation_) return;
    if (ec) return self->fail("cannot connect to " + self->settings_.broker.address().to_string() + ":" +
                              std::to_string(self->settings_.broker.port()) + ": " + ec.message());
    error_code ignored;
    self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    self->out_.clear();
    self->writing_.clear();
    self->write_busy_ = false;
    mqtt5::appendConnect(self->out_, self->settings_.connect);
    self->flush();
    self->readMore();
  });
}

void MqttConnection::readMore() {
  const auto gen = generation_;
  socket_.async_read_some(asio::buffer(rx_), [self = shared_from_this(), gen](const error_code& ec, std::size_t n) {
    if (gen != self->generation_) return;
    if (ec) return self->fail(ec == asio::error::eof ? "broker closed the connection" : "read failed: " + ec.message());
    self->last_rx_ = std::chrono::steady_clock::now();
    self->reader_.feed(std::string_view(self->rx_.data(), n));
    while (auto p = self->reader_.next()) {
      self->handle(*p);
      if (gen != self->generation_) return;  // handling failed the connection
    }
    if (!self->reader_.error().empty()) return self->fail("bad data from broker: " + self->reader_.error());
    self->readMore();
  });
}

void MqttConnection::handle(mqtt5::Packet& p) {
  switch (p.type) {
    case mqtt5::PacketType::Connack:
      onConnack(p);
      break;
    case mqtt5::PacketType::Publish: {
      if (p.qos > 0) mqtt5::appendPuback(out_, p.packet_id);
      flush();
      if (auto l = listener_.lock()) l->onMessage(*this, p.topic, p.payload);
      break;
    }
    case mqtt5::PacketType::Puback: {
      // The broker acknowledges in order, so the match is nearly always at the front.
      for (auto it = inflight_.begin(); it != inflight_.end(); ++it) {
        if (it->first != p.packet_id) continue;
        const PublishMeta meta = it->second;
        inflight_.erase(it);
        if (auto l = listener_.lock()) l->onDelivered(meta, p.reason < 0x80);
        break;
      }
      pump();
      break;
    }
    case mqtt5::PacketType::Suback:
      if (p.reason >= 0x80)
        logger().warn("broker refused a subscription", {{"client", clientId()}, {"reason", std::to_string(p.reason)}});
      break;
    case mqtt5::PacketType::Disconnect:
      fail("broker sent DISCONNECT with reason " + std::to_string(p.reason));
      break;
    default:
      break;
  }
}

void MqttConnection::onConnack(const mqtt5::Packet& p) {
  if (p.reason != 0) {
    fail("broker refused the connection (CONNACK reason " + std::to_string(p.reason) + ")");
    return;
  }
  timer_.cancel();
  connecting_ = false;
  up_ = true;
  ++connects_;
  backoff_ = settings_.reconnect_min;
  receive_max_ = p.receive_maximum;
  if (p.server_keepalive_s > 0) settings_.connect.keepalive_s = p.server_keepalive_s;
  if (!settings_.subscriptions.empty())
    mqtt5::appendSubscribe(out_, nextPacketId(), settings_.subscriptions, 1);
  armKeepalive();
  if (auto l = listener_.lock()) l->onConnected(*this);
  pump();
}

std::uint16_t MqttConnection::nextPacketId() {
  if (++packet_id_ == 0) packet_id_ = 1;
  return packet_id_;
}

void MqttConnection::publish(const std::string& topic, std::string payload, std::uint8_t qos, bool retain,
                             PublishMeta meta) {
  if (closed_ || !up_) {
    // Nothing can carry it: report it undelivered, after this call returns so callers never re-enter.
    asio::post(io_, [self = shared_from_this(), meta] {
      if (auto l = self->listener_.lock()) l->onDelivered(meta, false);
    });
    return;
  }
  waiting_.push_back({topic, std::move(payload), qos, retain, meta});
  pump();
}

void MqttConnection::pump() {
  if (!up_) return;
  while (!waiting_.empty()) {
    Waiting& w = waiting_.front();
    if (w.qos > 0 && inflight_.size() >= receive_max_) break;
    std::uint16_t id = 0;
    if (w.qos > 0) {
      id = nextPacketId();
      inflight_.emplace_back(id, w.meta);
    } else {
      qos0_.push_back(w.meta);
    }
    mqtt5::appendPublish(out_, w.topic, w.payload, w.qos, w.retain, id);
    waiting_.pop_front();
  }
  flush();
}

void MqttConnection::flush() {
  if (write_busy_ || out_.empty() || !socket_.is_open()) return;
  write_busy_ = true;
  writing_.swap(out_);
  out_.clear();
  qos0_writing_.swap(qos0_);
  qos0_.clear();
  last_tx_ = std::chrono::steady_clock::now();
  const auto gen = generation_;
  asio::async_write(socket_, asio::buffer(writing_), [self = shared_from_this(), gen](const error_code& ec, std::size_t) {
    if (gen != self->generation_) return;
    self->write_busy_ = false;
    if (ec) return self->fail("write failed: " + ec.message());
    auto done = std::move(self->qos0_writing_);
    self->qos0_writing_.clear();
    if (auto l = self->listener_.lock())
      for (const auto& m : done) l->onDelivered(m, true);
    if (self->closing_ && self->out_.empty()) {
      error_code ignored;
      self->socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      self->socket_.close(ignored);
      self->keepalive_.cancel();
      return;
    }
    self->flush();
  });
}

void MqttConnection::armKeepalive() {
  const auto period = std::chrono::seconds(std::max<int>(1, settings_.connect.keepalive_s / 2));
  keepalive_.expires_after(period);
  const auto gen = generation_;
  keepalive_.async_wait([self = shared_from_this(), gen, period](const error_code& ec) {
    if (ec || gen != self->generation_ || !self->up_) return;
    const auto now = std::chrono::steady_clock::now();
    // No packet from the broker for 1.5 keep-alive periods: the network is silent, give the link up.
    if (now - self->last_rx_ > 3 * period) return self->fail("broker silent for " +
                                                              std::to_string(3 * period.count()) + " s");
    if (now - self->last_tx_ >= period || now - self->last_rx_ >= period) {
      mqtt5::appendPingreq(self->out_);
      self->flush();
    }
    self->armKeepalive();
  });
}

void MqttConnection::failPending() {
  // Hand back everything not acknowledged: the vehicles re-send those records once a connection is up again.
  std::vector<PublishMeta> lost;
  for (auto& [id, m] : inflight_) lost.push_back(m);
  for (auto& w : waiting_) lost.push_back(w.meta);
  for (auto& m : qos0_) lost.push_back(m);
  for (auto& m : qos0_writing_) lost.push_back(m);
  inflight_.clear();
  waiting_.clear();
  qos0_.clear();
  qos0_writing_.clear();
  if (auto l = listener_.lock())
    for (const auto& m : lost) l->onDelivered(m, false);
}

void MqttConnection::fail(const std::string& why) {
  const bool was_up = up_;
  ++generation_;
  up_ = false;
  connecting_ = false;
  write_busy_ = false;
  out_.clear();
  writing_.clear();
  error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
  keepalive_.cancel();
  failPending();
  if (auto l = listener_.lock(); l && (was_up || !closed_)) l->onDisconnected(*this, why);
  scheduleReconnect();
}

void MqttConnection::scheduleReconnect() {
  if (closed_ || closing_ || dropped_) return;
  static thread_local std::mt19937 rng{std::random_device{}()};
  // Full jitter: after a broker restart thousands of connections must not all come back in the same instant.
  std::uniform_int_distribution<long> jitter(backoff_.count() / 2, backoff_.count());
  timer_.expires_after(std::chrono::milliseconds(jitter(rng)));
  backoff_ = std::min(settings_.reconnect_max, backoff_ * 2);
  const auto gen = generation_;
  timer_.async_wait([self = shared_from_this(), gen](const error_code& ec) {
    if (!ec && gen == self->generation_) self->connect();
  });
}

void MqttConnection::drop() {
  if (dropped_ || closed_) return;
  dropped_ = true;
  if (up_ || connecting_) fail("simulated outage");
}

void MqttConnection::resume() {
  if (!dropped_ || closed_) return;
  dropped_ = false;
  backoff_ = settings_.reconnect_min;
  connect();
}

void MqttConnection::close() {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  if (!up_) {
    ++generation_;
    error_code ignored;
    socket_.close(ignored);
    keepalive_.cancel();
    failPending();
    return;
  }
  closing_ = true;
  failPending();  // anything still unacknowledged stays unacknowledged in the report
  mqtt5::appendDisconnect(out_, 0);
  up_ = false;
  flush();
}

}  // namespace fleetlink::sim
