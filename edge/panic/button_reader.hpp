#pragma once
// ButtonReader: one physical panic input on its own thread. It opens its source (reopening with a delay when the
// device disappears), feeds raw levels through ButtonLogic and calls the handler once per confirmed press.
// Subclasses say how to open the source and read levels from it.
#include <atomic>
#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "edge/panic/button_logic.hpp"

namespace fleetlink::edge {

class ButtonReader {
 public:
  using PressHandler = std::function<void()>;
  ButtonReader(std::string name, std::chrono::milliseconds debounce, std::chrono::milliseconds hold,
               PressHandler on_press);
  virtual ~ButtonReader();
  ButtonReader(const ButtonReader&) = delete;
  ButtonReader& operator=(const ButtonReader&) = delete;

  void start();
  void stop();  // subclasses' destructors must call stop() first
  bool opened() const { return opened_.load(); }
  std::int64_t presses() const { return presses_.load(); }

 protected:
  struct Level {
    bool pressed;
  };
  enum class ReadResult { Ok, Closed };
  // Opens the source; returns a pollable fd, or -1 (logged by the subclass) to retry later.
  virtual int openSource() = 0;
  virtual void closeSource() = 0;
  // Reads what is available on the fd into `levels` (in order). Closed: the source went away.
  virtual ReadResult readLevels(std::vector<Level>& levels) = 0;
  const std::string& name() const { return name_; }

 private:
  void run(std::stop_token st);
  std::string name_;
  ButtonLogic logic_;
  PressHandler on_press_;
  std::atomic<bool> opened_{false};
  std::atomic<std::int64_t> presses_{0};
  std::jthread thread_;
  int wake_fd_ = -1;  // eventfd that interrupts poll() on stop
};

}  // namespace fleetlink::edge
