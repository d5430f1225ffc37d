#pragma once
// The real fleetlink-hub as a child process that keeps its data folder and web port across kill -9 and
// restarts, so a chaos scenario can crash it and check what the restarted hub holds.
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace fleetlink::test::chaos {

class HubRunner {
 public:
  HubRunner(int broker_port, std::string jwt_secret);
  ~HubRunner();
  void start();  // waits until /readyz answers 200
  void kill9();
  void stop();   // SIGTERM: a clean stop
  bool running() { return proc_.running(); }
  int webPort() const { return web_port_; }
  std::string historyPath() const { return dir_.file("data/history.db"); }
  std::string log() const;  // every run's output, for failure messages

 private:
  TempDir dir_;
  int web_port_;
  Process proc_;
  int starts_ = 0;
};

}  // namespace fleetlink::test::chaos
