#pragma once
// One simulated vehicle as a plain state machine: it numbers records (seq from 1 in its epoch), keeps each until
// the broker acknowledges the message carrying it, buffers through outages and drains the backlog as historical
// batches, re-sends a panic until the hub's PanicAck, and answers commands with CommandAck records. No sockets
// and no clock: the fleet runner passes the time in and publishes what collect() returns.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleetlink/v1/fleetlink.pb.h"
#include "tools/fleet-sim/track.hpp"

namespace fleetlink::sim {

struct VehicleIdentity {
  std::string fleet, vehicle, device_id, driver_id;
  std::uint64_t epoch = 1;
  std::uint64_t boot_id = 1;
};

struct VehicleBehaviour {
  std::int64_t period_ms = 1000;          // one position record per period
  int records_per_message = 1;            // live records per Uplink
  int backlog_batch = 500;                // records per historical Uplink
  std::int64_t health_every_ms = 60'000;  // 0 = no DeviceHealth records
  std::int64_t panic_first_ms = 0;        // first press after start; 0 = never
  std::int64_t panic_every_ms = 0;
  std::int64_t panic_resend_ms = 10'000;
  std::int64_t outage_first_ms = 0;       // first outage after start; 0 = never
  std::int64_t outage_every_ms = 0;
  std::int64_t outage_length_ms = 0;
  std::int64_t clock_skew_ms = 0;         // device clock minus true time (non-GPS timestamps)
  std::string agent_version = "fleetlink-sim";
  std::string config_hash = "0000000000000000";
};

// A message the vehicle wants published. `send_id` ties an acknowledgement back to the records it carried.
struct OutMessage {
  enum class Kind { Records, PanicResend };
  Kind kind = Kind::Records;
  bool historical = false;
  std::string payload;
  std::uint32_t send_id = 0;
  std::uint64_t first_seq = 0, last_seq = 0;
  int records = 0;
};

struct PanicTrace {
  std::uint64_t seq;
  std::int64_t pressed_at_ms;
  std::int64_t last_sent_ms = 0;  // 0 = not sent yet
  int sends = 0;                  // first send plus re-sends
  bool acked = false;             // PanicAck received
  std::int64_t acked_at_ms = 0;
  std::string record;             // the serialized Record, re-sent as is
};

struct VehicleStats {
  std::uint64_t records_created = 0;
  std::uint64_t records_acked = 0;       // distinct records the broker acknowledged
  std::uint64_t messages_sent = 0;
  std::uint64_t live_records_sent = 0;
  std::uint64_t historical_records_sent = 0;
  std::uint64_t records_requeued = 0;    // sent but not acknowledged before the link dropped
  std::uint64_t outages = 0;
  std::uint64_t outage_records = 0;      // created while in an outage
  std::uint64_t commands_accepted = 0;
  std::uint64_t commands_rejected = 0;
  std::uint64_t commands_malformed = 0;
  std::uint64_t panic_acks_unknown = 0;  // PanicAck for a panic this vehicle never sent
};

class SimVehicle {
 public:
  SimVehicle(VehicleIdentity id, VehicleBehaviour behaviour, TrackCursor cursor);

  // Driver log-in and first health record; ticks start here. With `offline_ms` > 0 the vehicle comes back
  // after that long without a link: it starts then and holds every record of the gap as backlog.
  void start(std::int64_t now_ms, std::int64_t offline_ms = 0);
  bool started() const { return started_; }
  // Takes this period's fix (and health, panic, outage changes when due). `link_up`: the connection is up,
  // so records made now are live rather than backlog.
  void tick(std::int64_t now_ms, bool link_up);
  std::int64_t nextTickMs() const { return next_tick_ms_; }
  // Driver log-out before a clean shutdown.
  void stop(std::int64_t now_ms);

  bool inOutage(std::int64_t now_ms) const { return now_ms < outage_until_ms_; }

  // Messages to publish now. Live data and panics always go; backlog batches only up to `backlog_budget`
  // messages (the connection's room), oldest first.
  void collect(std::int64_t now_ms, bool link_up, std::size_t backlog_budget, std::vector<OutMessage>& out);

  // The broker acknowledged (or the link lost) the message `send_id` carrying seqs first..last.
  void acked(std::uint32_t send_id, std::uint64_t first, std::uint64_t last);
  void failed(std::uint32_t send_id, std::uint64_t first, std::uint64_t last);

  // A Command from the vehicle's cmd topic. Returns true when it asks for a resync (birth again).
  bool onCommand(std::string_view payload, std::int64_t now_ms);

  // Retained VehicleState payloads.
  std::string statePayload(v1::VehicleState::Connection c, std::int64_t now_ms) const;

  const VehicleIdentity& identity() const { return id_; }
  const VehicleStats& stats() const { return stats_; }
  const std::vector<PanicTrace>& panics() const { return panics_; }
  std::uint64_t lastSeq() const { return next_seq_ - 1; }
  std::uint64_t ackedThrough() const;  // every seq up to here is acknowledged
  // Seqs not yet acknowledged, as inclusive ranges.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> unackedRanges() const;
  std::size_t pendingRecords() const { return pending_.size(); }
  std::size_t queuedRecords() const { return queued_live_ + queued_backlog_; }
  std::int64_t clockSkewMs() const { return beh_.clock_skew_ms; }
  // True once every record made so far is acknowledged.
  bool drained() const { return pending_.empty(); }

 private:
  enum class State : std::uint8_t { Queued, InFlight, Acked };
  struct Pending {
    std::uint64_t seq;
    std::int64_t created_ms;
    std::string bytes;  // the serialized Record
    State state = State::Queued;
    bool live = true;
    bool panic = false;
    std::uint32_t send_id = 0;
  };

  std::int64_t deviceMs(std::int64_t now_ms) const { return now_ms + beh_.clock_skew_ms; }
  void addRecord(v1::Record& r, std::int64_t now_ms, bool live, bool panic = false);
  void addPosition(std::int64_t now_ms, bool live);
  void addHealth(std::int64_t now_ms, bool live);
  void addDuty(std::int64_t now_ms, bool live, bool login);
  void addAck(std::int64_t now_ms, const std::string& command_id, v1::AckStatus status, const std::string& detail);
  void fillPosition(v1::Position& p, std::int64_t now_ms) const;
  OutMessage buildMessage(const std::vector<Pending*>& records, bool historical);
  void settle(std::uint32_t send_id, std::uint64_t first, std::uint64_t last, bool ok);

  VehicleIdentity id_;
  VehicleBehaviour beh_;
  TrackCursor cursor_;
  bool started_ = false;
  bool link_up_ = false;
  std::int64_t start_ms_ = 0;
  std::int64_t next_tick_ms_ = 0;
  std::int64_t next_health_ms_ = 0;
  std::int64_t next_panic_ms_ = 0;
  std::int64_t next_outage_ms_ = 0;
  std::int64_t outage_until_ms_ = 0;
  bool flush_live_ = false;  // a record that should not wait for a full batch (ack, duty change) is queued
  std::uint64_t next_seq_ = 1;
  std::uint32_t next_send_id_ = 1;
  std::deque<Pending> pending_;  // ordered by seq; front is the oldest unacknowledged
  std::size_t queued_live_ = 0, queued_backlog_ = 0;
  std::vector<PanicTrace> panics_;
  std::string header_;  // serialized Uplink fields shared by every message (fleet, vehicle, device)
  VehicleStats stats_;
};

}  // namespace fleetlink::sim
