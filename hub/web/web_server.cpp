#include "hub/web/web_server.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/thread_name.hpp"
#include "hub/web/listener.hpp"
#include "hub/web/websocket_session.hpp"

namespace fleetlink::hub::web {
namespace {

const log::Logger kLog("hub.web");
constexpr auto kExpiryCheck = std::chrono::milliseconds(250);
constexpr int kApiThreads = 2;

Expected<std::unique_ptr<net::ssl::context>> tlsContext(const HubSettings::Web& s) {
  if (s.tls_cert.empty() && s.tls_key.empty()) return std::unique_ptr<net::ssl::context>();
  if (s.tls_cert.empty() || s.tls_key.empty())
    return Error{"web.tls_cert and web.tls_key must both be set for TLS (or both empty for plain HTTP)"};
  auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                   net::ssl::context::single_dh_use);
  // TLS 1.2 at least; OpenSSL negotiates 1.3 whenever the client offers it.
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(s.tls_cert, ec);
  if (ec) return Error{ec.message()}.context("could not load web.tls_cert " + s.tls_cert);
  ctx->use_private_key_file(s.tls_key, net::ssl::context::pem, ec);
  if (ec) return Error{ec.message()}.context("could not load web.tls_key " + s.tls_key);
  return ctx;
}

}  // namespace

std::string defaultDashboardDir() {
#ifdef FLEETLINK_DASHBOARD_BUILD_DIR
  if (std::filesystem::exists(std::string(FLEETLINK_DASHBOARD_BUILD_DIR) + "/index.html")) return FLEETLINK_DASHBOARD_BUILD_DIR;
#endif
#ifdef FLEETLINK_DASHBOARD_INSTALL_DIR
  return FLEETLINK_DASHBOARD_INSTALL_DIR;
#else
  return {};
#endif
}

struct WebServer::Impl {
  Impl(const HubSettings::Web& s, AdminHandler& a, HealthSource& h, metrics::Registry& m, const Clock* c)
      : settings(s), admin(a), health(h), metrics(m), clock(c ? *c : system_clock),
        files(s.dashboard_dir.empty() ? defaultDashboardDir() : s.dashboard_dir), expiry_timer(ioc) {
    Fanout::Options fo;
    fo.history_events = static_cast<std::size_t>(s.history_events);
    fo.resume_max_events = static_cast<std::size_t>(s.resume_max_events);
    opts = fo;
  }

  void scheduleExpiryCheck() {
    expiry_timer.expires_after(kExpiryCheck);
    expiry_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      for (auto& c : ctx->connections.takeExpired(clock.nowMs())) c->closeWith(kCloseTokenExpired, "token expired");
      scheduleExpiryCheck();
    });
  }

  nlohmann::json webStats() const {
    // Lagging: past client_conflate_after queued messages (its positions are being conflated).
    std::size_t lagging = 0, max_backlog = 0;
    if (ctx)
      for (const auto& c : ctx->connections.all()) {
        const auto b = c->backlog();
        max_backlog = std::max(max_backlog, b);
        if (b >= static_cast<std::size_t>(settings.client_conflate_after)) ++lagging;
      }
    return {{"websocket_clients", ctx ? ctx->connections.size() : 0},
            {"lagging_clients", lagging},
            {"max_backlog", max_backlog},
            {"subscribers", fanout ? fanout->subscribers() : 0},
            {"epoch", fanout ? fanout->epoch() : std::string()}};
  }

  HubSettings::Web settings;
  AdminHandler& admin;
  HealthSource& health;
  metrics::Registry& metrics;
  SystemClock system_clock;
  const Clock& clock;
  Fanout::Options opts;
  StaticFiles files;
  // Declared before everything that may hold a connection, so it is destroyed after them.
  net::io_context ioc;

  std::unique_ptr<EventLog> log;
  std::unique_ptr<Fanout> fanout;
  std::optional<TokenVerifier> verifier;
  std::unique_ptr<ApiRouter> router;
  std::unique_ptr<net::ssl::context> tls;
  std::unique_ptr<net::thread_pool> api_pool;

  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  net::steady_timer expiry_timer;
  std::shared_ptr<ServerContext> ctx;
  std::shared_ptr<Listener> listener;
  std::vector<std::jthread> threads;
  int port = 0;
  bool started = false;
  std::optional<Error> init_error;
};

WebServer::WebServer(const HubSettings::Web& settings, AdminHandler& admin, HealthSource& health,
                     metrics::Registry& metrics, const Clock* clock)
    : impl_(std::make_unique<Impl>(settings, admin, health, metrics, clock)) {
  auto& d = *impl_;
  // The log is opened here so the fan-out numbers events in the log's epoch from the first publish() on;
  // a failure is reported by start().
  if (!d.settings.event_log.empty() && d.settings.event_log != "off") {
    auto log = EventLog::open(d.settings.event_log, d.settings.event_log_retention.count(), d.clock);
    if (log) d.log = std::move(*log);
    else d.init_error = log.error();
  }
  d.fanout = std::make_unique<Fanout>(d.opts, d.log.get(), metrics);
}

WebServer::~WebServer() {
  stop();
  if (impl_->log) impl_->log->close(impl_->fanout->lastOffsets());
}

Status WebServer::start() {
  auto& d = *impl_;
  if (d.started) return okStatus();
  if (d.init_error) return *d.init_error;
  auto verifier = TokenVerifier::fromSettings(d.settings.jwt_secret, d.settings.jwt_public_key);
  if (!verifier) return verifier.error();
  d.verifier.emplace(std::move(*verifier));
  if (!d.verifier->configured())
    kLog.warn("no web.jwt_secret or web.jwt_public_key: every API call and WebSocket will be refused");
  auto tls = tlsContext(d.settings);
  if (!tls) return tls.error();
  d.tls = std::move(*tls);
  d.fanout->start();

  d.router = std::make_unique<ApiRouter>(d.admin, d.health, d.metrics, *d.verifier, d.clock, d.settings.tile_url,
                                         [this] { return impl_->webStats(); });
  d.api_pool = std::make_unique<net::thread_pool>(kApiThreads);
  d.ctx = std::make_shared<ServerContext>(d.settings, d.clock, *d.verifier, *d.fanout, *d.router, d.files, d.metrics,
                                          d.tls.get(), *d.api_pool);
  d.listener = std::make_shared<Listener>(d.ioc, d.ctx);
  if (auto st = d.listener->open(d.settings.address, d.settings.port); !st) {
    d.fanout->stop();
    d.api_pool->join();
    return st;
  }
  d.port = d.listener->port();
  d.listener->run();
  d.work.emplace(d.ioc.get_executor());
  d.scheduleExpiryCheck();
  for (int i = 0; i < d.settings.threads; ++i) {
    d.threads.emplace_back([&d] {
      nameThisThread("web-io");
      d.ioc.run();
    });
  }
  d.started = true;
  kLog.info("web server listening",
            {{"address", d.settings.address}, {"port", std::to_string(d.port)}, {"tls", d.tls ? "true" : "false"},
             {"dashboard", d.files.root()}, {"event_log", d.log ? d.settings.event_log : std::string("memory")}});
  return okStatus();
}

void WebServer::stop() {
  auto& d = *impl_;
  if (!d.started) return;
  d.started = false;
  d.ctx->stopping = true;
  d.listener->close();
  for (auto& c : d.ctx->connections.all()) c->closeWith(kCloseGoingAway, "hub shutting down");
  // Give clients a moment to complete the close handshake, then stop regardless.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (d.ctx->connections.size() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  net::post(d.ioc, [&d] { d.expiry_timer.cancel(); });
  d.work.reset();
  d.ioc.stop();
  d.threads.clear();  // joins
  d.api_pool->join();
  d.fanout->stop();
  if (d.log) d.log->close(d.fanout->lastOffsets());
  kLog.info("web server stopped");
}

int WebServer::port() const { return impl_->port; }

void WebServer::publish(const LiveEvent& event) { impl_->fanout->publish(event); }

void WebServer::drainFanout() { impl_->fanout->drain(); }

std::size_t WebServer::clients() const { return impl_->ctx ? impl_->ctx->connections.size() : 0; }

}  // namespace fleetlink::hub::web
