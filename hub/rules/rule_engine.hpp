#pragma once
// Feeds each vehicle's records to the order-dependent rules (overspeed, geofence, route distance, driving
// hours) in event-time order. Records that arrive late are inserted into the vehicle's recent ordered
// history and the rules are replayed from the last snapshot before them, so back-filled driving counts as if
// it had arrived in order. Records older than the retained history are fed, in arrival order, to a separate
// lane. Not thread-safe: owned by the hub's core thread.
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hub/rules/driving_hours_rule.hpp"
#include "hub/rules/finding.hpp"
#include "hub/rules/geofence_rule.hpp"
#include "hub/rules/overspeed_rule.hpp"
#include "hub/rules/route_distance_rule.hpp"
#include "hub/rules/rule_book.hpp"
#include "hub/rules/sample.hpp"

namespace fleetlink::hub::rules {

class RuleEngine {
 public:
  struct Options {
    std::int64_t history_window_ms = 26LL * 3600 * 1000;  // a day of back-fill plus margin
    std::size_t history_max_records = 100'000;            // per vehicle
    std::size_t snapshot_every = 256;                     // records between replay checkpoints
  };
  struct Stats {
    std::uint64_t samples = 0, replays = 0, replayed = 0, lane = 0;
  };

  RuleEngine(RuleBook& book, Options opts);

  // Adds a vehicle's new samples (any order; `order` is assigned here) that arrived at hub time `now_ms`.
  // Findings without `vehicle` belong to `vehicle`.
  void ingest(const std::string& fleet, const std::string& vehicle, std::vector<Sample> samples, std::int64_t now_ms,
              Findings& out);

  // Ends conditions that time alone ends (a driving break taken while the vehicle sends nothing).
  // `now_ms` is the hub's clock; subjects' event time is extrapolated from their last arrival.
  // `out` is called once per fleet with that fleet's findings (each names its vehicle).
  void tick(std::int64_t now_ms, const std::function<void(const std::string& fleet, const Findings&)>& out);

  // Route distance counts per route from this moment; empty route_id returns to per-day counting.
  void setRoute(const std::string& fleet, const std::string& vehicle, const std::string& route_id, std::int64_t at_ms);

  std::uint32_t internDriver(const std::string& id);
  const std::string& driverName(std::uint32_t idx) const { return drivers_[idx]; }
  // Driver logged in as of the vehicle's newest record ("" when nobody).
  std::string currentDriver(const std::string& fleet, const std::string& vehicle) const;
  const Stats& stats() const { return stats_; }
  std::size_t historySize(const std::string& fleet, const std::string& vehicle) const;

 private:
  struct VehicleState {  // everything a replay restores; copied at snapshots, so kept small
    OverspeedRule::State overspeed;
    GeofenceRule::State geofence;
    RouteDistanceRule::State distance;
    bool has_prev = false;
    std::int64_t prev_ms = 0;
    float prev_speed = 0;
    std::uint8_t duty = 0;
    std::uint32_t driver = 0;
    std::int64_t duty_driving_since = -1;
  };
  struct Snapshot {
    std::tuple<std::int64_t, std::uint64_t> key;
    VehicleState state;
  };
  struct Track {
    std::string fleet, vehicle;
    std::deque<Sample> history;
    std::deque<Snapshot> snaps;
    VehicleState base;      // state before history.front()
    VehicleState current;
    VehicleState lane;      // records older than the retained history
    bool trimmed = false;
    std::size_t since_snap = 0;
    std::uint64_t next_order = 1;
    std::string route_id;
    std::int64_t route_from_ms = 0;
  };
  struct Touched {
    std::int64_t from = INT64_MAX, to = INT64_MIN;
    std::string vehicle;
    double lat = 0, lon = 0;
  };
  struct SubjectEntry {
    DrivingHoursRule::Subject hours;
    std::string fleet;
    std::int64_t last_arrival_ms = 0;
  };

  void step(Track& t, VehicleState& st, const Sample& s, const RuleBook::Entry& rb, Findings& out);
  void replayFrom(Track& t, std::tuple<std::int64_t, std::uint64_t> earliest, const RuleBook::Entry& rb, Findings& out);
  void trim(Track& t);
  SubjectEntry& subject(const Track& t, std::uint32_t driver);
  void addDriving(Track& t, std::uint32_t driver, std::int64_t from, std::int64_t to, const Sample& at);

  RuleBook& book_;
  Options opts_;
  Stats stats_;
  std::unordered_map<std::string, Track> tracks_;
  std::unordered_map<std::string, SubjectEntry> subjects_;
  std::unordered_map<std::string, Touched> touched_;  // subjects touched by the batch being processed
  std::vector<std::string> drivers_{""};
  std::unordered_map<std::string, std::uint32_t> driver_index_;
};

}  // namespace fleetlink::hub::rules
