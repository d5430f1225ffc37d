#pragma once
// The x86 test rig of firmware-config/profiles/x86-testrig.toml, for real: the production broker (TLS, the
// vehicle's password from deploy/fleet-credentials.sh), gpsd fed by gpsfake with a real receiver log, the real
// fleetlink-edge reading a panic button through an evdev FIFO, configured as on a board (profile, then
// identity.toml, then the rig's local settings).
#include <memory>
#include <string>
#include <vector>

#include "production_broker.hpp"
#include "support/gps_feed.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace fleetlink::test::deploy {

class TestRig {
 public:
  TestRig();
  ~TestRig();

  // The agent's config files, in order; fleetlink-fieldcheck gets the same.
  std::vector<std::string> configArgs() const;
  void startAgent();            // and wait until its control socket answers
  void stopAgent();
  void stopGpsd() { gps_.stop(); }
  // Writes one press and release of BTN_0 to the panic FIFO.
  void pressButton();
  ProductionBroker& broker() { return broker_; }
  std::string agentLog() const { return agent_.logText(); }
  const std::string& dataDir() const { return data_dir_; }

 private:
  TempDir dir_;
  ProductionBroker broker_;
  GpsFake gps_;
  std::string data_dir_;
  std::string fifo_;
  int fifo_fd_ = -1;
  Process agent_;
};

// Runs fleetlink-fieldcheck with the rig's config and `extra` arguments; `on_prompt` runs when it asks for the
// button. Returns exit code and output.
RunResult runFieldCheck(const TestRig& rig, const std::vector<std::string>& extra,
                        const std::function<void()>& on_prompt = {});

}  // namespace fleetlink::test::deploy
