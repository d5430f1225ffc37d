#include "support/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

namespace fleetlink::test {
namespace {

constexpr std::size_t kBufferCap = 256 * 1024;  // per direction; reading pauses when full

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Closing with a zero linger sends RST: the peer sees "connection reset", as when a middlebox drops state.
void resetClose(int fd) {
  if (fd < 0) return;
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

int listenOn(int port, int& bound_port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 512) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  bound_port = ntohs(a.sin_port);
  setNonBlocking(fd);
  return fd;
}

int connectTo(const std::string& host, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {  // loopback: completes at once
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setNonBlocking(fd);
  return fd;
}

struct Link {
  int client = -1;
  int target = -1;  // -1 while blackholed before it was ever forwarded
  std::string to_target, to_client;
  bool closing = false;
};

// Moves bytes from `from` into `buf`; false on EOF or error.
bool pull(int from, std::string& buf) {
  char chunk[16 * 1024];
  while (buf.size() < kBufferCap) {
    const ssize_t n = ::read(from, chunk, sizeof chunk);
    if (n > 0) {
      buf.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return false;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  }
  return true;
}

// Writes what it can of `buf` to `to`; returns bytes written, or -1 on error.
long push(int to, std::string& buf) {
  long total = 0;
  while (!buf.empty()) {
    const ssize_t n = ::send(to, buf.data(), buf.size(), MSG_NOSIGNAL);
    if (n > 0) {
      buf.erase(0, static_cast<std::size_t>(n));
      total += n;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
    return -1;
  }
  return total;
}

}  // namespace

TcpProxy::TcpProxy(int target_port, std::string target_host)
    : target_host_(std::move(target_host)), target_port_(target_port) {
  listen_fd_ = listenOn(0, port_);
  if (listen_fd_ < 0) throw std::runtime_error("tcp proxy: cannot listen on a loopback port");
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

TcpProxy::~TcpProxy() {
  thread_.request_stop();
  wake();
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  ::close(wake_fd_);
}

void TcpProxy::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void TcpProxy::cut() {
  mode_ = Mode::Cut;
  cut_pending_ = true;
  wake();
}

void TcpProxy::blackhole() {
  mode_ = Mode::Blackhole;
  wake();
}

void TcpProxy::restore() {
  mode_ = Mode::Forward;
  wake();
}

TcpProxy::Counters TcpProxy::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void TcpProxy::run(std::stop_token st) {
  std::vector<Link> links;
  std::vector<pollfd> fds;
  auto closeLink = [&](Link& l, bool reset) {
    if (reset) {
      resetClose(l.client);
      resetClose(l.target);
    } else {
      if (l.client >= 0) ::close(l.client);
      if (l.target >= 0) ::close(l.target);
    }
    l.client = l.target = -1;
    l.closing = true;
  };

  while (!st.stop_requested()) {
    const Mode mode = mode_.load();
    if (cut_pending_.exchange(false)) {
      std::lock_guard lock(mu_);
      for (auto& l : links) {
        closeLink(l, true);
        ++counters_.dropped;
      }
    }
    // Refusing new connections means no listening socket at all; it comes back on the same port.
    if (mode == Mode::Cut && listen_fd_ >= 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
    } else if (mode != Mode::Cut && listen_fd_ < 0) {
      int p = 0;
      listen_fd_ = listenOn(port_, p);
    }
    if (mode == Mode::Forward) {
      for (auto& l : links) {
        if (l.closing || l.target >= 0) continue;
        l.target = connectTo(target_host_, target_port_);
        if (l.target < 0) {
          closeLink(l, true);
          std::lock_guard lock(mu_);
          ++counters_.target_refused;
        }
      }
    }
    std::erase_if(links, [](const Link& l) { return l.closing; });
    {
      std::lock_guard lock(mu_);
      counters_.active = links.size();
    }

    fds.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, static_cast<short>(listen_fd_ >= 0 ? POLLIN : 0), 0});
    if (mode == Mode::Forward) {
      for (const auto& l : links) {
        short c = 0, t = 0;
        if (l.to_target.size() < kBufferCap) c |= POLLIN;
        if (!l.to_client.empty()) c |= POLLOUT;
        if (l.to_client.size() < kBufferCap) t |= POLLIN;
        if (!l.to_target.empty()) t |= POLLOUT;
        fds.push_back({l.client, c, 0});
        fds.push_back({l.target, t, 0});
      }
    }
    // In a blackhole nothing is read: bytes wait in the kernel's buffers like packets a silent path holds back,
    // and the peers see neither data nor a reset. A short timeout lets a listener that failed to re-bind retry.
    if (::poll(fds.data(), fds.size(), listen_fd_ < 0 && mode != Mode::Cut ? 50 : 1000) < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) {
      std::uint64_t v;
      [[maybe_unused]] auto n = ::read(wake_fd_, &v, sizeof v);
    }
    if (listen_fd_ >= 0 && (fds[1].revents & POLLIN) && mode_.load() != Mode::Cut) {
      while (true) {
        const int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) break;
        int one = 1;
        ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Link l;
        l.client = c;
        links.push_back(std::move(l));
        std::lock_guard lock(mu_);
        ++counters_.accepted;
      }
    }
    if (mode != Mode::Forward || mode_.load() != Mode::Forward) continue;
    for (std::size_t i = 0; i + 2 < fds.size() && i / 2 < links.size(); i += 2) {
      Link& l = links[i / 2];
      if (l.closing || l.target < 0) continue;
      const short cr = fds[i + 2].revents, tr = fds[i + 3].revents;
      bool alive = true;
      if (cr & (POLLIN | POLLHUP | POLLERR)) alive = pull(l.client, l.to_target) && alive;
      if (tr & (POLLIN | POLLHUP | POLLERR)) alive = pull(l.target, l.to_client) && alive;
      const long up = push(l.target, l.to_target);
      const long down = push(l.client, l.to_client);
      {
        std::lock_guard lock(mu_);
        if (up > 0) counters_.bytes_to_target += static_cast<std::uint64_t>(up);
        if (down > 0) counters_.bytes_to_client += static_cast<std::uint64_t>(down);
      }
      // One side closed or failed: pass on what is buffered, then close both, as a TCP path would end.
      if (!alive || up < 0 || down < 0) closeLink(l, false);
    }
  }
  for (auto& l : links) closeLink(l, false);
}

}  // namespace fleetlink::test
