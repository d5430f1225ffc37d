#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fleetlink::test {

Process::Process(std::vector<std::string> argv, std::string log_path, std::map<std::string, std::string> env,
                 int stdin_fd)
    : log_path_(std::move(log_path)) {
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    const int in = stdin_fd >= 0 ? stdin_fd : ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, 0);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) kill9();
}

Process::Process(Process&& o) noexcept { *this = std::move(o); }

Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0 && !reaped_) kill9();
    pid_ = o.pid_;
    status_ = o.status_;
    reaped_ = o.reaped_;
    log_path_ = std::move(o.log_path_);
    o.pid_ = -1;
    o.reaped_ = true;
  }
  return *this;
}

bool Process::running() {
  if (pid_ <= 0 || reaped_) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = st;
    reaped_ = true;
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

int Process::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (pid_ <= 0) return -1;
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

int Process::stop(std::chrono::milliseconds grace) {
  if (!running()) return wait(std::chrono::milliseconds(0));
  signal(SIGTERM);
  int code = wait(grace);
  if (code == -1) {
    kill9();
    code = wait(std::chrono::seconds(5));
  }
  return code;
}

void Process::kill9() {
  if (pid_ <= 0 || reaped_) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  if (::waitpid(pid_, &st, 0) == pid_) status_ = st;
  reaped_ = true;
}

std::string Process::logText() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Process::logDigest(std::size_t max_lines, std::size_t width) const {
  std::vector<std::string> lines;
  std::istringstream in(logText());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("ts=", 0) == 0) {
      const auto space = line.find(' ');
      line = space == std::string::npos ? "" : line.substr(space + 1);
    }
    if (line.size() > width) line = line.substr(0, width) + "...";
    lines.push_back(std::move(line));
  }
  std::string out = std::to_string(lines.size()) + " log lines";
  if (lines.size() > max_lines) out += ", the last " + std::to_string(max_lines);
  out += ":";
  for (std::size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i)
    out += "\n  " + lines[i];
  return out;
}

RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
              const std::map<std::string, std::string>& env) {
  char tmpl[] = "/tmp/fleetlink-run-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd >= 0) ::close(fd);
  Process p(argv, tmpl, env);
  int code = p.wait(timeout);
  if (code == -1) {
    p.kill9();
    code = -1;
  }
  std::string out = p.logText();
  ::unlink(tmpl);
  return {code, out};
}

bool waitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string binary(const std::string& name) {
  for (const char* sub : {"/edge/", "/hub/", "/tools/fleetlinkctl/", "/tools/nmea-drive/", "/bench/", "/tools/"}) {
    std::string p = std::string(FLEETLINK_BINARY_DIR) + sub + name;
    if (std::filesystem::exists(p)) return p;
  }
  throw std::runtime_error("binary not built: " + name);
}

std::string sourcePath(const std::string& rel) { return std::string(FLEETLINK_SOURCE_DIR) + "/" + rel; }

std::string sharedPath(const std::string& rel) {
  const std::string p = std::string(FLEETLINK_SHARED_DIR) + "/" + rel;
  return std::filesystem::exists(p) ? p : std::string();
}

}  // namespace fleetlink::test
