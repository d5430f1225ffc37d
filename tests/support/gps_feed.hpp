#pragma once
// A real gpsd fed by gpsfake from an NMEA log, listening on a free loopback port.
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace fleetlink::test {

class GpsFake {
 public:
  struct Options {
    std::string log_file;         // NMEA log (e.g. sharedPath("data/nmea/haicom-305N.log"))
    double cycle_s = 0.1;         // delay between sentences
    bool once = true;             // -1: play the log once
  };
  explicit GpsFake(Options o);
  ~GpsFake();
  int port() const { return port_; }
  // Starts gpsfake; a looping feed (once = false) returns only after gpsd has streamed a fix from it.
  void start();
  void stop();
  bool running() { return proc_.running(); }
  std::string log() const { return proc_.logText(); }

 private:
  void launch();

  Options opts_;
  TempDir dir_;
  int port_;
  Process proc_;
};

}  // namespace fleetlink::test
