#include <utility>  // before Asio: Boost 1.74 misses it under GCC 12 in C++20 mode

#include "bench/fleet/ws_fleet_clients.hpp"

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "bench/fleet/fleet_stack.hpp"
#include "fleetlink/v1/fleetlink.pb.h"
#include "tools/fleet-sim/mqtt5_codec.hpp"

namespace fleetlink::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct Client;

struct WsFleetClients::Impl {
  explicit Impl(Options o) : opts(std::move(o)), timer(io) {}
  Options opts;
  asio::io_context io;
  asio::steady_timer timer;
  std::jthread thread;
  std::atomic<int> ready{0}, failed{0}, started{0};
  std::atomic<std::uint64_t> updates{0};
  std::mutex mu;
  std::vector<std::int64_t> latencies, alert_latencies;
  std::unordered_map<std::string, std::int64_t> panics;
  std::string last_error;
  std::vector<std::shared_ptr<Client>> clients;

  void fail(const std::string& what, const beast::error_code& ec) {
    ++failed;
    std::lock_guard lk(mu);
    last_error = what + ": " + ec.message();
  }
  void latency(std::int64_t ms) {
    std::lock_guard lk(mu);
    latencies.push_back(ms);
  }
  void alert(const std::string& vehicle, std::int64_t now) {
    std::lock_guard lk(mu);
    const auto it = panics.find(vehicle);
    if (it == panics.end()) return;
    alert_latencies.push_back(now - it->second);
    panics.erase(it);
  }
};

struct Client : std::enable_shared_from_this<Client> {
  Client(WsFleetClients::Impl& i, int n) : impl(i), index(n), ws(i.io) {}
  WsFleetClients::Impl& impl;
  int index;
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::string out;
  sim::mqtt5::PacketReader reader;
  bool subscribed = false;

  void start() {
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(impl.opts.port));
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws).async_connect(ep, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->impl.fail("connect", ec);
      self->handshake();
    });
  }

  void handshake() {
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    const bool hub = impl.opts.peer == WsFleetClients::Peer::Hub;
    const std::string token = impl.opts.token;
    ws.set_option(websocket::stream_base::decorator([hub, token](websocket::request_type& req) {
      if (hub) req.set(beast::http::field::authorization, "Bearer " + token);
      else req.set(beast::http::field::sec_websocket_protocol, "mqtt");
    }));
    ws.async_handshake("127.0.0.1:" + std::to_string(impl.opts.port), hub ? "/ws" : "/mqtt",
                       [self = shared_from_this()](beast::error_code ec) {
                         if (ec) return self->impl.fail("handshake", ec);
                         self->subscribe();
                       });
  }

  void subscribe() {
    if (impl.opts.peer == WsFleetClients::Peer::Hub) {
      ws.text(true);
      out = impl.opts.subscribe_json;
    } else {
      ws.binary(true);
      sim::mqtt5::ConnectParams p;
      p.client_id = "bench-ws-" + std::to_string(index);
      p.keepalive_s = 0;  // no pings to answer: the benchmark's clients only read
      sim::mqtt5::appendConnect(out, p);
      sim::mqtt5::appendSubscribe(out, 1, {impl.opts.mqtt_filter}, 0);
    }
    ws.async_write(asio::buffer(out), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->impl.fail("subscribe", ec);
      if (self->impl.opts.peer == WsFleetClients::Peer::Hub) self->markReady();
      self->read();
    });
  }

  void markReady() {
    if (subscribed) return;
    subscribed = true;
    ++impl.ready;
  }

  void read() {
    ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        if (ec != asio::error::operation_aborted) self->impl.fail("read", ec);
        return;
      }
      self->onFrame(beast::buffers_to_string(self->buffer.data()));
      self->buffer.consume(self->buffer.size());
      self->read();
    });
  }

  void onFrame(const std::string& frame) {
    const std::int64_t now = wallMs();
    if (impl.opts.peer == WsFleetClients::Peer::Hub) {
      const auto j = nlohmann::json::parse(frame, nullptr, false);
      if (j.is_discarded()) return;
      auto one = [&](const nlohmann::json& m) {
        if (!m.is_object() || m.value("type", "") != "event") return;
        const std::string kind = m.value("kind", "");
        if (kind == "position") {
          ++impl.updates;
          impl.latency(now - m.value("time_ms", std::int64_t{0}));
        } else if (kind == "alert") {
          impl.alert(m.value("vehicle", ""), now);
        }
      };
      if (j.is_array())
        for (const auto& m : j) one(m);
      else one(j);
      return;
    }
    reader.feed(frame);
    while (auto p = reader.next()) {
      if (p->type == sim::mqtt5::PacketType::Suback) markReady();
      if (p->type != sim::mqtt5::PacketType::Publish) continue;
      v1::Uplink u;
      if (!u.ParseFromString(p->payload)) continue;
      for (const auto& r : u.records())
        if (r.has_position()) {
          ++impl.updates;
          impl.latency(now - r.time_ms());
        }
    }
  }
};

WsFleetClients::WsFleetClients(Options o) : impl_(std::make_unique<Impl>(std::move(o))) {}

WsFleetClients::~WsFleetClients() { stop(); }

void WsFleetClients::start() {
  auto& im = *impl_;
  for (int i = 0; i < im.opts.clients; ++i) im.clients.push_back(std::make_shared<Client>(im, i));
  // Connect at a steady rate so the server's accept queue is not the thing being measured.
  // The pending timer holds the step alive; the step itself only refers to itself weakly (no cycle, no leak).
  auto step = std::make_shared<std::function<void()>>();
  *step = [&im, weak = std::weak_ptr<std::function<void()>>(step)] {
    auto self = weak.lock();
    if (!self) return;
    const int per_tick = std::max(1, im.opts.connect_rate / 100);
    for (int k = 0; k < per_tick && im.started < static_cast<int>(im.clients.size()); ++k)
      im.clients[static_cast<std::size_t>(im.started++)]->start();
    if (im.started < static_cast<int>(im.clients.size())) {
      im.timer.expires_after(std::chrono::milliseconds(10));
      im.timer.async_wait([self](beast::error_code ec) {
        if (!ec) (*self)();
      });
    }
  };
  asio::post(im.io, [step] { (*step)(); });
  im.thread = std::jthread([&im] { im.io.run(); });
}

bool WsFleetClients::waitReady(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (impl_->ready + impl_->failed >= impl_->opts.clients) return impl_->failed == 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int WsFleetClients::ready() const { return impl_->ready; }
int WsFleetClients::failed() const { return impl_->failed; }
std::uint64_t WsFleetClients::updatesReceived() const { return impl_->updates; }

std::string WsFleetClients::lastError() const {
  std::lock_guard lk(impl_->mu);
  return impl_->last_error;
}

void WsFleetClients::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
  impl_->clients.clear();
}

std::vector<std::int64_t> WsFleetClients::takeLatencies() {
  std::lock_guard lk(impl_->mu);
  return std::exchange(impl_->latencies, {});
}

void WsFleetClients::notePanic(const std::string& vehicle, std::int64_t at_ms) {
  std::lock_guard lk(impl_->mu);
  impl_->panics[vehicle] = at_ms;
}

std::vector<std::int64_t> WsFleetClients::takeAlertLatencies() {
  std::lock_guard lk(impl_->mu);
  return std::exchange(impl_->alert_latencies, {});
}

}  // namespace fleetlink::bench
