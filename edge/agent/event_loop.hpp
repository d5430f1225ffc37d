#pragma once
// EventLoop: the agent's one thread of control. Inputs from other threads (fixes, button presses, commands,
// control requests) are posted here, so the agent's state needs no locks; periodic work runs as timers.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fleetlink/common/clock.hpp"

namespace fleetlink::edge {

class EventLoop {
 public:
  using Task = std::function<void()>;
  static constexpr std::size_t kMaxQueued = 10'000;  // a flood of inputs is shed rather than exhausting memory

  // Queues `fn`; false when the queue is full or the loop has finished (the caller decides what that means).
  bool post(Task fn);
  // Runs `fn` on the loop and waits for its result; nothing when it did not run within `timeout`.
  template <typename F>
  auto call(F fn, std::chrono::milliseconds timeout = std::chrono::seconds(10)) -> std::optional<decltype(fn())> {
    using R = decltype(fn());
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(fn));
    auto fut = task->get_future();
    if (!post([task] { (*task)(); })) return std::nullopt;
    if (fut.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    return fut.get();
  }
  // Runs `fn` every interval() (read again after each run, so intervals can change at run time).
  void every(std::string name, std::function<std::chrono::milliseconds()> interval, Task fn);

  // Runs until stop(); returns when the queue is drained.
  void run();
  void stop();
  std::int64_t heartbeatMonoMs() const { return heartbeat_.load(); }

 private:
  struct Timer {
    std::string name;
    std::function<std::chrono::milliseconds()> interval;
    Task fn;
    std::int64_t due;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;
  std::vector<Timer> timers_;
  bool stopping_ = false;
  bool finished_ = false;
  std::atomic<std::int64_t> heartbeat_{0};
};

}  // namespace fleetlink::edge
