#pragma once
// The messages waiting for one WebSocket client, with the slow-consumer policy: below `conflate_after`
// queued messages everything is kept; beyond it a newer position (or route progress) of the same vehicle
// replaces the queued one, so a lagging client gets the latest state rather than a growing backlog; alerts,
// status changes and control messages are never dropped. At `max_items` the client is cut off (it reconnects
// and resumes from its last offset). Pure logic: no locks, sockets or clocks; the owner serialises access.
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

  ClientQueue(std::size_t conflate_after, std::size_t max_items);

  // `conflate` = false for replays to a resuming client: it asked for exactly what it missed.
  Push push(EventPtr e, bool conflate = true);
  // Appends queued messages in order to `out` until about `max_bytes` of JSON (at least one message).
  void take(std::size_t max_bytes, std::vector<EventPtr>& out);
  std::size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }
  void clear();

 private:
  static bool conflatable(const StreamEvent& e) { return e.kind == kPosition || e.kind == kRoute; }
  static std::string keyOf(const StreamEvent& e);
  void buildIndex();
  void compact();

  std::size_t conflate_after_;
  std::size_t max_items_;
  std::vector<EventPtr> items_;  // [head_, end): queued, in order; nullptr = replaced by a newer one
  std::size_t head_ = 0;
  std::size_t live_ = 0;
  // Only while lagging: latest queued index per (stream, vehicle, kind). Built lazily, so idle and
  // keeping-up clients pay nothing for it.
  std::unique_ptr<std::unordered_map<std::string, std::size_t>> latest_;
};

}  // namespace fleetlink::hub::web
