#include "edge/panic/button_logic.hpp"

namespace fleetlink::edge {

bool ButtonLogic::poll(std::int64_t now_ms) {
  if (raw_ != stable_ && now_ms - raw_changed_ >= debounce_) {
    stable_ = raw_;
    if (stable_) {
      pressed_since_ = raw_changed_;
      fired_ = false;
    }
  }
  if (stable_ && !fired_ && now_ms - pressed_since_ >= confirmAfter()) {
    fired_ = true;
    return true;
  }
  return false;
}

bool ButtonLogic::onLevel(bool pressed, std::int64_t t_ms) {
  const bool confirmed = poll(t_ms);
  if (pressed != raw_) {
    raw_ = pressed;
    raw_changed_ = t_ms;
  }
  // With no debounce the new level is stable at once.
  return poll(t_ms) || confirmed;
}

std::optional<std::int64_t> ButtonLogic::nextDeadline() const {
  if (raw_ != stable_) return raw_changed_ + debounce_;
  if (stable_ && !fired_) return pressed_since_ + confirmAfter();
  return std::nullopt;
}

}  // namespace fleetlink::edge
