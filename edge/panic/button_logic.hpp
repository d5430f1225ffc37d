#pragma once
// Turns raw contact levels into confirmed presses (pure logic): a level counts once it has been stable for the
// debounce time, and a press is confirmed once it has been held for the hold time (against false alarms).
// One confirmation per press; the button must be released before it can confirm again.
#include <chrono>
#include <cstdint>
#include <optional>

namespace fleetlink::edge {

class ButtonLogic {
 public:
  ButtonLogic(std::chrono::milliseconds debounce, std::chrono::milliseconds hold)
      : debounce_(debounce.count()), hold_(hold.count()) {}

  // A raw level seen at `t_ms`. Returns true when a press got confirmed up to this moment (before the change).
  bool onLevel(bool pressed, std::int64_t t_ms);
  // Advances time to `now_ms`; true once when a press is confirmed.
  bool poll(std::int64_t now_ms);
  // When poll() should next be called, if anything is pending.
  std::optional<std::int64_t> nextDeadline() const;
  bool pressed() const { return stable_; }

 private:
  std::int64_t confirmAfter() const { return hold_ > debounce_ ? hold_ : debounce_; }
  std::int64_t debounce_, hold_;
  bool raw_ = false;
  bool stable_ = false;
  bool fired_ = false;
  std::int64_t raw_changed_ = 0;
  std::int64_t pressed_since_ = 0;
};

}  // namespace fleetlink::edge
