#pragma once
// The hub's core: ingest from the broker (validate, de-duplicate), live vehicle state, history, safety rules,
// alerts, routes, commands and admin actions. main() builds it from the settings, registers its front ends
// (LiveSink, AdminHandler, HealthSource) and runs it between start() and stop(). Tests build it in-process.
//
// Threads: Paho's callback thread only queues messages; one core thread does all stateful work in order; the
// store's writer commits history in batches; the webhook notifier posts alerts.
#include <memory>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/config.hpp"
#include "fleetlink/common/expected.hpp"
#include "hub/api/hub_api.hpp"
#include "hub/config/hub_config.hpp"

namespace fleetlink::hub {

namespace store {
class Store;
}

class HubCore {
 public:
  // `clock` defaults to the system clock; tests may pass their own (it must outlive the core).
  HubCore(HubSettings settings, config::Config cfg, const Clock* clock = nullptr);
  ~HubCore();
  HubCore(const HubCore&) = delete;
  HubCore& operator=(const HubCore&) = delete;

  // Call before start(). Sinks are called from the core thread and must not block.
  void addLiveSink(LiveSink& sink);
  AdminHandler& admin();
  HealthSource& healthSource();

  // Opens the history, reloads alerts, routes, commands and rule changes, connects to the broker.
  Status start();
  void stop();

  // For tests and benchmarks: waits until every message queued so far is processed and its history committed.
  void drain();
  store::Store& store();
  std::uint64_t recordsAccepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fleetlink::hub
