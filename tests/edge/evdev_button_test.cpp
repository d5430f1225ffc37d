// The evdev panic reader fed real struct input_event records through a FIFO.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/input.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "edge/panic/evdev_button.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink::edge;
using namespace std::chrono_literals;
using fleetlink::test::TempDir;
using fleetlink::test::waitUntil;

namespace {

constexpr int kBtn0 = 256;

class FifoWriter {
 public:
  explicit FifoWriter(const std::string& path) { fd_ = ::open(path.c_str(), O_WRONLY); }
  ~FifoWriter() { ::close(fd_); }
  void key(int code, int value) {
    input_event ev{};
    ::gettimeofday(&ev.time, nullptr);
    ev.type = EV_KEY;
    ev.code = static_cast<__u16>(code);
    ev.value = value;
    input_event syn{};
    syn.time = ev.time;
    syn.type = EV_SYN;
    syn.code = SYN_REPORT;
    REQUIRE(::write(fd_, &ev, sizeof ev) == sizeof ev);
    REQUIRE(::write(fd_, &syn, sizeof syn) == sizeof syn);
  }
  // Half an event now, the rest later: the reader must reassemble records split across reads.
  void splitKey(int code, int value) {
    input_event ev{};
    ev.type = EV_KEY;
    ev.code = static_cast<__u16>(code);
    ev.value = value;
    const char* p = reinterpret_cast<const char*>(&ev);
    REQUIRE(::write(fd_, p, 7) == 7);
    std::this_thread::sleep_for(30ms);
    REQUIRE(::write(fd_, p + 7, sizeof ev - 7) == static_cast<ssize_t>(sizeof ev - 7));
  }

 private:
  int fd_ = -1;
};

}  // namespace

TEST_CASE("evdev: a held press of the configured key is one panic press", "[panic][evdev]") {
  TempDir dir;
  const std::string fifo = dir.file("event0");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::atomic<int> presses{0};
  EvdevButton button(fifo, kBtn0, 50ms, 200ms, [&] { ++presses; });
  button.start();
  FifoWriter w(fifo);  // blocks until the reader has opened the FIFO
  REQUIRE(waitUntil([&] { return button.opened(); }, 5s));

  SECTION("a press held past the hold time counts once, autorepeat and other keys ignored") {
    w.key(KEY_A, 1);  // another key on the same device
    w.key(kBtn0, 1);
    std::this_thread::sleep_for(100ms);
    w.key(kBtn0, 2);  // autorepeat
    std::this_thread::sleep_for(250ms);
    w.key(kBtn0, 0);
    REQUIRE(waitUntil([&] { return presses.load() == 1; }, 3s));
    std::this_thread::sleep_for(300ms);
    CHECK(presses.load() == 1);
    SECTION("and the next press counts again, even split across reads") {
      w.splitKey(kBtn0, 1);
      std::this_thread::sleep_for(400ms);
      w.splitKey(kBtn0, 0);
      CHECK(waitUntil([&] { return presses.load() == 2; }, 3s));
    }
  }
  SECTION("a tap shorter than the hold time is a false alarm") {
    w.key(kBtn0, 1);
    std::this_thread::sleep_for(100ms);
    w.key(kBtn0, 0);
    std::this_thread::sleep_for(500ms);
    CHECK(presses.load() == 0);
  }
  SECTION("contact bounce is filtered") {
    for (int i = 0; i < 5; ++i) {
      w.key(kBtn0, 1);
      w.key(kBtn0, 0);
    }
    std::this_thread::sleep_for(500ms);
    CHECK(presses.load() == 0);
  }
  button.stop();
}

TEST_CASE("evdev: the reader survives the device going away and coming back", "[panic][evdev]") {
  TempDir dir;
  const std::string fifo = dir.file("event0");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::atomic<int> presses{0};
  EvdevButton button(fifo, kBtn0, 20ms, 0ms, [&] { ++presses; });
  button.start();
  {
    FifoWriter w(fifo);
    w.key(kBtn0, 1);
    std::this_thread::sleep_for(100ms);
    w.key(kBtn0, 0);
  }  // writer closes: the reader sees the device vanish
  REQUIRE(waitUntil([&] { return presses.load() == 1; }, 3s));
  REQUIRE(waitUntil([&] { return !button.opened(); }, 3s));
  {
    FifoWriter w(fifo);  // reopened by the reader
    w.key(kBtn0, 1);
    std::this_thread::sleep_for(100ms);
    w.key(kBtn0, 0);
  }
  CHECK(waitUntil([&] { return presses.load() == 2; }, 5s));
  SECTION("a missing device is retried, not fatal") {
    EvdevButton missing(dir.file("nope"), kBtn0, 20ms, 0ms, [&] { ++presses; });
    missing.start();
    std::this_thread::sleep_for(200ms);
    CHECK_FALSE(missing.opened());
    missing.stop();
  }
}
