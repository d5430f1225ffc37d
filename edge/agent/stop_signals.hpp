#pragma once
// SIGTERM/SIGINT as a stop request: the signals are blocked in every thread and one thread waits for them, so
// stopping runs as ordinary code (no async-signal-safety concerns). SIGPIPE is ignored (sockets report EPIPE).
// Construct before starting any other thread.
#include <functional>
#include <mutex>
#include <thread>

namespace fleetlink::edge {

class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // What to do on the first SIGTERM/SIGINT; runs on the signal thread.
  void onStop(std::function<void()> fn);
  // Stops watching and waits until a stop callback in progress has returned: call it before destroying what
  // the callback uses. Idempotent; the destructor calls it.
  void finish();

 private:
  std::mutex mu_;
  std::function<void()> fn_;
  bool signalled_ = false;
  std::thread thread_;
};

}  // namespace fleetlink::edge
