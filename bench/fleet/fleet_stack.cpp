#include "bench/fleet/fleet_stack.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/ports.hpp"

namespace fleetlink::bench {

Binaries Binaries::fromArgs(const std::map<std::string, std::string>& args) {
  auto pick = [&](const std::string& key, const std::string& name) {
    const auto it = args.find(key);
    return it != args.end() ? it->second : test::binary(name);
  };
  return {pick("--hub", "fleetlink-hub"), pick("--sim", "fleetlink-sim"), pick("--token", "fleetlink-token")};
}

std::int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

FleetStack::FleetStack(Binaries bins, Options opts)
    : bins_(std::move(bins)), dir_("fleetlink-bench"), broker_port_(test::freePort()), web_port_(test::freePort()) {
  // The broker: no persistence (a benchmark measures throughput, not restarts), generous queues so a slow
  // consumer shows up as latency rather than as dropped messages.
  std::string conf = "listener " + std::to_string(broker_port_) + " 127.0.0.1\nsocket_domain ipv4\n";
  if (opts.broker_websockets) {
    broker_ws_port_ = test::freePort();
    conf += "listener " + std::to_string(broker_ws_port_) + " 127.0.0.1\nprotocol websockets\nsocket_domain ipv4\n";
  }
  conf += "allow_anonymous true\nlog_dest stderr\nlog_type error\nlog_type warning\npersistence false\n";
  conf += "max_queued_messages 1000000\nmax_inflight_messages 1000\n";
  if (::geteuid() == 0) conf += "user root\n";
  dir_.write("mosquitto.conf", conf);
  broker_ = test::Process({"mosquitto", "-c", dir_.file("mosquitto.conf")}, dir_.file("mosquitto.log"));
  if (!test::waitUntil([&] { return test::portOpen(broker_port_) || !broker_.running(); }, std::chrono::seconds(10)) ||
      !broker_.running())
    throw std::runtime_error("mosquitto did not start:\n" + broker_.logText());

  const std::string secret = "bench-secret-0123456789abcdef0123456789";
  dir_.write("hub.toml", "[hub]\ninstance = \"bench\"\ndata_dir = \"" + dir_.file("data") +
                             "\"\n[log]\nlevel = \"warn\"\n[mqtt]\nhost = \"127.0.0.1\"\nport = " +
                             std::to_string(broker_port_) + "\n[web]\naddress = \"127.0.0.1\"\nport = " +
                             std::to_string(web_port_) + "\njwt_secret = \"" + secret + "\"\n" + opts.hub_toml + "\n");
  hub_ = test::Process({bins_.hub, "--config", dir_.file("hub.toml")}, dir_.file("hub.log"));
  if (!test::waitUntil([&] { return httpGet(web_port_, "/readyz").has_value() || !hub_.running(); },
                       std::chrono::seconds(30)) ||
      !hub_.running())
    throw std::runtime_error("fleetlink-hub did not become ready:\n" + hub_.logText());
  auto tok = test::run({bins_.token, "--config", dir_.file("hub.toml"), "--role", "dispatcher", "--fleet", "bench",
                        "--ttl", "24h"});
  if (tok.code != 0) throw std::runtime_error("fleetlink-token failed: " + tok.output);
  token_ = tok.output;
  while (!token_.empty() && (token_.back() == '\n' || token_.back() == '\r' || token_.back() == ' ')) token_.pop_back();
  if (const auto nl = token_.rfind('\n'); nl != std::string::npos) token_ = token_.substr(nl + 1);
}

FleetStack::~FleetStack() { stop(); }

void FleetStack::stop() {
  if (hub_.running()) hub_.stop(std::chrono::seconds(15));
  if (broker_.running()) broker_.stop(std::chrono::seconds(5));
}

test::Process FleetStack::startSim(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {bins_.sim, "--broker", "127.0.0.1:" + std::to_string(broker_port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::Process(argv, dir_.file("sim-" + std::to_string(++sims_) + ".log"));
}

std::optional<double> FleetStack::hubMetric(const std::string& name, const std::string& label) const {
  auto body = httpGet(web_port_, "/metrics");
  if (!body) return std::nullopt;
  return promSum(*body, name, label);
}

MachineCpu readMachineCpu() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long v[8] = {};
  in >> cpu >> v[0] >> v[1] >> v[2] >> v[3] >> v[4] >> v[5] >> v[6] >> v[7];
  MachineCpu m;
  for (auto x : v) m.total += x;
  m.busy = m.total - v[3] - v[4];  // minus idle and iowait
  return m;
}

std::optional<std::string> httpGet(int port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string resp;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[65536];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) resp.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (resp.rfind("HTTP/1.1 200", 0) != 0) return std::nullopt;
  const auto body = resp.find("\r\n\r\n");
  if (body == std::string::npos) return std::nullopt;
  std::string out = resp.substr(body + 4);
  // The hub answers /metrics with a length; a chunked body would need decoding, which /metrics does not use.
  return out;
}

double promSum(const std::string& text, const std::string& name, const std::string& label) {
  double sum = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != ' ' && next != '{') continue;
    if (!label.empty() && line.find(label) == std::string::npos) continue;
    const auto sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    try {
      sum += std::stod(line.substr(sp + 1));
    } catch (const std::exception&) {
    }
  }
  return sum;
}

}  // namespace fleetlink::bench
