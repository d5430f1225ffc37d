#include "hub/web/websocket_session.hpp"

#include <algorithm>
#include <chrono>

#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/split.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>

#include "fleetlink/common/log.hpp"
#include "hub/web/client_message.hpp"

namespace fleetlink::hub::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using nlohmann::json;
const log::Logger kLog("hub.web.ws");

// The subprotocol to answer a Sec-WebSocket-Protocol offer with: binary when the client offers it (in any
// position), else JSON when offered, else none (an offer of only unknown protocols gets no answer, which
// RFC 6455 clients treat as a refusal).
std::string_view pickSubprotocol(std::string_view offered) {
  std::vector<std::string> names;
  boost::split(names, offered, boost::is_any_of(","));
  bool json = false;
  for (auto& n : names) {
    boost::trim(n);
    if (n == kSubprotocolProtobuf) return kSubprotocolProtobuf;
    if (n == kSubprotocolJson) json = true;
  }
  return json ? kSubprotocolJson : std::string_view{};
}

template <class Stream>
class WebSocketSession final : public ClientChannel,
                               public LiveConnection,
                               public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  WebSocketSession(std::shared_ptr<ServerContext> ctx, Stream&& stream, Principal principal)
      : ClientChannel(static_cast<std::size_t>(ctx->settings.client_conflate_after),
                      static_cast<std::size_t>(ctx->settings.client_queue_max)),
        ws_(std::move(stream)),
        ctx_(std::move(ctx)),
        principal_(std::move(principal)) {}

  ~WebSocketSession() override {
    if (open_) ctx_->ws_clients.add(-1);
  }

  void run(http::request<http::string_body> req) {
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    // A peer silent for idle_timeout is dead: Beast pings at half of it and closes when nothing comes back.
    timeouts.idle_timeout = ctx_->settings.idle_timeout;
    timeouts.keep_alive_pings = true;
    timeouts.handshake_timeout = std::chrono::seconds(10);
    ws_.set_option(timeouts);
    const auto subprotocol = pickSubprotocol(req[http::field::sec_websocket_protocol]);
    binary_ = subprotocol == kSubprotocolProtobuf;
    ws_.set_option(websocket::stream_base::decorator([subprotocol](websocket::response_type& res) {
      res.set(http::field::server, "fleetlink-hub");
      if (!subprotocol.empty()) res.set(http::field::sec_websocket_protocol, subprotocol);
    }));
    ws_.read_message_max(kClientMessageMax);
    // A bounded kernel buffer per client: a stalled reader fills it quickly, so its queue policy (conflate,
    // then cut off) takes over instead of megabytes piling up in the kernel for each slow client.
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(net::socket_base::send_buffer_size(kSendBufferBytes), ignored);
    // Events are already gathered into one frame per write, so a frame's last segment must not wait for the
    // client's delayed ACK (Nagle): that wait would be most of a live event's latency.
    beast::get_lowest_layer(ws_).socket().set_option(net::ip::tcp::no_delay(true), ignored);
    ws_.async_accept(req, beast::bind_front_handler(&WebSocketSession::onAccept, this->shared_from_this()));
  }

  // ClientChannel: the fan-out queued messages; write them from the strand.
  void wake() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] { self->flush(); });
  }

  // LiveConnection.
  std::size_t backlog() override { return queued(); }
  void closeWith(std::uint16_t code, std::string reason) override {
    net::post(ws_.get_executor(), [self = this->shared_from_this(), code, reason = std::move(reason)] {
      self->startClose(code, reason);
    });
  }

 private:
  void onAccept(beast::error_code ec) {
    if (ec) return;  // the handshake failed or timed out: nothing was registered
    open_ = true;
    ctx_->ws_clients.add(1);
    ctx_->connections_total.inc();
    ctx_->connections.add(this->shared_from_this(), principal_.expires_at_ms);
    json hello = {{"type", "hello"},
                  {"epoch", ctx_->fanout.epoch()},
                  {"sub", principal_.subject},
                  {"role", roleName(principal_.role)},
                  {"fleets", principal_.allFleets() ? json::array({"*"}) : json(principal_.fleets)},
                  {"vehicles", principal_.vehicles},
                  {"expires_at_ms", principal_.expires_at_ms}};
    offerAndWake(makeControl(hello.dump()));
    doRead();
  }

  void doRead() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketSession::onRead, this->shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    if (ec) return onClosed(ec);
    if (ws_.got_binary()) {
      buffer_.consume(buffer_.size());
      refuse("send requests as JSON text frames (the binary subprotocol is for the hub's messages)");
      return doRead();
    }
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > 4096) buffer_.shrink_to_fit();
    handleMessage(text);
    doRead();
  }

  void refuse(const std::string& message) {
    ctx_->bad_messages.inc();
    offerAndWake(makeControl(json{{"type", "error"}, {"error", message}}.dump()));
  }

  void handleMessage(const std::string& text) {
    auto msg = parseClientMessage(text);
    if (!msg) return refuse(msg.error().message);
    switch (msg->type) {
      case ClientMessage::Type::Ping:
        offerAndWake(makeControl(json{{"type", "pong"}, {"id", msg->id}}.dump()));
        return;
      case ClientMessage::Type::Unsubscribe:
        ctx_->fanout.unsubscribe(this->shared_from_this());
        offerAndWake(makeControl(R"({"type":"unsubscribed"})"));
        return;
      case ClientMessage::Type::Subscribe:
        break;
    }
    // The token decides: every fleet and vehicle asked for must be granted, or the whole request is refused.
    Subscription sub;
    sub.kinds = msg->kinds;
    sub.epoch = msg->epoch;
    sub.resume = std::move(msg->resume);
    if (msg->fleets.size() == 1 && msg->fleets[0] == "*") {
      if (!msg->vehicles.empty()) return refuse("name the fleets when subscribing to vehicles");
      if (principal_.allFleets()) sub.all_fleets = true;
      else sub.fleets = principal_.fleets;
    } else {
      for (const auto& f : msg->fleets)
        if (!principal_.mayReadFleet(f)) {
          kLog.info("subscription refused", {{"subject", principal_.subject}, {"fleet", f}});
          return refuse("token does not grant fleet " + f);
        }
      sub.fleets = msg->fleets;
    }
    if (!principal_.vehicles.empty()) {
      if (msg->vehicles.empty()) sub.vehicles = principal_.vehicles;
      for (const auto& v : msg->vehicles) {
        if (std::find(principal_.vehicles.begin(), principal_.vehicles.end(), v) == principal_.vehicles.end())
          return refuse("token does not grant vehicle " + v);
        sub.vehicles.push_back(v);
      }
    } else {
      sub.vehicles = msg->vehicles;
    }
    ctx_->fanout.subscribe(this->shared_from_this(), std::move(sub));
  }

  void flush() {
    if (writing_ || closing_) return;
    batch_.clear();
    const auto b = take(kFrameBytes, batch_);
    // Past its queue limit the client gets what was queued (so a resume makes progress), then the close.
    if (b.overflowed && batch_.empty())
      return startClose(kCloseTooSlow, "client too slow: reconnect and resume from your last offset");
    if (batch_.empty()) return;
    frame_.clear();
    auto oldest = batch_.front()->made;
    for (const auto& e : batch_) oldest = std::min(oldest, e->made);
    if (binary_) {
      appendFeedFrame(batch_, frame_);
    } else {
      frame_ += '[';
      for (std::size_t i = 0; i < batch_.size(); ++i) {
        if (i) frame_ += ',';
        frame_ += batch_[i]->json;
      }
      frame_ += ']';
    }
    write_started_ = std::chrono::steady_clock::now();
    ctx_->client_wait.observe(std::chrono::duration<double>(write_started_ - oldest).count());
    writing_ = true;
    ws_.binary(binary_);
    ws_.async_write(net::buffer(frame_), beast::bind_front_handler(&WebSocketSession::onWrite, this->shared_from_this()));
  }

  void onWrite(beast::error_code ec, std::size_t bytes) {
    writing_ = false;
    if (ec) return;  // the read side sees the failure and cleans up
    ctx_->messages_sent.inc(batch_.size());
    ctx_->frames_sent.inc();
    ctx_->bytes_sent.inc(bytes);
    ctx_->write_time.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - write_started_).count());
    batch_.clear();
    flush();
    // Keep idle connections small: a burst's buffers are given back once nothing more is queued (a busy
    // connection reuses them frame after frame).
    if (!writing_) {
      if (frame_.capacity() > 16 * 1024) std::string().swap(frame_);
      if (batch_.capacity() > 256) std::vector<EventPtr>().swap(batch_);
    }
  }

  void startClose(std::uint16_t code, const std::string& reason) {
    if (closing_ || !open_) return;
    closing_ = true;
    ctx_->disconnects(code == kCloseTokenExpired ? "token_expired"
                      : code == kCloseTooSlow    ? "too_slow"
                      : code == kCloseGoingAway  ? "shutdown"
                                                 : "other")
        .inc();
    kLog.info("closing connection", {{"subject", principal_.subject}, {"code", std::to_string(code)}, {"reason", reason}});
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                    [self = this->shared_from_this()](beast::error_code) {});
  }

  void onClosed(beast::error_code ec) {
    if (!open_) return;
    if (ec != websocket::error::closed && ec != net::error::operation_aborted && !closing_)
      ctx_->disconnects(ec == beast::error::timeout ? "dead_peer" : "network").inc();
    else if (!closing_)
      ctx_->disconnects("client_closed").inc();
    ctx_->connections.remove(this);
    ctx_->fanout.remove(this->shared_from_this());
  }

  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
  std::shared_ptr<ServerContext> ctx_;
  Principal principal_;
  std::string frame_;
  std::vector<EventPtr> batch_;
  std::chrono::steady_clock::time_point write_started_;
  bool binary_ = false;  // the "fleetlink.v1.protobuf" subprotocol: FeedFrame binary frames
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
};

}  // namespace

template <class Stream>
void runWebSocketSession(std::shared_ptr<ServerContext> ctx, Stream&& stream, http::request<http::string_body> upgrade,
                         Principal principal) {
  std::make_shared<WebSocketSession<Stream>>(std::move(ctx), std::move(stream), std::move(principal))
      ->run(std::move(upgrade));
}

template void runWebSocketSession<beast::tcp_stream>(std::shared_ptr<ServerContext>, beast::tcp_stream&&,
                                                     http::request<http::string_body>, Principal);
template void runWebSocketSession<beast::ssl_stream<beast::tcp_stream>>(std::shared_ptr<ServerContext>,
                                                                        beast::ssl_stream<beast::tcp_stream>&&,
                                                                        http::request<http::string_body>, Principal);

}  // namespace fleetlink::hub::web
