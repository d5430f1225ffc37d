#include "edge/panic/evdev_button.hpp"

#include <fcntl.h>
#include <linux/input.h>
#include <unistd.h>

#include <cstring>

namespace fleetlink::edge {

EvdevButton::EvdevButton(std::string device, int key_code, std::chrono::milliseconds debounce,
                         std::chrono::milliseconds hold, PressHandler on_press)
    : ButtonReader("evdev " + device, debounce, hold, std::move(on_press)), device_(std::move(device)),
      key_code_(key_code) {}

EvdevButton::~EvdevButton() { stop(); }

int EvdevButton::openSource() {
  fd_ = ::open(device_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  partial_.clear();
  return fd_;
}

void EvdevButton::closeSource() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

ButtonReader::ReadResult EvdevButton::readLevels(std::vector<Level>& levels) {
  char buf[64 * sizeof(input_event)];
  while (true) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n == 0) return ReadResult::Closed;  // FIFO writer gone
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return ReadResult::Ok;
      return ReadResult::Closed;  // ENODEV: device unplugged
    }
    partial_.append(buf, static_cast<std::size_t>(n));
    std::size_t off = 0;
    for (; off + sizeof(input_event) <= partial_.size(); off += sizeof(input_event)) {
      input_event ev;
      std::memcpy(&ev, partial_.data() + off, sizeof ev);
      // value 1 = down, 0 = up, 2 = autorepeat (still down).
      if (ev.type == EV_KEY && ev.code == key_code_ && (ev.value == 0 || ev.value == 1)) {
        levels.push_back({ev.value == 1});
      }
    }
    partial_.erase(0, off);
  }
}

}  // namespace fleetlink::edge
