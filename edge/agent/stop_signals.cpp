#include "edge/agent/stop_signals.hpp"

#include <pthread.h>
#include <signal.h>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/thread_name.hpp"

namespace fleetlink::edge {
namespace {
sigset_t stopSet() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGTERM);
  sigaddset(&s, SIGINT);
  return s;
}
}  // namespace

StopSignals::StopSignals() {
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t s = stopSet();
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
  thread_ = std::thread([this] {
    nameThisThread("signals");
    sigset_t set = stopSet();
    int sig = 0;
    sigwait(&set, &sig);
    log::Logger("edge").info("stop requested", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    std::function<void()> fn;
    {
      std::lock_guard lock(mu_);
      signalled_ = true;
      fn = fn_;
    }
    if (fn) fn();
  });
}

StopSignals::~StopSignals() { finish(); }

void StopSignals::finish() {
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return;
    fn_ = nullptr;
    // Wake the waiting thread when no signal came (the program ends for another reason).
    if (!signalled_) pthread_kill(thread_.native_handle(), SIGTERM);
  }
  thread_.join();
}

void StopSignals::onStop(std::function<void()> fn) {
  bool already;
  {
    std::lock_guard lock(mu_);
    fn_ = fn;
    already = signalled_;
  }
  if (already && fn) fn();
}

}  // namespace fleetlink::edge
