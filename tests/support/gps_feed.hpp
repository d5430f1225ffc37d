#pragma once
// A real gpsd fed by gpsfake from an NMEA log, listening on a free loopback port.
#include <string>
#include <thread>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace fleetlink::test {

class GpsFake {
 public:
  struct Options {
    std::string log_file;         // NMEA log (e.g. sharedPath("data/nmea/haicom-305N.log"))
    double cycle_s = 0.1;         // delay between sentences
    // -1: play the log once, from its first line, starting when a client first watches gpsd (gpsfake would
    // otherwise play it from its own start, and a client that comes a few seconds late misses that part).
    bool once = true;
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
  void releaseOnFirstWatch(std::stop_token stop, int gate);

  Options opts_;
  TempDir dir_;
  int port_;
  Process proc_;
  int gate_ = -1;           // our end of gpsfake's standard input: one line per sentence it may play
  std::jthread releaser_;   // opens the gate once gpsd has a watching client
};

}  // namespace fleetlink::test
