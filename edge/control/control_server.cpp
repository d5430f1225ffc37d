#include "edge/control/control_server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/thread_name.hpp"

namespace fleetlink::edge {
namespace {

const log::Logger kLog("edge.control");

bool writeAll(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

ControlServer::ControlServer(std::string path, ControlProtocol& protocol) : path_(std::move(path)), protocol_(protocol) {}

ControlServer::~ControlServer() { stop(); }

Status ControlServer::start() {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof(addr.sun_path)) return Error{"control socket path too long: " + path_};
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  std::error_code ec;
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  // A socket file left by a previous run (kill -9) would make bind fail.
  struct stat sb {};
  if (::lstat(path_.c_str(), &sb) == 0) {
    if (!S_ISSOCK(sb.st_mode)) return Error{path_ + " exists and is not a socket (control.socket)"};
    ::unlink(path_.c_str());
  }
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Error{std::strerror(errno)}.context("could not create the control socket");
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
    const Error e{std::strerror(errno)};
    ::close(listen_fd_);
    listen_fd_ = -1;
    return e.context("could not listen on " + path_ + " (control.socket)");
  }
  // Owner and group (the in-cab app's group) only.
  ::chmod(path_.c_str(), 0660);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  accept_thread_ = std::jthread([this](std::stop_token st) {
    nameThisThread("control");
    acceptLoop(st);
  });
  kLog.info("control socket listening", {{"path", path_}});
  return okStatus();
}

void ControlServer::stop() {
  if (accept_thread_.joinable()) {
    accept_thread_.request_stop();
    const std::uint64_t one = 1;
    if (::write(wake_fd_, &one, sizeof one) < 0) {
      // The accept loop also notices the stop request within its poll timeout.
    }
    accept_thread_.join();
  }
  {
    std::lock_guard lock(mu_);
    for (auto& c : clients_) {
      c->thread.request_stop();
      ::shutdown(c->fd, SHUT_RDWR);
    }
  }
  for (auto& c : clients_) {
    if (c->thread.joinable()) c->thread.join();
    ::close(c->fd);
  }
  clients_.clear();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(path_.c_str());
    listen_fd_ = -1;
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
}

void ControlServer::reap() {
  std::lock_guard lock(mu_);
  for (auto it = clients_.begin(); it != clients_.end();) {
    if ((*it)->done.load()) {
      (*it)->thread.join();
      ::close((*it)->fd);
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
}

void ControlServer::acceptLoop(std::stop_token st) {
  while (!st.stop_requested()) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, 1000);
    reap();
    if (n <= 0 || !(fds[0].revents & POLLIN)) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mu_);
    if (clients_.size() >= kMaxClients) {
      writeAll(fd, R"({"ok":false,"error":"too many control clients, try again"})" "\n");
      ::close(fd);
      continue;
    }
    auto c = std::make_unique<Client>();
    c->fd = fd;
    Client& ref = *c;
    clients_.push_back(std::move(c));
    ref.thread = std::jthread([this, &ref](std::stop_token cst) { serve(cst, ref); });
  }
}

void ControlServer::serve(std::stop_token st, Client& c) {
  std::string buf;
  char chunk[4096];
  bool discarding = false;  // inside an over-long line: skip to its end
  while (!st.stop_requested()) {
    pollfd p{c.fd, POLLIN, 0};
    const int n = ::poll(&p, 1, 500);
    if (n == 0) continue;
    if (n < 0 && errno == EINTR) continue;
    const ssize_t got = n > 0 ? ::recv(c.fd, chunk, sizeof chunk, 0) : -1;
    if (got <= 0) break;
    buf.append(chunk, static_cast<std::size_t>(got));
    std::size_t nl;
    bool ok = true;
    while ((nl = buf.find('\n')) != std::string::npos) {
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      if (discarding) {
        discarding = false;
        continue;
      }
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      if (!(ok = writeAll(c.fd, protocol_.handleLine(line) + "\n"))) break;
    }
    if (!ok) break;
    if (!discarding && buf.size() > ControlProtocol::kMaxLineBytes) {
      buf.clear();
      discarding = true;
      if (!writeAll(c.fd, protocol_.handleLine(std::string(ControlProtocol::kMaxLineBytes + 1, ' ')) + "\n")) break;
    } else if (discarding) {
      buf.clear();
    }
  }
  c.done.store(true);
}

}  // namespace fleetlink::edge
