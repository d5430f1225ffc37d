#include "edge/panic/button_reader.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/thread_name.hpp"

namespace fleetlink::edge {
namespace {
const log::Logger kLog("edge.panic");
constexpr int kReopenDelayMs = 500;  // a missing or unplugged device is retried this often
}  // namespace

ButtonReader::ButtonReader(std::string name, std::chrono::milliseconds debounce, std::chrono::milliseconds hold,
                           PressHandler on_press)
    : name_(std::move(name)), logic_(debounce, hold), on_press_(std::move(on_press)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

ButtonReader::~ButtonReader() {
  stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void ButtonReader::start() {
  thread_ = std::jthread([this](std::stop_token st) {
    nameThisThread("panic-button");
    run(st);
  });
}

void ButtonReader::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  const std::uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) < 0) {
    // The reader still notices the stop request within its poll timeout.
  }
  thread_.join();
}

void ButtonReader::run(std::stop_token st) {
  bool warned = false;
  std::vector<Level> levels;
  while (!st.stop_requested()) {
    const int fd = openSource();
    if (fd < 0) {
      if (!warned) kLog.warn("panic input not available, retrying", {{"input", name_}});
      warned = true;
      pollfd w{wake_fd_, POLLIN, 0};
      ::poll(&w, 1, kReopenDelayMs);
      continue;
    }
    if (warned) kLog.info("panic input available", {{"input", name_}});
    warned = false;
    opened_.store(true);
    bool closed = false;
    while (!st.stop_requested() && !closed) {
      int timeout = 1000;
      if (auto d = logic_.nextDeadline()) {
        timeout = static_cast<int>(std::clamp<std::int64_t>(*d - monotonicMs(), 0, 1000));
      }
      pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      const int n = ::poll(fds, 2, timeout);
      if (n < 0 && errno != EINTR) break;
      if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        levels.clear();
        closed = readLevels(levels) == ReadResult::Closed;
        for (const auto& l : levels) {
          if (logic_.onLevel(l.pressed, monotonicMs())) {
            ++presses_;
            on_press_();
          }
        }
      }
      if (logic_.poll(monotonicMs())) {
        ++presses_;
        on_press_();
      }
    }
    closeSource();
    opened_.store(false);
    if (closed && !st.stop_requested()) {
      // A FIFO without a writer or an unplugged device: the contact is open until it comes back.
      if (logic_.onLevel(false, monotonicMs())) {
        ++presses_;
        on_press_();
      }
      pollfd w{wake_fd_, POLLIN, 0};
      ::poll(&w, 1, 100);
    }
  }
}

}  // namespace fleetlink::edge
