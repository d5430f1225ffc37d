#pragma once
// Helpers for the edge integration tests: the real fleetlink-edge binary on free ports, its control socket,
// and decoding what it published.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fleetlink/common/geo.hpp"
#include "fleetlink/v1/fleetlink.pb.h"
#include "support/mqtt_probe.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace fleetlink::test::edge {

// A line-delimited JSON client of the agent's control socket.
class ControlClient {
 public:
  explicit ControlClient(const std::string& path, std::chrono::milliseconds connect_timeout = std::chrono::seconds(10));
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;
  nlohmann::json request(const nlohmann::json& req, std::chrono::milliseconds timeout = std::chrono::seconds(70));
  std::string requestLine(const std::string& line, std::chrono::milliseconds timeout = std::chrono::seconds(70));

 private:
  int fd_ = -1;
  std::string buf_;
};

struct AgentOptions {
  std::string fleet = "test";
  std::string vehicle = "van-1";
  std::string data_dir;
  int gps_port = 0;
  int mqtt_port = 0;
  std::vector<std::string> extra;  // more --key=value flags (later ones win)
  std::map<std::string, std::string> env;  // environment variables beside the test's own
};

// The real agent binary with settings that make tests quick (report every fix, fast reconnects).
class EdgeAgent {
 public:
  explicit EdgeAgent(AgentOptions o);
  ~EdgeAgent();
  void start();  // and wait until its control socket answers
  void kill9();
  int stop();    // SIGTERM; the exit code
  bool running() { return proc_.running(); }
  pid_t pid() const { return proc_.pid(); }
  nlohmann::json status();
  nlohmann::json request(const nlohmann::json& req);
  std::string socketPath() const { return opts_.data_dir + "/control.sock"; }
  std::string log() const;  // every run's output, for failure messages
  const AgentOptions& options() const { return opts_; }

 private:
  AgentOptions opts_;
  Process proc_;
  int starts_ = 0;
  std::vector<std::string> logs_;
};

struct SeenRecord {
  v1::Record record;
  bool historical;
  std::int64_t sent_at_ms;
  std::size_t message;  // index of the MQTT message that carried it
};
// Every record of every Uplink message on `msgs` (other topics skipped), in arrival order.
std::vector<SeenRecord> uplinkRecords(const std::vector<Received>& msgs);

// Positions with a valid fix in an NMEA log (GGA with quality > 0, RMC with status A), in log order.
std::vector<geo::LatLon> nmeaFixes(const std::string& path);

// A drive generated from a route in deploy/routes by fleetlink-nmea-drive, written to `out`.
void generateDrive(const std::string& route, const std::string& out);

// Commands as the hub sends them.
std::string panicAckCommand(std::uint64_t epoch, std::uint64_t seq);

}  // namespace fleetlink::test::edge
