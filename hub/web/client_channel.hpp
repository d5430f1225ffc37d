#pragma once
// The hand-over point between the fan-out thread and one client's connection: the fan-out offers messages,
// the connection takes them in batches and writes one frame at a time. offer() never blocks on the network:
// it queues (ClientQueue policy) and asks the connection to wake up only when it is not already due to.
#include <cstddef>
#include <mutex>
#include <vector>

#include "hub/web/client_queue.hpp"

namespace fleetlink::hub::web {

class ClientChannel {
 public:
  ClientChannel(std::size_t conflate_after, std::size_t max_items) : queue_(conflate_after, max_items) {}
  virtual ~ClientChannel() = default;
  ClientChannel(const ClientChannel&) = delete;
  ClientChannel& operator=(const ClientChannel&) = delete;

  struct Offer {
    ClientQueue::Push result;
    bool wake;  // the caller must call wake() (once, possibly after offering more)
  };
  Offer offer(EventPtr e, bool conflate = true) {
    std::lock_guard lk(mu_);
    if (overflowed_) return {ClientQueue::Push::Overflow, false};
    const auto r = queue_.push(std::move(e), conflate);
    if (r == ClientQueue::Push::Overflow) overflowed_ = true;
    const bool wake = !wake_pending_;
    wake_pending_ = true;
    return {r, wake};
  }
  // Queues a message from the connection's own side (pong, error) and wakes it when needed.
  void offerAndWake(EventPtr e) {
    if (offer(std::move(e)).wake) wake();
  }

  struct Batch {
    bool overflowed = false;  // messages were refused: after what is queued, the client must be cut off
  };
  // Called by the connection: moves up to ~max_bytes of queued messages into `out`.
  Batch take(std::size_t max_bytes, std::vector<EventPtr>& out) {
    std::lock_guard lk(mu_);
    queue_.take(max_bytes, out);
    // Still pending: the connection keeps going after this write, so no new wake is needed.
    wake_pending_ = !queue_.empty();
    return {overflowed_};
  }
  std::size_t queued() {
    std::lock_guard lk(mu_);
    return queue_.size();
  }

  // Schedules the connection to take and write what is queued. Called without locks; must not block.
  virtual void wake() = 0;

 private:
  std::mutex mu_;
  ClientQueue queue_;
  bool wake_pending_ = false;
  bool overflowed_ = false;
};

}  // namespace fleetlink::hub::web
