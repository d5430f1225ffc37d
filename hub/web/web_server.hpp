#pragma once
// The hub's web front end: one port for the HTTP API (docs/api.md), the dispatcher dashboard and the
// WebSocket live feed, plain or TLS. It is a LiveSink of the core: publish() only queues, the fan-out
// thread does the rest. No Beast headers here, so the hub's main and tests include it cheaply.
#include <memory>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/expected.hpp"
#include "fleetlink/common/metrics.hpp"
#include "hub/api/hub_api.hpp"
#include "hub/config/hub_config.hpp"

namespace fleetlink::hub::web {

class WebServer final : public LiveSink {
 public:
  // `clock` defaults to the system clock; it must outlive the server.
  WebServer(const HubSettings::Web& settings, AdminHandler& admin, HealthSource& health, metrics::Registry& metrics,
            const Clock* clock = nullptr);
  ~WebServer() override;
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Opens the event log, loads TLS files and the token key, binds the port and starts the threads.
  Status start();
  // Closes every WebSocket (1001, going away), stops the threads and closes the event log cleanly.
  void stop();
  // The bound port (web.port = 0 picks a free one); 0 before start().
  int port() const;

  void publish(const LiveEvent& event) override;

  // Tests and benchmarks: waits until every event published so far is queued to its clients.
  void drainFanout();
  std::size_t clients() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Where the dashboard's files are when web.dashboard_dir is empty: the build tree's copy, else the installed one.
std::string defaultDashboardDir();

}  // namespace fleetlink::hub::web
