#include "edge_harness.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "fleetlink/common/wire.hpp"

namespace fleetlink::test::edge {

ControlClient::ControlClient(const std::string& path, std::chrono::milliseconds connect_timeout) {
  const auto deadline = std::chrono::steady_clock::now() + connect_timeout;
  while (true) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return;
    ::close(fd_);
    fd_ = -1;
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("control socket not reachable: " + path);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::string ControlClient::requestLine(const std::string& line, std::chrono::milliseconds timeout) {
  const std::string out = line + "\n";
  if (::send(fd_, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size()))
    throw std::runtime_error("control socket write failed");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buf_.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("control socket: no answer to " + line);
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) throw std::runtime_error("control socket closed");
    buf_.append(chunk, static_cast<std::size_t>(n));
  }
  const auto nl = buf_.find('\n');
  std::string answer = buf_.substr(0, nl);
  buf_.erase(0, nl + 1);
  return answer;
}

nlohmann::json ControlClient::request(const nlohmann::json& req, std::chrono::milliseconds timeout) {
  return nlohmann::json::parse(requestLine(req.dump(), timeout));
}

EdgeAgent::EdgeAgent(AgentOptions o) : opts_(std::move(o)) {}

EdgeAgent::~EdgeAgent() { proc_.kill9(); }

void EdgeAgent::start() {
  // An explicit (empty) config file: the machine's /etc/fleetlink/edge.toml must not leak into tests.
  const auto folder = std::filesystem::path(opts_.data_dir).parent_path();
  const std::string config = (folder / "edge-test.toml").string();
  std::ofstream(config, std::ios::app).flush();
  std::vector<std::string> argv = {binary("fleetlink-edge"),
                                   "--config=" + config,
                                   "--device.fleet=" + opts_.fleet,
                                   "--device.vehicle=" + opts_.vehicle,
                                   "--device.data_dir=" + opts_.data_dir,
                                   "--device.device_id=board-" + opts_.vehicle,
                                   "--gps.port=" + std::to_string(opts_.gps_port),
                                   "--mqtt.port=" + std::to_string(opts_.mqtt_port),
                                   "--gps.max_h_accuracy_m=0",
                                   "--gps.reconnect_min=100ms",
                                   "--gps.reconnect_max=500ms",
                                   "--report.min_interval=0s",
                                   "--report.moving_interval=100ms",
                                   "--report.moving_speed_kph=0",
                                   "--mqtt.reconnect_min=200ms",
                                   "--mqtt.reconnect_max=1s",
                                   "--mqtt.keepalive=5s",
                                   "--health.interval=1h",
                                   "--health.thermal_zone=",
                                   "--outbox.sync_interval=1s"};
  for (const auto& e : opts_.extra) argv.push_back(e);
  proc_ = Process(argv, (folder / ("edge-" + opts_.vehicle + "-" + std::to_string(++starts_) + ".log")).string(),
                  opts_.env);
  const bool up = waitUntil(
      [&] {
        if (!proc_.running()) return true;
        try {
          ControlClient c(socketPath(), std::chrono::milliseconds(200));
          return c.request({{"cmd", "status"}})["ok"] == true;
        } catch (...) {
          return false;
        }
      },
      std::chrono::seconds(20));
  if (!up || !proc_.running()) throw std::runtime_error("fleetlink-edge did not start:\n" + proc_.logText());
  logs_.push_back(proc_.logPath());
}

void EdgeAgent::kill9() { proc_.kill9(); }

std::string EdgeAgent::log() const {
  std::string all;
  for (const auto& p : logs_) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    all += "--- " + p + "\n" + ss.str();
  }
  return all;
}

int EdgeAgent::stop() { return proc_.stop(std::chrono::seconds(10)); }

nlohmann::json EdgeAgent::request(const nlohmann::json& req) {
  ControlClient c(socketPath());
  return c.request(req);
}

nlohmann::json EdgeAgent::status() { return request({{"cmd", "status"}}); }

std::vector<SeenRecord> uplinkRecords(const std::vector<Received>& msgs) {
  std::vector<SeenRecord> out;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    if (msgs[i].topic.size() < 3 || msgs[i].topic.compare(msgs[i].topic.size() - 3, 3, "/up") != 0) continue;
    auto up = wire::decodeUplink(msgs[i].payload);
    if (!up) throw std::runtime_error("undecodable uplink: " + up.error().message);
    for (const auto& r : up->records()) out.push_back({r, up->historical(), up->sent_at_ms(), i});
  }
  return out;
}

namespace {
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else if (c == '*') {
      break;
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}
double nmeaDegrees(const std::string& v, const std::string& hemi) {
  const double raw = std::stod(v);
  const double deg = std::floor(raw / 100);
  const double d = deg + (raw - deg * 100) / 60.0;
  return (hemi == "S" || hemi == "W") ? -d : d;
}
}  // namespace

std::vector<geo::LatLon> nmeaFixes(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<geo::LatLon> out;
  while (std::getline(in, line)) {
    if (line.size() < 7 || line[0] != '$') continue;
    const auto f = split(line, ',');
    const std::string type = f[0].substr(3);
    try {
      if (type == "GGA" && f.size() > 6 && !f[2].empty() && f[6] != "0") out.push_back({nmeaDegrees(f[2], f[3]), nmeaDegrees(f[4], f[5])});
      if (type == "RMC" && f.size() > 6 && f[2] == "A" && !f[3].empty()) out.push_back({nmeaDegrees(f[3], f[4]), nmeaDegrees(f[5], f[6])});
    } catch (const std::exception&) {
      // A damaged sentence in a real capture: gpsd skips it too.
    }
  }
  return out;
}

void generateDrive(const std::string& route, const std::string& out) {
  auto r = run({binary("fleetlink-nmea-drive"), "--route", sourcePath(route), "--out", out});
  if (r.code != 0) throw std::runtime_error("fleetlink-nmea-drive failed: " + r.output);
}

std::string panicAckCommand(std::uint64_t epoch, std::uint64_t seq) {
  v1::Command c;
  c.set_command_id("hub-ack-" + std::to_string(seq));
  c.mutable_panic_ack()->set_epoch(epoch);
  c.mutable_panic_ack()->set_seq(seq);
  c.mutable_panic_ack()->set_alert_id("alert-" + std::to_string(seq));
  return c.SerializeAsString();
}

}  // namespace fleetlink::test::edge
