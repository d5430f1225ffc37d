#pragma once
// What every connection of the web server shares (the Beast examples' "shared state"): settings, the token
// verifier, the fan-out, the API router, the dashboard files, the open connections and the metrics.
// Internal to hub/web: it pulls in Asio, so only the server's own files include it.
#include <atomic>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/metrics.hpp"
#include "hub/config/hub_config.hpp"
#include "hub/web/api_router.hpp"
#include "hub/web/auth.hpp"
#include "hub/web/connection_registry.hpp"
#include "hub/web/fanout.hpp"
#include "hub/web/static_files.hpp"

namespace fleetlink::hub::web {

namespace net = boost::asio;

// Largest WebSocket frame the server builds from queued messages; more waits for the next write.
inline constexpr std::size_t kFrameBytes = 256 * 1024;
// Kernel send buffer of a WebSocket connection (Linux doubles it): enough for a control room's full feed.
inline constexpr int kSendBufferBytes = 128 * 1024;
// Largest message a client may send (subscriptions with a thousand ids fit).
inline constexpr std::size_t kClientMessageMax = 64 * 1024;

struct ServerContext {
  ServerContext(const HubSettings::Web& s, const Clock& c, const TokenVerifier& v, Fanout& f, ApiRouter& r,
                StaticFiles& sf, metrics::Registry& m, net::ssl::context* t, net::thread_pool& pool)
      : settings(s),
        clock(c),
        verifier(v),
        fanout(f),
        router(r),
        files(sf),
        metrics(m),
        tls(t),
        api_pool(pool),
        ws_clients(m.gauge("fleetlink_web_clients", "open WebSocket connections")),
        messages_sent(m.counter("fleetlink_web_messages_sent_total", "messages written to WebSocket clients")),
        frames_sent(m.counter("fleetlink_web_frames_sent_total", "WebSocket frames written (several messages each)")),
        bytes_sent(m.counter("fleetlink_web_bytes_sent_total", "WebSocket payload bytes written")),
        bad_messages(m.counter("fleetlink_web_bad_client_messages_total", "client messages refused (bad JSON, unknown type, no rights)")),
        connections_total(m.counter("fleetlink_web_connections_total", "WebSocket connections accepted")),
        client_wait(m.histogram("fleetlink_web_client_wait_seconds",
                                "how long the oldest message of a WebSocket frame waited between the fan-out and the frame")),
        write_time(m.histogram("fleetlink_web_write_seconds", "time from starting a WebSocket frame's write to its completion")) {}

  const HubSettings::Web& settings;
  const Clock& clock;
  const TokenVerifier& verifier;
  Fanout& fanout;
  ApiRouter& router;
  StaticFiles& files;
  metrics::Registry& metrics;
  net::ssl::context* tls;  // null: plain HTTP
  net::thread_pool& api_pool;
  ConnectionRegistry connections;
  std::atomic<bool> stopping{false};

  metrics::Gauge& ws_clients;
  metrics::Counter& messages_sent;
  metrics::Counter& frames_sent;
  metrics::Counter& bytes_sent;
  metrics::Counter& bad_messages;
  metrics::Counter& connections_total;
  metrics::Histogram& client_wait;
  metrics::Histogram& write_time;

  metrics::Counter& disconnects(const std::string& reason) {
    return metrics.counter("fleetlink_web_disconnects_total", "WebSocket connections closed, by reason", {{"reason", reason}});
  }
  metrics::Counter& authFailures(const std::string& reason) {
    return metrics.counter("fleetlink_web_auth_failures_total", "refused tokens", {{"reason", reason}});
  }
};

}  // namespace fleetlink::hub::web
