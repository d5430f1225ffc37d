#include "hub/web/http_session.hpp"

#include <optional>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "fleetlink/common/log.hpp"
#include "hub/web/websocket_session.hpp"

namespace fleetlink::hub::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
const log::Logger kLog("hub.web.http");

constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr std::uint32_t kHeaderMax = 16 * 1024;

template <class Stream>
class HttpSession final : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(std::shared_ptr<ServerContext> ctx, Stream&& stream) : stream_(std::move(stream)), ctx_(std::move(ctx)) {}

  void run() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(kRequestTimeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              beast::bind_front_handler(&HttpSession::onHandshake, this->shared_from_this()));
    } else {
      doRead();
    }
  }

 private:
  void onHandshake(beast::error_code ec) {
    if (ec) return;  // not TLS, or a failed negotiation: nothing to answer
    doRead();
  }

  void doRead() {
    parser_.emplace();
    parser_->body_limit(ctx_->settings.request_max);
    parser_->header_limit(kHeaderMax);
    beast::get_lowest_layer(stream_).expires_after(kRequestTimeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::onRead, this->shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return doClose();
    if (ec == http::error::body_limit)
      return send(errorResponse(413, "request body larger than web.request_max (" +
                                         std::to_string(ctx_->settings.request_max) + " bytes)"),
                  11, false);
    if (ec == http::error::header_limit) return send(errorResponse(431, "request headers too large"), 11, false);
    if (ec) return;
    auto req = parser_->release();
    if (websocket::is_upgrade(req)) return upgrade(std::move(req));
    route(std::move(req));
  }

  static std::string tokenOf(const http::request<http::string_body>& req) {
    if (auto it = req.find(http::field::authorization); it != req.end()) {
      auto t = bearerFromHeader(std::string_view(it->value().data(), it->value().size()));
      if (!t.empty()) return t;
    }
    const auto t = parseTarget(std::string_view(req.target().data(), req.target().size()));
    if (auto it = t.query.find("access_token"); it != t.query.end()) return it->second;
    return {};
  }

  void upgrade(http::request<http::string_body> req) {
    const auto t = parseTarget(std::string_view(req.target().data(), req.target().size()));
    if (t.path != "/ws" && t.path != "/api/v1/ws")
      return send(errorResponse(404, "WebSocket endpoint is /ws"), req.version(), false);
    if (ctx_->stopping) return send(errorResponse(503, "hub is shutting down"), req.version(), false);
    const auto auth = ctx_->verifier.verify(tokenOf(req), ctx_->clock.nowMs());
    if (!auth.ok) {
      ctx_->authFailures(std::string(authFailureName(auth.error.reason))).inc();
      kLog.info("WebSocket refused", {{"reason", std::string(authFailureName(auth.error.reason))},
                                      {"detail", auth.error.message}});
      return send(errorResponse(401, auth.error.message), req.version(), false);
    }
    if (ctx_->connections.size() >= static_cast<std::size_t>(ctx_->settings.max_clients)) {
      ctx_->disconnects("max_clients").inc();
      return send(errorResponse(503, "too many WebSocket clients (web.max_clients); retry later"), req.version(), false);
    }
    // The WebSocket has its own timeouts (handshake, idle with pings).
    beast::get_lowest_layer(stream_).expires_never();
    runWebSocketSession<Stream>(ctx_, std::move(stream_), std::move(req), auth.principal);
  }

  void route(http::request<http::string_body> req) {
    const std::string target(req.target());
    const auto path = parseTarget(target).path;
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    if (ApiRouter::handles(path)) {
      ApiRequest api{std::string(req.method_string()), target, std::move(req.body()), tokenOf(req)};
      // The core answers admin actions on its own thread: wait for it on the API pool, never on the network threads.
      net::post(ctx_->api_pool, [self = this->shared_from_this(), api = std::move(api), version, keep_alive] {
        auto res = self->ctx_->router.handle(api);
        net::post(self->stream_.get_executor(), [self, res = std::move(res), version, keep_alive]() mutable {
          self->send(std::move(res), version, keep_alive);
        });
      });
      return;
    }
    if (req.method() != http::verb::get && req.method() != http::verb::head)
      return send(errorResponse(405, "use GET for " + path.substr(0, 200)), version, keep_alive);
    auto file = ctx_->files.get(path);
    if (!file) return send(errorResponse(404, "not found: " + path.substr(0, 200)), version, keep_alive);
    ApiResponse res{200, file->content_type, std::move(file->body)};
    send(std::move(res), version, keep_alive, /*cacheable=*/true);
  }

  void send(ApiResponse r, unsigned version, bool keep_alive, bool cacheable = false) {
    ctx_->metrics.counter("fleetlink_web_http_requests_total", "HTTP responses, by status", {{"code", std::to_string(r.status)}}).inc();
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), version);
    res->set(http::field::server, "fleetlink-hub");
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, cacheable ? "max-age=60" : "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    res->keep_alive(keep_alive && !ctx_->stopping);
    res->body() = std::move(r.body);
    res->prepare_payload();
    res_ = res;
    beast::get_lowest_layer(stream_).expires_after(kRequestTimeout);
    http::async_write(stream_, *res,
                      beast::bind_front_handler(&HttpSession::onWrite, this->shared_from_this(), res->keep_alive()));
  }

  void onWrite(bool keep_alive, beast::error_code ec, std::size_t) {
    res_.reset();
    if (ec) return;
    if (!keep_alive) return doClose();
    doRead();
  }

  void doClose() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<ServerContext> ctx_;
  std::shared_ptr<void> res_;
};

}  // namespace

void runHttpSession(std::shared_ptr<ServerContext> ctx, tcp::socket socket) {
  if (ctx->tls) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *ctx->tls);
    std::make_shared<HttpSession<beast::ssl_stream<beast::tcp_stream>>>(std::move(ctx), std::move(stream))->run();
  } else {
    std::make_shared<HttpSession<beast::tcp_stream>>(std::move(ctx), beast::tcp_stream(std::move(socket)))->run();
  }
}

}  // namespace fleetlink::hub::web
