#pragma once
// Live-event fan-out: numbers each event in its fleet's stream, serialises it once, keeps a bounded recent
// history in memory (and the event log on disk), and offers it to the clients subscribed to that fleet or
// vehicle. Subscriptions are indexed by fleet and by vehicle, so the work per event is proportional to the
// clients that want it, not to all clients.
//
// One thread does all of it, in order: publish() (the core's thread) and subscribe()/remove() (connection
// threads) only queue a command and return, so a subscription with resume offsets is answered with exactly
// the events after its offsets and then live events, with nothing missed or repeated in between.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "fleetlink/common/metrics.hpp"
#include "hub/api/hub_api.hpp"
#include "hub/web/client_channel.hpp"
#include "hub/web/event_log.hpp"
#include "hub/web/stream_event.hpp"

namespace fleetlink::hub::web {

// What one client receives: checked against its token before it gets here.
struct Subscription {
  bool all_fleets = false;               // every fleet (admin without a fleet claim)
  std::vector<std::string> fleets;       // otherwise these
  std::vector<std::string> vehicles;     // empty = whole fleets; else only these vehicles of those fleets
  std::uint8_t kinds = kAllKinds;
  std::string epoch;                     // resume point (empty = live only)
  std::vector<std::pair<std::string, std::uint64_t>> resume;
};

class Fanout {
 public:
  struct Options {
    std::size_t history_events = 1000;   // per stream, in memory
    std::size_t resume_max_events = 50000;
    std::size_t inbound_max = 200000;    // events waiting for the fan-out thread (positions dropped beyond)
  };
  // `log` may be null (memory only).
  Fanout(Options opts, EventLog* log, metrics::Registry& metrics);
  ~Fanout();
  Fanout(const Fanout&) = delete;
  Fanout& operator=(const Fanout&) = delete;

  void start();
  void stop();

  void publish(const LiveEvent& e);
  void subscribe(std::shared_ptr<ClientChannel> client, Subscription sub);
  void unsubscribe(const std::shared_ptr<ClientChannel>& client);
  void remove(const std::shared_ptr<ClientChannel>& client);

  const std::string& epoch() const { return epoch_; }
  std::size_t subscribers() const { return subscriber_count_.load(); }
  // Waits until every command queued so far is processed (tests, benchmarks).
  void drain();
  // Last offset per stream; only after stop() (for the event log's clean close).
  std::map<std::string, std::uint64_t> lastOffsets() const;

 private:
  struct SubscribeCmd {
    std::shared_ptr<ClientChannel> client;
    Subscription sub;
  };
  struct RemoveCmd {
    std::shared_ptr<ClientChannel> client;
  };
  struct DrainCmd {
    std::shared_ptr<std::promise<void>> done;
  };
  using Command = std::variant<LiveEvent, SubscribeCmd, RemoveCmd, DrainCmd>;

  // A recent event as the history keeps it: its data in protobuf, about a third of the delivered event with its
  // JSON. A resuming client gets the message rebuilt from it, as from the event log.
  struct Recent {
    std::uint64_t offset = 0;
    std::int64_t time_ms = 0;
    std::uint8_t kind = 0;
    std::string vehicle;
    std::string payload;
  };
  struct Stream {
    std::uint64_t last = 0;
    std::deque<Recent> recent;
  };
  struct Entry {
    std::shared_ptr<ClientChannel> client;
    Subscription sub;
  };
  using ClientSet = std::unordered_set<Entry*>;

  // Commands handled between two rounds of wake-ups within one batch.
  static constexpr std::size_t kWakeEvery = 64;

  void run(std::stop_token st);
  void wakeClients();
  void handle(LiveEvent& e);
  void handle(SubscribeCmd& c);
  void detach(ClientChannel* c);
  void deliver(Entry& entry, const EventPtr& ev);
  void replay(Entry& entry, const std::string& stream, std::uint64_t after);
  bool matches(const Subscription& sub, const std::string& stream, std::uint8_t kind, const std::string& vehicle) const;
  void enqueue(Command c, bool droppable);

  Options opts_;
  EventLog* log_;
  std::string epoch_;

  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Command> inbound_;
  std::size_t inbound_events_ = 0;
  std::chrono::steady_clock::time_point inbound_since_;  // when the oldest queued command came

  // Fan-out thread only.
  std::unordered_map<std::string, Stream> streams_;
  std::unordered_map<ClientChannel*, Entry> entries_;
  ClientSet all_fleets_;
  std::unordered_map<std::string, ClientSet> by_fleet_;
  std::unordered_map<std::string, ClientSet> by_vehicle_;  // "fleet/vehicle"
  std::vector<std::shared_ptr<ClientChannel>> to_wake_;
  std::atomic<std::size_t> subscriber_count_{0};

  metrics::Counter& events_;
  metrics::Counter& delivered_;
  metrics::Counter& conflated_;
  metrics::Counter& overflow_;
  metrics::Counter& inbound_dropped_;
  metrics::Counter& resumes_;
  metrics::Counter& resyncs_;
  metrics::Gauge& subscribers_;
  metrics::Histogram& wait_;
  metrics::Histogram& batch_;
  std::jthread thread_;
};

}  // namespace fleetlink::hub::web
