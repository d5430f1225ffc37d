#pragma once
// The messages waiting for one WebSocket client, with the slow-consumer policy: below `conflate_after`
// queued messages everything is kept; beyond it the client is lagging and a newer position (or route
// progress) of the same vehicle replaces the queued one, so it gets the latest state rather than a growing
// backlog. Alerts, status changes and control messages are never dropped; when more than `max_items` of
// them and of replayed events are queued the client is cut off (it reconnects and resumes from its last
// offset). Positions and route progress do not count toward that limit, since conflation already bounds them
// by the number of vehicles: one per (stream, vehicle, kind) plus those queued before the client started
// lagging. As a safeguard against an unbounded set of vehicles, more than `conflate_after + kStatesPerItem *
// max_items` of them cut the client off too. Every replaced event is announced: the next take() starts with a
// control message {"type":"conflated","stream":..,"count":n} per stream, before the client can reach the place
// the replaced events held, so a client can tell offsets skipped by design from lost ones. Pure logic: no locks,
// sockets or clocks; the owner serialises access.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "hub/web/stream_event.hpp"

namespace fleetlink::hub::web {

class ClientQueue {
 public:
  enum class Push { Queued, Conflated, Overflow };

  // Vehicle states (latest position, latest route progress) a lagging client may hold per message of
  // `max_items`: 65,536 with the default 16,384, i.e. 32,768 vehicles reporting both, far beyond one fleet,
  // while a client's share of memory stays a fixed multiple of the configured limit.
  static constexpr std::size_t kStatesPerItem = 4;

  ClientQueue(std::size_t conflate_after, std::size_t max_items);

  // `conflate` = false for replays to a resuming client: it asked for exactly what it missed, so replays
  // are queued as they come, count toward `max_items` and are never replaced by a newer live state.
  Push push(EventPtr e, bool conflate = true);
  // Appends queued messages in order to `out` until about `max_bytes` of JSON (at least one message).
  void take(std::size_t max_bytes, std::vector<EventPtr>& out);
  // Every queued message, conflatable or not: the client's backlog (lagging once it reaches conflate_after).
  std::size_t size() const { return live_; }
  // The queued messages that count toward `max_items`: all but live positions and route progress.
  std::size_t counted() const { return counted_; }
  bool empty() const { return live_ == 0; }
  void clear();

 private:
  struct Slot {
    EventPtr event;        // nullptr = taken, or replaced by a newer state
    bool counted = false;  // counts toward max_items (see counted())
  };
  static bool conflatable(const StreamEvent& e) { return e.kind == kPosition || e.kind == kRoute; }
  static std::string keyOf(const StreamEvent& e);
  void buildIndex();
  void compact();

  std::size_t conflate_after_;
  std::size_t max_items_;
  std::size_t max_states_;   // uncounted (conflatable) messages at most
  std::vector<Slot> items_;  // [head_, end): queued, in order
  std::size_t head_ = 0;
  std::size_t live_ = 0;
  std::size_t counted_ = 0;
  // Only while lagging: latest queued index per (stream, vehicle, kind), kept up to date by push, take and
  // compact. Built lazily and dropped once the backlog is below conflate_after again, so idle and keeping-up
  // clients pay nothing for it; while it exists it has one entry per distinct key queued.
  std::unique_ptr<std::unordered_map<std::string, std::size_t>> latest_;
  // Events replaced since the last take(), per stream: announced at the start of the next one.
  std::unordered_map<std::string, std::uint64_t> replaced_;
};

}  // namespace fleetlink::hub::web
