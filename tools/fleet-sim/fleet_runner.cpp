#include <utility>  // before Asio: Boost 1.74 misses it under GCC 12 in C++20 mode

#include "tools/fleet-sim/fleet_runner.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ostream>
#include <random>

#include <boost/asio/ip/tcp.hpp>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/common/version.hpp"

namespace fleetlink::sim {
namespace asio = boost::asio;

namespace {
constexpr std::chrono::milliseconds kTick{10};
constexpr std::size_t kBacklogWindow = 64;  // queued messages per connection before backlog drain waits
constexpr std::int64_t kCloseTimeoutMs = 3000;

log::Logger& logger() {
  static log::Logger l("sim");
  return l;
}

std::string padded(int n, int width) {
  std::string s = std::to_string(n);
  return s.size() >= static_cast<std::size_t>(width) ? s : std::string(width - s.size(), '0') + s;
}
}  // namespace

double processCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

FleetRunner::FleetRunner(asio::io_context& io, SimOptions opts, std::vector<std::shared_ptr<const Track>> tracks,
                         std::ostream& out)
    : io_(io), opts_(std::move(opts)), tracks_(std::move(tracks)), out_(out), timer_(io), signals_(io, SIGINT, SIGTERM) {}

std::int64_t FleetRunner::simNow() const { return start_ms_ + (monotonicMs() - mono_start_); }

Status FleetRunner::start() {
  asio::ip::tcp::endpoint broker;
  try {
    asio::ip::tcp::resolver resolver(io_);
    auto results = resolver.resolve(opts_.broker_host, std::to_string(opts_.broker_port));
    if (results.empty()) return Error{"broker host " + opts_.broker_host + " did not resolve"};
    broker = *results.begin();
  } catch (const std::exception& e) {
    return Error{"cannot resolve broker host " + opts_.broker_host + ": " + e.what()};
  }
  mono_start_ = monotonicMs();
  start_ms_ = opts_.start_time_ms ? *opts_.start_time_ms : SystemClock().nowMs();
  epoch_ = opts_.epoch ? *opts_.epoch : static_cast<std::uint64_t>(SystemClock().nowMs() / 1000);
  cpu_start_ = processCpuSeconds();
  vehicles_per_connection_ = effectiveVehiclesPerConnection(opts_);
  buildFleet();

  // One connection per group of vehicles; the first vehicle's LOST state is the connection's last will.
  for (std::size_t c = 0; c < conn_vehicles_.size(); ++c) {
    const auto& group = conn_vehicles_[c];
    const auto& first = vehicles_[group.front()];
    MqttConnection::Settings s;
    s.broker = broker;
    s.connect.client_id = "fleetlink-sim-" + first.identity().fleet + "-" + first.identity().vehicle +
                          (group.size() > 1 ? "-x" + std::to_string(group.size()) : "");
    s.connect.clean_start = true;
    s.connect.keepalive_s = static_cast<std::uint16_t>(opts_.keepalive_s);
    s.connect.username = opts_.username;
    s.connect.password = opts_.password;
    s.connect.has_will = true;
    s.connect.will_topic = slots_[group.front()].state_topic;
    s.connect.will_payload = first.statePayload(v1::VehicleState::CONNECTION_LOST, simNow());
    for (auto v : group) s.subscriptions.push_back(topics::vehicleCmd(vehicles_[v].identity().fleet,
                                                                      vehicles_[v].identity().vehicle));
    conns_.push_back(std::make_shared<MqttConnection>(io_, std::move(s), weak_from_this(), c));
  }

  out_ << "fleetlink-sim: " << opts_.vehicles << " vehicles in " << fleets_.size() << " fleet(s) on "
       << conns_.size() << " MQTT connection(s) to " << opts_.broker_host << ":" << opts_.broker_port << ", "
       << opts_.rate_hz << " Hz, epoch " << epoch_ << "\n";
  if (vehicles_per_connection_ > 1) {
    out_ << "fleetlink-sim: carrying " << vehicles_per_connection_
         << " vehicles per MQTT connection (one connection each would need " << opts_.vehicles
         << "; a process here may hold 20,000 open files, the broker too); only the first vehicle of each "
            "connection has a last will\n";
  }
  out_.flush();

  signals_.async_wait([self = shared_from_this()](const boost::system::error_code& ec, int) {
    if (ec) return;
    self->requestStop();
    // A second signal ends at once, without waiting for the drain.
    self->signals_.async_wait([self](const boost::system::error_code& ec2, int) {
      if (!ec2 && self->phase_ != Phase::Done) self->finish();
    });
  });
  ramp_mono_ = monotonicMs();
  last_progress_mono_ = ramp_mono_;
  last_cpu_ = cpu_start_;
  rampConnections();
  timer_.expires_after(kTick);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->onTimer();
  });
  return okStatus();
}

void FleetRunner::buildFleet() {
  if (opts_.fleets <= 1) fleets_ = {opts_.fleet};
  else
    for (int f = 1; f <= opts_.fleets; ++f) fleets_.push_back(opts_.fleet + "-" + std::to_string(f));
  std::mt19937_64 rng(opts_.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::random_device rd;
  const std::uint64_t boot_id = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  const int width = std::max(5, static_cast<int>(std::to_string(opts_.vehicles).size()));
  const std::int64_t period = std::max<std::int64_t>(1, std::llround(1000.0 / opts_.rate_hz));
  std::vector<std::vector<std::uint32_t>> by_fleet(fleets_.size());
  vehicles_.reserve(static_cast<std::size_t>(opts_.vehicles));
  for (int i = 0; i < opts_.vehicles; ++i) {
    const std::size_t f = static_cast<std::size_t>(i) % fleets_.size();
    VehicleIdentity id;
    id.fleet = fleets_[f];
    id.vehicle = opts_.vehicle_prefix + "-" + padded(i + 1, width);
    id.device_id = "simdev-" + id.vehicle;
    id.driver_id = "drv-" + id.vehicle;
    id.epoch = epoch_;
    id.boot_id = boot_id;
    VehicleBehaviour b;
    b.period_ms = period;
    b.records_per_message = opts_.records_per_message;
    b.backlog_batch = opts_.backlog_batch;
    b.health_every_ms = opts_.health_every_ms;
    if (opts_.panic_every_ms > 0) {
      b.panic_every_ms = opts_.panic_every_ms;
      b.panic_first_ms = std::max<std::int64_t>(1, std::llround(opts_.panic_every_ms * (0.5 + 0.5 * unit(rng))));
    }
    b.panic_resend_ms = std::max<std::int64_t>(1, opts_.panic_resend_ms);
    if (opts_.outage_length_ms > 0 && unit(rng) < opts_.outage_share) {
      b.outage_length_ms = opts_.outage_length_ms;
      b.outage_every_ms = opts_.outage_every_ms;
      const double span = opts_.outage_every_ms > 0 ? static_cast<double>(opts_.outage_every_ms) : 2.0 * opts_.outage_length_ms;
      b.outage_first_ms = std::max<std::int64_t>(period, std::llround(span * (0.2 + 0.6 * unit(rng))));
    }
    if (opts_.clock_skew_ms > 0)
      b.clock_skew_ms = std::llround((2 * unit(rng) - 1) * static_cast<double>(opts_.clock_skew_ms));
    b.agent_version = std::string("fleetlink-sim/") + kVersion;
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(opts_.seed * 0x9E3779B97F4A7C15ull));
    b.config_hash = hash;
    const auto& track = tracks_[static_cast<std::size_t>(i) % tracks_.size()];
    const double angle = unit(rng) * 2 * 3.14159265358979;
    const double dist = opts_.spread_m * std::sqrt(unit(rng));
    TrackCursor cursor(track, unit(rng) * static_cast<double>(track->size()), dist * std::cos(angle),
                       dist * std::sin(angle));
    vehicles_.emplace_back(std::move(id), std::move(b), std::move(cursor));
    const auto& vid = vehicles_.back().identity();
    slots_.push_back({topics::vehicleUp(vid.fleet, vid.vehicle), topics::vehicleState(vid.fleet, vid.vehicle), 0});
    by_cmd_topic_.emplace(topics::vehicleCmd(vid.fleet, vid.vehicle), static_cast<std::uint32_t>(i));
    by_fleet[f].push_back(static_cast<std::uint32_t>(i));
  }
  // Vehicles sharing a connection belong to one fleet, like a depot gateway.
  for (const auto& list : by_fleet) {
    for (std::size_t k = 0; k < list.size(); k += static_cast<std::size_t>(vehicles_per_connection_)) {
      std::vector<std::uint32_t> group(list.begin() + static_cast<std::ptrdiff_t>(k),
                                       list.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                          list.size(), k + static_cast<std::size_t>(vehicles_per_connection_))));
      for (auto v : group) slots_[v].conn = static_cast<std::uint32_t>(conn_vehicles_.size());
      conn_vehicles_.push_back(std::move(group));
    }
  }
}

void FleetRunner::rampConnections() {
  // Connect at --connect-rate so the broker's accept queue is not flooded at start.
  const std::int64_t elapsed = monotonicMs() - ramp_mono_;
  const auto allowed = static_cast<std::size_t>(
      std::min<double>(static_cast<double>(conns_.size()), 1.0 + static_cast<double>(elapsed) * opts_.connect_rate / 1000.0));
  while (next_to_connect_ < allowed && phase_ == Phase::Running) conns_[next_to_connect_++]->start();
}

void FleetRunner::onTimer() {
  if (phase_ == Phase::Done) return;
  const std::int64_t now = simNow();
  const std::int64_t mono = monotonicMs();
  if (next_to_connect_ < conns_.size()) rampConnections();
  if (phase_ == Phase::Running && opts_.duration_ms > 0 && mono - mono_start_ >= opts_.duration_ms) beginDrain();
  serviceVehicles(now);
  if (phase_ == Phase::Draining) {
    const bool drained = std::all_of(vehicles_.begin(), vehicles_.end(), [](const SimVehicle& v) { return v.drained(); });
    if (drained || mono >= phase_deadline_mono_) beginClose();
  } else if (phase_ == Phase::Closing) {
    const bool quiet = std::all_of(conns_.begin(), conns_.end(), [](const auto& c) {
      return !c->up() || (c->inflight() == 0 && c->waiting() == 0);
    });
    if (quiet || mono >= phase_deadline_mono_) finish();
  }
  if (opts_.progress_every_ms > 0 && mono - last_progress_mono_ >= opts_.progress_every_ms && phase_ != Phase::Done)
    printProgress();
  if (phase_ == Phase::Done) return;
  timer_.expires_after(kTick);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->onTimer();
  });
}

void FleetRunner::serviceVehicles(std::int64_t now) {
  if (phase_ != Phase::Running && phase_ != Phase::Draining) return;
  for (std::uint32_t i = 0; i < vehicles_.size(); ++i) {
    SimVehicle& v = vehicles_[i];
    if (!v.started()) continue;
    MqttConnection& c = *conns_[slots_[i].conn];
    bool work = v.queuedRecords() > 0;
    if (phase_ == Phase::Running) {
      // A vehicle alone on its connection really loses it during an outage: the broker publishes its will.
      if (conn_vehicles_[slots_[i].conn].size() == 1) {
        const bool out = v.inOutage(now);
        if (out && !c.dropped()) c.drop();
        else if (!out && c.dropped()) c.resume();
      }
      if (now >= v.nextTickMs()) {
        v.tick(now, c.up());
        work = true;
      }
    }
    if (!work || !c.up()) continue;
    scratch_.clear();
    const std::size_t budget = c.waiting() >= kBacklogWindow ? 0 : kBacklogWindow - c.waiting();
    v.collect(now, true, budget, scratch_);
    for (auto& m : scratch_) {
      PublishMeta meta;
      meta.kind = m.kind == OutMessage::Kind::Records ? PublishMeta::Kind::Records : PublishMeta::Kind::PanicResend;
      meta.vehicle = i;
      meta.send_id = m.send_id;
      meta.first_seq = m.first_seq;
      meta.last_seq = m.last_seq;
      ++msgs_published_;
      records_published_ += static_cast<std::uint64_t>(m.records);
      const std::uint8_t qos = m.kind == OutMessage::Kind::PanicResend ? 1 : static_cast<std::uint8_t>(opts_.qos);
      c.publish(slots_[i].up_topic, std::move(m.payload), qos, false, meta);
    }
  }
}

void FleetRunner::publishBirth(std::uint32_t vehicle, MqttConnection& c, std::int64_t now) {
  PublishMeta meta;
  meta.kind = PublishMeta::Kind::State;
  meta.vehicle = vehicle;
  c.publish(slots_[vehicle].state_topic, vehicles_[vehicle].statePayload(v1::VehicleState::CONNECTION_ONLINE, now), 1,
            true, meta);
}

void FleetRunner::onConnected(MqttConnection& c) {
  ++connects_;
  const std::int64_t now = simNow();
  for (auto v : conn_vehicles_[c.index()]) {
    if (!vehicles_[v].started() && phase_ == Phase::Running) vehicles_[v].start(now, opts_.offline_before_ms);
    publishBirth(v, c, now);
  }
}

void FleetRunner::onDelivered(const PublishMeta& meta, bool ok) {
  if (ok) ++msgs_acked_;
  else ++msgs_failed_;
  if (meta.kind != PublishMeta::Kind::Records) return;
  if (ok) vehicles_[meta.vehicle].acked(meta.send_id, meta.first_seq, meta.last_seq);
  else vehicles_[meta.vehicle].failed(meta.send_id, meta.first_seq, meta.last_seq);
}

void FleetRunner::onMessage(MqttConnection& c, const std::string& topic, const std::string& payload) {
  const auto it = by_cmd_topic_.find(topic);
  if (it == by_cmd_topic_.end() || slots_[it->second].conn != c.index()) {
    ++unknown_topics_;
    logger().warn("message on a topic no simulated vehicle of this connection subscribed to", {{"topic", topic}});
    return;
  }
  const std::int64_t now = simNow();
  if (vehicles_[it->second].onCommand(payload, now)) publishBirth(it->second, c, now);
}

void FleetRunner::onDisconnected(MqttConnection& c, const std::string& why) {
  ++disconnects_;
  last_disconnect_reason_ = why;
  if (!c.dropped()) logger().debug("connection lost", {{"client", c.clientId()}, {"reason", why}});
}

void FleetRunner::requestStop() {
  if (phase_ == Phase::Running) beginDrain();
}

void FleetRunner::beginDrain() {
  phase_ = Phase::Draining;
  active_end_mono_ = monotonicMs();
  phase_deadline_mono_ = active_end_mono_ + opts_.drain_timeout_ms;
  const std::int64_t now = simNow();
  for (auto& v : vehicles_) v.stop(now);
  for (auto& c : conns_)
    if (c->dropped()) c->resume();
  out_ << "fleetlink-sim: stopping; waiting up to " << opts_.drain_timeout_ms / 1000.0
       << " s for unacknowledged records\n";
  out_.flush();
}

void FleetRunner::beginClose() {
  phase_ = Phase::Closing;
  phase_deadline_mono_ = monotonicMs() + kCloseTimeoutMs;
  const std::int64_t now = simNow();
  // A clean shutdown announces OFFLINE (retained) so the hub need not wait for silence.
  for (std::uint32_t i = 0; i < vehicles_.size(); ++i) {
    auto& c = *conns_[slots_[i].conn];
    if (!c.up() || !vehicles_[i].started()) continue;
    PublishMeta meta;
    meta.kind = PublishMeta::Kind::State;
    meta.vehicle = i;
    c.publish(slots_[i].state_topic, vehicles_[i].statePayload(v1::VehicleState::CONNECTION_OFFLINE, now), 1, true,
              meta);
  }
}

void FleetRunner::finish() {
  if (active_end_mono_ == 0) active_end_mono_ = monotonicMs();
  phase_ = Phase::Done;
  end_mono_ = monotonicMs();
  cpu_end_ = processCpuSeconds();
  for (auto& c : conns_) c->close();
  timer_.cancel();
  signals_.cancel();
}

void FleetRunner::printProgress() {
  const std::int64_t mono = monotonicMs();
  const double dt = static_cast<double>(mono - last_progress_mono_) / 1000.0;
  const double cpu = processCpuSeconds();
  std::size_t up = 0, started = 0, backlog = 0, inflight = 0;
  for (const auto& c : conns_) {
    if (c->up()) ++up;
    inflight += c->inflight() + c->waiting();
  }
  for (const auto& v : vehicles_) {
    if (v.started()) ++started;
    backlog += v.queuedRecords();
  }
  char line[512];
  std::snprintf(line, sizeof line,
                "fleetlink-sim: t=%.0fs vehicles=%zu/%zu connections=%zu/%zu records/s=%.0f msgs/s=%.0f acked/s=%.0f "
                "queued_records=%zu unacked_msgs=%zu reconnects=%llu cpu=%.0f%%\n",
                static_cast<double>(mono - mono_start_) / 1000.0, started, vehicles_.size(), up, conns_.size(),
                static_cast<double>(records_published_ - last_records_) / dt,
                static_cast<double>(msgs_published_ - last_msgs_) / dt,
                static_cast<double>(msgs_acked_ - last_acked_) / dt, backlog, inflight,
                static_cast<unsigned long long>(connects_ > conns_.size() ? connects_ - conns_.size() : 0),
                100.0 * (cpu - last_cpu_) / dt);
  out_ << line;
  out_.flush();
  last_progress_mono_ = mono;
  last_records_ = records_published_;
  last_msgs_ = msgs_published_;
  last_acked_ = msgs_acked_;
  last_cpu_ = cpu;
}

RunInfo FleetRunner::runInfo() const {
  RunInfo r;
  r.broker = opts_.broker_host + ":" + std::to_string(opts_.broker_port);
  r.fleets = fleets_;
  r.vehicles = opts_.vehicles;
  r.connections = static_cast<int>(conns_.size());
  r.vehicles_per_connection = vehicles_per_connection_;
  r.qos = opts_.qos;
  r.rate_hz = opts_.rate_hz;
  r.records_per_message = opts_.records_per_message;
  r.epoch = epoch_;
  r.start_time_ms = start_ms_;
  const std::int64_t end = end_mono_ > 0 ? end_mono_ : monotonicMs();
  const std::int64_t active_end = active_end_mono_ > 0 ? active_end_mono_ : end;
  r.elapsed_s = static_cast<double>(end - mono_start_) / 1000.0;
  r.active_s = static_cast<double>(active_end - mono_start_) / 1000.0;
  r.cpu_s = (cpu_end_ > 0 ? cpu_end_ : processCpuSeconds()) - cpu_start_;
  r.connects = connects_;
  r.disconnects = disconnects_;
  r.messages_published = msgs_published_;
  r.messages_acked = msgs_acked_;
  r.messages_failed = msgs_failed_;
  r.records_published = records_published_;
  r.unknown_command_topics = unknown_topics_;
  return r;
}

std::string FleetRunner::summaryText() const {
  const RunInfo r = runInfo();
  std::uint64_t created = 0, acked = 0, panics = 0, panics_acked = 0;
  for (const auto& v : vehicles_) {
    created += v.stats().records_created;
    acked += v.stats().records_acked;
    for (const auto& p : v.panics()) {
      ++panics;
      if (p.acked) ++panics_acked;
    }
  }
  const double active = r.active_s > 0 ? r.active_s : 1;
  char line[768];
  std::snprintf(line, sizeof line,
                "fleetlink-sim: done after %.1f s: %d vehicles on %d connections; %llu records made, %llu acknowledged "
                "by the broker, %llu not; panics %llu (%llu acknowledged by the hub)\n"
                "fleetlink-sim: achieved %.0f records/s in %.0f messages/s (target %.0f records/s); CPU %.0f%% of one "
                "core\n",
                r.elapsed_s, r.vehicles, r.connections, static_cast<unsigned long long>(created),
                static_cast<unsigned long long>(acked), static_cast<unsigned long long>(created - acked),
                static_cast<unsigned long long>(panics), static_cast<unsigned long long>(panics_acked),
                static_cast<double>(r.records_published) / active, static_cast<double>(r.messages_published) / active,
                opts_.vehicles * opts_.rate_hz, r.elapsed_s > 0 ? 100.0 * r.cpu_s / r.elapsed_s : 0.0);
  std::string s = line;
  if (!last_disconnect_reason_.empty() && disconnects_ > 0)
    s += "fleetlink-sim: " + std::to_string(disconnects_) + " connection losses; last: " + last_disconnect_reason_ + "\n";
  return s;
}

}  // namespace fleetlink::sim
