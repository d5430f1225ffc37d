#include "edge/agent/event_loop.hpp"

#include <algorithm>

#include "fleetlink/common/log.hpp"

namespace fleetlink::edge {
namespace {
const log::Logger kLog("edge.agent");
}  // namespace

bool EventLoop::post(Task fn) {
  {
    std::lock_guard lock(mu_);
    if (finished_ || tasks_.size() >= kMaxQueued) return false;
    tasks_.push_back(std::move(fn));
  }
  cv_.notify_one();
  return true;
}

void EventLoop::every(std::string name, std::function<std::chrono::milliseconds()> interval, Task fn) {
  std::lock_guard lock(mu_);
  const auto first = monotonicMs() + interval().count();
  timers_.push_back({std::move(name), std::move(interval), std::move(fn), first});
}

void EventLoop::stop() {
  // Notified under the lock: run() cannot return, and the loop cannot be destroyed, while this thread is still
  // inside notify_all().
  std::lock_guard lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

void EventLoop::run() {
  std::unique_lock lock(mu_);
  while (true) {
    heartbeat_.store(monotonicMs());
    if (!tasks_.empty()) {
      Task t = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      try {
        t();
      } catch (const std::exception& e) {
        // One failing input must not stop the agent.
        kLog.error("task failed", {{"error", e.what()}});
      }
      lock.lock();
      continue;
    }
    if (stopping_) {
      // From here on nothing would run a posted task: refuse them so callers do not wait for nothing.
      finished_ = true;
      return;
    }
    const std::int64_t now = monotonicMs();
    std::int64_t next = now + 1000;
    for (std::size_t i = 0; i < timers_.size(); ++i) {
      if (timers_[i].due <= now) {
        Task fn = timers_[i].fn;
        lock.unlock();
        try {
          fn();
        } catch (const std::exception& e) {
          kLog.error("timer failed", {{"timer", timers_[i].name}, {"error", e.what()}});
        }
        lock.lock();
        timers_[i].due = monotonicMs() + std::max<std::int64_t>(1, timers_[i].interval().count());
      }
      next = std::min(next, timers_[i].due);
    }
    if (next > monotonicMs()) {
      cv_.wait_for(lock, std::chrono::milliseconds(next - monotonicMs()),
                   [&] { return !tasks_.empty() || stopping_; });
    }
  }
}

}  // namespace fleetlink::edge
