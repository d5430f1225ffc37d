#include "control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fleetlink::fieldcheck {

namespace {
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
std::string sysError() { return std::strerror(errno); }
}  // namespace

Expected<nlohmann::json> ControlClient::request(const nlohmann::json& req, std::chrono::milliseconds timeout) const {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof(addr.sun_path)) return Error{"control socket path too long: " + path_};
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  Fd s{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return Error{"socket: " + sysError()};
  if (::connect(s.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    return Error{"cannot connect to " + path_ + ": " + sysError()};
  const std::string line = req.dump() + "\n";
  for (std::size_t sent = 0; sent < line.size();) {
    const ssize_t n = ::send(s.fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return Error{"cannot write to " + path_ + ": " + sysError()};
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (answer.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error{"no answer from " + path_ + " within " + std::to_string(timeout.count()) + " ms"};
    pollfd p{s.fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error{"poll: " + sysError()};
    if (r == 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{"the agent closed " + path_ + " without an answer"};
    answer.append(buf, static_cast<std::size_t>(n));
    if (answer.size() > 1024 * 1024) return Error{"answer from " + path_ + " too long"};
  }
  answer.resize(answer.find('\n'));
  auto parsed = nlohmann::json::parse(answer, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return Error{"the agent's answer is not a JSON object: " + answer};
  return parsed;
}

}  // namespace fleetlink::fieldcheck
