#pragma once
// Runs a simulated fleet on one io_context thread: builds the vehicles and their MQTT connections, ticks each
// vehicle on its own phase, publishes what the vehicles produce, routes commands and acknowledgements back, and
// ends cleanly (driver log-out, backlog drained, retained OFFLINE state, DISCONNECT) at --duration or a signal.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "fleetlink/common/expected.hpp"
#include "tools/fleet-sim/mqtt_connection.hpp"
#include "tools/fleet-sim/sim_options.hpp"
#include "tools/fleet-sim/sim_report.hpp"
#include "tools/fleet-sim/sim_vehicle.hpp"

namespace fleetlink::sim {

class FleetRunner : public ConnectionListener, public std::enable_shared_from_this<FleetRunner> {
 public:
  FleetRunner(boost::asio::io_context& io, SimOptions opts, std::vector<std::shared_ptr<const Track>> tracks,
              std::ostream& out);

  // Resolves the broker, builds the fleet and starts connecting. Run the io_context afterwards; it returns once
  // the run has ended and every connection is closed.
  Status start();
  // Begins the clean end (as a signal does).
  void requestStop();

  RunInfo runInfo() const;
  const std::vector<SimVehicle>& vehicles() const { return vehicles_; }
  std::string summaryText() const;

  void onConnected(MqttConnection& c) override;
  void onDelivered(const PublishMeta& meta, bool ok) override;
  void onMessage(MqttConnection& c, const std::string& topic, const std::string& payload) override;
  void onDisconnected(MqttConnection& c, const std::string& why) override;

 private:
  enum class Phase { Running, Draining, Closing, Done };
  struct Slot {
    std::string up_topic, state_topic;
    std::uint32_t conn;
  };

  std::int64_t simNow() const;
  void buildFleet();
  void rampConnections();
  void onTimer();
  void serviceVehicles(std::int64_t now);
  void publishBirth(std::uint32_t vehicle, MqttConnection& c, std::int64_t now);
  void beginDrain();
  void beginClose();
  void finish();
  void printProgress();

  boost::asio::io_context& io_;
  SimOptions opts_;
  std::vector<std::shared_ptr<const Track>> tracks_;
  std::ostream& out_;
  boost::asio::steady_timer timer_;
  boost::asio::signal_set signals_;
  Phase phase_ = Phase::Running;
  int vehicles_per_connection_ = 1;
  std::uint64_t epoch_ = 0;
  std::int64_t start_ms_ = 0, mono_start_ = 0, phase_deadline_mono_ = 0, active_end_mono_ = 0, end_mono_ = 0;
  double cpu_start_ = 0, cpu_end_ = 0;
  std::vector<std::string> fleets_;
  std::vector<SimVehicle> vehicles_;
  std::vector<Slot> slots_;
  std::vector<std::shared_ptr<MqttConnection>> conns_;
  std::vector<std::vector<std::uint32_t>> conn_vehicles_;
  std::unordered_map<std::string, std::uint32_t> by_cmd_topic_;
  std::size_t next_to_connect_ = 0;
  std::int64_t ramp_mono_ = 0;
  std::vector<OutMessage> scratch_;
  // Totals, and the previous progress line's values for rates.
  std::uint64_t connects_ = 0, disconnects_ = 0, msgs_published_ = 0, msgs_acked_ = 0, msgs_failed_ = 0,
                records_published_ = 0, unknown_topics_ = 0;
  std::int64_t last_progress_mono_ = 0;
  std::uint64_t last_records_ = 0, last_msgs_ = 0, last_acked_ = 0;
  double last_cpu_ = 0;
  std::string last_disconnect_reason_;
};

double processCpuSeconds();

}  // namespace fleetlink::sim
