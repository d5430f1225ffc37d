#include "edge/panic/gpio_button.hpp"

#include "fleetlink/common/log.hpp"

#ifdef FLEETLINK_HAVE_GPIOD
#include <gpiod.h>
#endif

namespace fleetlink::edge {
namespace {
const log::Logger kLog("edge.panic");
constexpr const char* kConsumer = "fleetlink-edge";
}  // namespace

GpioButton::GpioButton(GpioLineSettings line, std::chrono::milliseconds debounce, std::chrono::milliseconds hold,
                       PressHandler on_press)
    : ButtonReader("gpio " + line.chip + ":" + std::to_string(line.line), debounce, hold, std::move(on_press)),
      settings_(std::move(line)) {}

GpioButton::~GpioButton() { stop(); }

#ifdef FLEETLINK_HAVE_GPIOD

int GpioButton::openSource() {
  chip_ = gpiod_chip_open_lookup(settings_.chip.c_str());
  if (!chip_) return -1;
  line_ = gpiod_chip_get_line(chip_, static_cast<unsigned>(settings_.line));
  int flags = settings_.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
  if (settings_.bias == "pull-up") flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
  else if (settings_.bias == "pull-down") flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
  else if (settings_.bias == "disabled") flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
  if (!line_ || gpiod_line_request_both_edges_events_flags(line_, kConsumer, flags) != 0) {
    kLog.warn("could not request the panic GPIO line (in use, or wrong chip/line?)",
              {{"chip", settings_.chip}, {"line", std::to_string(settings_.line)}});
    closeSource();
    return -1;
  }
  return gpiod_line_event_get_fd(line_);
}

void GpioButton::closeSource() {
  if (line_) gpiod_line_release(line_);
  line_ = nullptr;
  if (chip_) gpiod_chip_close(chip_);
  chip_ = nullptr;
}

ButtonReader::ReadResult GpioButton::readLevels(std::vector<Level>& levels) {
  gpiod_line_event ev;
  if (gpiod_line_event_read(line_, &ev) != 0) return ReadResult::Closed;
  // The value after the edge, with active-low applied by the kernel: robust against missed edges.
  const int v = gpiod_line_get_value(line_);
  if (v < 0) return ReadResult::Closed;
  levels.push_back({v == 1});
  return ReadResult::Ok;
}

AckOutput::AckOutput(std::string chip, int line, bool active_low)
    : chip_name_(std::move(chip)), line_no_(line), active_low_(active_low) {}

AckOutput::~AckOutput() {
  if (line_) gpiod_line_release(line_);
  if (chip_) gpiod_chip_close(chip_);
}

bool AckOutput::ensureOpen() {
  if (line_) return true;
  chip_ = gpiod_chip_open_lookup(chip_name_.c_str());
  if (!chip_) return false;
  line_ = gpiod_chip_get_line(chip_, static_cast<unsigned>(line_no_));
  const int flags = active_low_ ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
  if (!line_ || gpiod_line_request_output_flags(line_, kConsumer, flags, 0) != 0) {
    line_ = nullptr;
    gpiod_chip_close(chip_);
    chip_ = nullptr;
    return false;
  }
  return true;
}

void AckOutput::set(bool on) {
  on_ = on;
  if (!configured()) return;
  if (!ensureOpen() || gpiod_line_set_value(line_, on ? 1 : 0) != 0) {
    kLog.warn("could not drive the panic acknowledgement output",
              {{"chip", chip_name_}, {"line", std::to_string(line_no_)}});
  }
}

#else  // built without libgpiod: GPIO inputs and outputs report themselves unavailable.

int GpioButton::openSource() { return -1; }
void GpioButton::closeSource() {}
ButtonReader::ReadResult GpioButton::readLevels(std::vector<Level>&) { return ReadResult::Closed; }
AckOutput::AckOutput(std::string chip, int line, bool active_low)
    : chip_name_(std::move(chip)), line_no_(line), active_low_(active_low) {}
AckOutput::~AckOutput() = default;
bool AckOutput::ensureOpen() { return false; }
void AckOutput::set(bool on) {
  on_ = on;
  if (configured()) kLog.warn("built without libgpiod: cannot drive the acknowledgement output");
}

#endif

}  // namespace fleetlink::edge
