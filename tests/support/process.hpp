#pragma once
// A child process owned by a test: started with fork/exec, killed (SIGKILL) and reaped when the object goes
// away, and killed by the kernel if the test process itself dies (PR_SET_PDEATHSIG), so no test leaves
// brokers or agents behind even when it fails.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace fleetlink::test {

class Process {
 public:
  Process() = default;
  // Starts argv[0] (looked up in PATH if it has no '/'); stdout+stderr go to `log_path` (appended). Standard
  // input is `stdin_fd` when given (the caller keeps and closes its copy), /dev/null otherwise.
  Process(std::vector<std::string> argv, std::string log_path, std::map<std::string, std::string> env = {},
          int stdin_fd = -1);
  ~Process();
  Process(Process&& o) noexcept;
  Process& operator=(Process&& o) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Sends SIGTERM, waits up to `grace`, then SIGKILL. Returns the exit status (as from waitpid) or -1.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  void kill9();
  // Waits for exit; returns the exit code (128+signal when killed), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  const std::string& logPath() const { return log_path_; }
  std::string logText() const;
  // The log in short: the last `max_lines` lines, each cut to `width` characters without its timestamp, for a
  // failure message that must stay readable where only the start of a test's output is shown.
  std::string logDigest(std::size_t max_lines = 25, std::size_t width = 160) const;

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  std::string log_path_;
};

// Runs a command to completion; returns exit code and captured output.
struct RunResult {
  int code;
  std::string output;
};
RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(60),
              const std::map<std::string, std::string>& env = {});

// Polls `pred` every 20 ms until it is true or `timeout` passes.
bool waitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

std::string binary(const std::string& name);  // path of a built fleetlink binary
std::string sourcePath(const std::string& rel);
std::string sharedPath(const std::string& rel);  // ../shared/<rel>; empty when the folder is absent

}  // namespace fleetlink::test
