#pragma once
// A multi-producer queue with a capacity: producers wait when it is full (back-pressure towards the broker),
// the consumer takes everything queued at once.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

namespace fleetlink::hub {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  // Returns false when the queue was closed.
  bool push(T item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    if (items_.size() == 1) not_empty_.notify_one();
    return true;
  }

  // Moves up to `max` items into `out`; waits up to `timeout` for the first. False once closed and drained.
  bool popAll(std::vector<T>& out, std::chrono::milliseconds timeout, std::size_t max = SIZE_MAX) {
    std::unique_lock lock(mu_);
    not_empty_.wait_for(lock, timeout, [&] { return !items_.empty() || closed_; });
    const bool was_full = items_.size() >= capacity_;
    while (!items_.empty() && out.size() < max) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    if (was_full) not_full_.notify_all();
    return !(closed_ && items_.empty() && out.empty());
  }

  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }

 private:
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace fleetlink::hub
