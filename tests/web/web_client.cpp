#include "web_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "fleetlink/common/wire_json.hpp"

namespace fleetlink::test {
namespace {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
}  // namespace

nlohmann::json feedMessageJson(const v1::FeedMessage& m) {
  using nlohmann::json;
  json j = {{"type", m.type()}};
  auto text = [&](const char* name, const std::string& v) {
    if (!v.empty()) j[name] = v;
  };
  auto list = [&](const char* name, const auto& v) {
    if (!v.empty()) j[name] = std::vector<std::string>(v.begin(), v.end());
  };
  text("stream", m.stream());
  if (m.offset() != 0) j["offset"] = m.offset();
  text("kind", m.kind());
  text("vehicle", m.vehicle());
  if (m.time_ms() != 0) j["time_ms"] = m.time_ms();
  switch (m.data_case()) {
    case v1::FeedMessage::kUpdate: j["data"] = json::parse(wire::toJson(m.update())); break;
    case v1::FeedMessage::kAlert: j["data"] = json::parse(wire::toJson(m.alert())); break;
    case v1::FeedMessage::kRoute: j["data"] = json::parse(wire::toJson(m.route())); break;
    case v1::FeedMessage::DATA_NOT_SET: break;
  }
  text("epoch", m.epoch());
  text("sub", m.sub());
  text("role", m.role());
  list("fleets", m.fleets());
  list("vehicles", m.vehicles());
  if (m.expires_at_ms() != 0) j["expires_at_ms"] = m.expires_at_ms();
  list("kinds", m.kinds());
  if (!m.offsets().empty()) {
    j["offsets"] = json::object();
    for (const auto& [k, v] : m.offsets()) j["offsets"][k] = v;
  }
  text("reason", m.reason());
  if (m.count() != 0) j["count"] = m.count();
  text("id", m.id());
  text("error", m.error());
  return j;
}

nlohmann::json withoutDefaults(nlohmann::json m) {
  for (auto it = m.begin(); it != m.end();) {
    const auto& v = *it;
    const bool empty = (v.is_string() && v.get<std::string>().empty()) || (v.is_number() && v == 0) ||
                       ((v.is_array() || v.is_object()) && v.empty()) || v.is_null();
    it = empty ? m.erase(it) : std::next(it);
  }
  return m;
}

HttpResult httpRequest(int port, const std::string& method, const std::string& target, const std::string& token,
                       const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers) {
  const std::string host = "127.0.0.1";
  HttpResult out;
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(tcp::endpoint(net::ip::make_address(host), static_cast<unsigned short>(port)));
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, host);
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    // Through the async interface so the stream's 30 s timeout applies.
    beast::error_code ec;
    bool done = false;
    http::async_write(stream, req, [&](beast::error_code e, std::size_t) { ec = e; done = true; });
    ioc.run();
    if (ec || !done) return out;
    ioc.restart();
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    http::async_read(stream, buf, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    ioc.run();
    if (ec) return out;
    auto res = parser.release();
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string(res[http::field::content_type]);
    out.body = std::move(res.body());
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  } catch (const std::exception&) {
    out.status = 0;
  }
  return out;
}

struct WsClient::Impl {
  net::io_context ioc;
  net::ssl::context ssl_ctx{net::ssl::context::tls_client};
  std::optional<websocket::stream<beast::tcp_stream>> ws;
  std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> wss;
  beast::flat_buffer buffer;

  template <class F>
  auto with(F&& f) {
    if (wss) return f(*wss);
    return f(*ws);
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() { close(); }

bool WsClient::connect(int port, const Options& opts) {
  auto& d = *impl_;
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  std::string target = opts.path;
  if (!opts.token.empty() && opts.token_in_query) target += "?access_token=" + opts.token;
  auto decorate = [&](websocket::request_type& req) {
    if (!opts.token.empty() && !opts.token_in_query) req.set(http::field::authorization, "Bearer " + opts.token);
    if (!opts.subprotocols.empty()) req.set(http::field::sec_websocket_protocol, opts.subprotocols);
  };
  websocket::response_type res;
  beast::error_code ec;
  auto setup = [&](auto& ws) {
    auto& sock = beast::get_lowest_layer(ws).socket();
    sock.open(tcp::v4());
    if (opts.receive_buffer > 0) sock.set_option(net::socket_base::receive_buffer_size(opts.receive_buffer));
    sock.connect(ep, ec);
    if (ec) return;
    if constexpr (std::is_same_v<std::decay_t<decltype(ws)>, websocket::stream<beast::ssl_stream<beast::tcp_stream>>>) {
      ws.next_layer().handshake(net::ssl::stream_base::client, ec);
      if (ec) return;
    }
    ws.set_option(websocket::stream_base::decorator(decorate));
    ws.read_message_max(64 * 1024 * 1024);
    ws.handshake(res, "127.0.0.1", target, ec);
  };
  if (opts.tls) {
    d.ssl_ctx.set_verify_mode(net::ssl::verify_none);
    d.wss.emplace(d.ioc, d.ssl_ctx);
    setup(*d.wss);
  } else {
    d.ws.emplace(d.ioc);
    setup(*d.ws);
  }
  if (ec) {
    closed_ = true;
    refused_body_ = ec.message();
    if (ec == websocket::error::upgrade_declined && !opts.tls) {
      // Beast does not hand back a declined upgrade's answer: ask once more over plain HTTP to read it.
      auto again = httpRequest(port, "GET", target, opts.token_in_query ? "" : opts.token, "",
                               {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Version", "13"},
                                {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
      refused_status_ = again.status;
      refused_body_ = again.body;
    }
    return false;
  }
  subprotocol_ = std::string(res[http::field::sec_websocket_protocol]);
  return true;
}

void WsClient::sendBinary(const std::string& bytes) {
  if (closed_) return;
  beast::error_code ec;
  impl_->with([&](auto& ws) {
    ws.binary(true);
    ws.write(net::buffer(bytes), ec);
    return 0;
  });
}

void WsClient::send(const nlohmann::json& msg) {
  if (closed_) return;
  beast::error_code ec;
  impl_->with([&](auto& ws) {
    ws.text(true);
    ws.write(net::buffer(msg.dump()), ec);
    return 0;
  });
}

std::optional<nlohmann::json> WsClient::next(std::chrono::milliseconds timeout) {
  if (!pending_.empty()) {
    auto m = std::move(pending_.front());
    pending_.pop_front();
    return m;
  }
  if (closed_) return std::nullopt;
  auto& d = *impl_;
  beast::error_code ec;
  bool done = false;
  d.with([&](auto& ws) {
    ws.async_read(d.buffer, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    return 0;
  });
  d.ioc.restart();
  d.ioc.run_for(timeout);
  if (!done) {
    // A timed-out read leaves the stream unusable: close the socket and report the timeout.
    d.with([&](auto& ws) {
      beast::error_code ignored;
      beast::get_lowest_layer(ws).socket().close(ignored);
      return 0;
    });
    d.ioc.restart();
    d.ioc.run_for(std::chrono::seconds(1));
    closed_ = true;
    return std::nullopt;
  }
  if (ec) {
    closed_ = true;
    d.with([&](auto& ws) {
      close_code_ = ws.reason().code;
      close_reason_ = std::string(ws.reason().reason.c_str());
      return 0;
    });
    return std::nullopt;
  }
  ++frames_;
  const bool binary = d.with([](auto& ws) { return ws.got_binary(); });
  const std::string data = beast::buffers_to_string(d.buffer.data());
  d.buffer.consume(d.buffer.size());
  if (binary) {
    ++binary_frames_;
    v1::FeedFrame frame;
    if (!frame.ParseFromString(data)) ++bad_binary_frames_;
    else
      for (const auto& m : frame.messages()) pending_.push_back(feedMessageJson(m));
    if (pending_.empty()) return next(timeout);
    auto m = std::move(pending_.front());
    pending_.pop_front();
    return m;
  }
  auto frame = nlohmann::json::parse(data, nullptr, false);
  if (frame.is_array()) {
    for (auto& m : frame) pending_.push_back(std::move(m));
  } else {
    pending_.push_back(std::move(frame));
  }
  if (pending_.empty()) return next(timeout);
  auto m = std::move(pending_.front());
  pending_.pop_front();
  return m;
}

std::optional<std::vector<nlohmann::json>> WsClient::until(const std::function<bool(const nlohmann::json&)>& pred,
                                                           std::chrono::milliseconds timeout) {
  std::vector<nlohmann::json> seen;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto m = next(left);
    if (!m) return std::nullopt;
    seen.push_back(*m);
    if (pred(*m)) return seen;
  }
}

void WsClient::close() {
  if (closed_ || !impl_) return;
  closed_ = true;
  auto& d = *impl_;
  d.with([&](auto& ws) {
    beast::error_code ec;
    beast::get_lowest_layer(ws).socket().close(ec);
    return 0;
  });
}

}  // namespace fleetlink::test
