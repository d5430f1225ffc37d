#include "test_rig.hpp"

#include <fcntl.h>
#include <linux/input.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

#include "tools/fieldcheck/control_client.hpp"
#include "support/ports.hpp"

namespace fleetlink::test::deploy {

namespace {
std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
  return s;
}
}  // namespace

TestRig::TestRig()
    : dir_("fleetlink-rig"),
      broker_({{"demo", {"rig-1"}, {}}}, "password"),
      gps_({sharedPath("data/nmea/haicom-305N.log"), 0.05, /*once=*/false}),
      data_dir_(dir_.path() + "/data"),
      fifo_(dir_.path() + "/panic-event") {
  ::mkdir(data_dir_.c_str(), 0750);
  if (::mkfifo(fifo_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo " + fifo_);
  // identity.toml as fleetlink-provision installs it, with /etc/fleetlink pointing at the bundle.
  const auto bundle = broker_.vehicleDir("demo", "rig-1");
  dir_.write("identity.toml", replaceAll(readFile(bundle + "/identity.toml"), "/etc/fleetlink/", bundle + "/"));
  // What differs on this bench from the profile: ports, folders, the button device.
  dir_.write("rig-local.toml",
             "[device]\ndata_dir = \"" + data_dir_ + "\"\n\n"
             "[gps]\nport = " + std::to_string(gps_.port()) + "\nreconnect_min = \"100ms\"\nreconnect_max = \"500ms\"\n\n"
             "[panic]\nevdev_device = \"" + fifo_ + "\"\ndebounce = \"20ms\"\nhold = \"0s\"\n\n"
             "[mqtt]\nhost = \"127.0.0.1\"\nport = " + std::to_string(broker_.tlsPort()) + "\n"
             "reconnect_min = \"100ms\"\nreconnect_max = \"1s\"\n");
}

TestRig::~TestRig() {
  if (fifo_fd_ >= 0) ::close(fifo_fd_);
  agent_.kill9();
}

std::vector<std::string> TestRig::configArgs() const {
  return {"--config", sourcePath("firmware-config/profiles/x86-testrig.toml"), "--config", dir_.file("identity.toml"),
          "--config", dir_.file("rig-local.toml")};
}

void TestRig::startAgent() {
  std::vector<std::string> argv = {binary("fleetlink-edge")};
  for (const auto& a : configArgs()) argv.push_back(a);
  agent_ = Process(argv, dir_.file("agent.log"));
  fieldcheck::ControlClient control(data_dir_ + "/control.sock");
  const bool up = waitUntil(
      [&] {
        if (!agent_.running()) return true;
        auto st = control.request({{"cmd", "status"}}, std::chrono::seconds(2));
        return st.ok() && st->value("ok", false);
      },
      std::chrono::seconds(20));
  if (!up || !agent_.running()) throw std::runtime_error("fleetlink-edge did not come up:\n" + agentLog());
  // The agent reads the FIFO; hold the write end open for the rig's lifetime (a closed writer is an unplugged device).
  if (fifo_fd_ < 0) {
    waitUntil(
        [&] {
          fifo_fd_ = ::open(fifo_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
          return fifo_fd_ >= 0;
        },
        std::chrono::seconds(10));
    if (fifo_fd_ < 0) throw std::runtime_error("the agent never opened the panic FIFO " + fifo_ + ":\n" + agentLog());
  }
}

void TestRig::stopAgent() { agent_.stop(std::chrono::seconds(10)); }

void TestRig::pressButton() {
  auto write_event = [&](int type, int code, int value) {
    input_event ev{};
    ::gettimeofday(&ev.time, nullptr);
    ev.type = static_cast<__u16>(type);
    ev.code = static_cast<__u16>(code);
    ev.value = value;
    if (::write(fifo_fd_, &ev, sizeof ev) != static_cast<ssize_t>(sizeof ev))
      throw std::runtime_error("write to the panic FIFO failed");
  };
  write_event(EV_KEY, BTN_0, 1);
  write_event(EV_SYN, SYN_REPORT, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  write_event(EV_KEY, BTN_0, 0);
  write_event(EV_SYN, SYN_REPORT, 0);
}

RunResult runFieldCheck(const TestRig& rig, const std::vector<std::string>& extra, const std::function<void()>& on_prompt) {
  TempDir out("fleetlink-fieldcheck");
  std::vector<std::string> argv = {FLEETLINK_FIELDCHECK_BIN};
  for (const auto& a : rig.configArgs()) argv.push_back(a);
  for (const auto& a : extra) argv.push_back(a);
  Process p(argv, out.file("out.log"));
  if (on_prompt) {
    if (waitUntil([&] { return p.logText().find(">> Press the panic button") != std::string::npos || !p.running(); },
                  std::chrono::seconds(60)) &&
        p.running())
      on_prompt();
  }
  const int code = p.wait(std::chrono::seconds(90));
  return {code, p.logText()};
}

}  // namespace fleetlink::test::deploy
