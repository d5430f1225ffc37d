#pragma once
// The panic button on a GPIO line through the character device (libgpiod): edge events with bias and
// active-low handled by the kernel.
#include <string>

#include "edge/panic/button_reader.hpp"

struct gpiod_chip;
struct gpiod_line;

namespace fleetlink::edge {

struct GpioLineSettings {
  std::string chip;          // "gpiochip0", "0" or "/dev/gpiochip0"
  int line = -1;
  bool active_low = true;
  std::string bias = "pull-up";  // as-is, pull-up, pull-down, disabled
};

class GpioButton final : public ButtonReader {
 public:
  GpioButton(GpioLineSettings line, std::chrono::milliseconds debounce, std::chrono::milliseconds hold,
             PressHandler on_press);
  ~GpioButton() override;

 private:
  int openSource() override;
  void closeSource() override;
  ReadResult readLevels(std::vector<Level>& levels) override;

  GpioLineSettings settings_;
  gpiod_chip* chip_ = nullptr;
  gpiod_line* line_ = nullptr;
};

// The acknowledgement output (LED or buzzer): lit when the hub acknowledges a panic. A no-op when not configured.
class AckOutput {
 public:
  AckOutput(std::string chip, int line, bool active_low);
  ~AckOutput();
  AckOutput(const AckOutput&) = delete;
  AckOutput& operator=(const AckOutput&) = delete;
  bool configured() const { return !chip_name_.empty() && line_no_ >= 0; }
  void set(bool on);
  bool on() const { return on_; }

 private:
  bool ensureOpen();
  std::string chip_name_;
  int line_no_;
  bool active_low_;
  bool on_ = false;
  gpiod_chip* chip_ = nullptr;
  gpiod_line* line_ = nullptr;
};

}  // namespace fleetlink::edge
