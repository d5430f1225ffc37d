#pragma once
// Uplink: the MQTT 5 link to the broker (Paho async client), draining the outbox.
//
// Sending order on every turn: panics first (and re-sends of delivered panics the hub has not acknowledged,
// every panic_resend), then live records (just committed, small non-historical batches), then the backlog
// oldest-first in batches of batch_records flagged historical. At most max_inflight batches await their
// PUBACK, and the backlog may hold only half of them, so a panic or the current fix always finds a free slot and
// at most that many backlog batches are ahead of it on a slow link. A batch's rows count as delivered in the outbox
// only when its PUBACK arrives; rows the outbox makes undelivered again (a hub's resync with a re-send window) are
// read again from the start of the backlog.
//
// Connection: persistent session (clean start off, session expiry) so the broker queues commands while the
// vehicle is away; retained birth (ONLINE) on state after each connect, retained last will (LOST), OFFLINE on a
// clean stop. Reconnects with exponential backoff and jitter. A fresh Paho client is made for each connection
// (no Paho persistence): nothing half-sent from an old connection is replayed ahead of a panic; the outbox
// alone decides what is sent again.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "edge/outbox/outbox.hpp"
#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/mqtt_endpoint.hpp"

namespace fleetlink::edge {

struct UplinkSettings {
  mqttx::Endpoint endpoint;
  std::string client_id;
  std::string fleet, vehicle, device_id;
  std::string agent_version;
  std::uint64_t boot_id = 0;
  std::string config_hash;
  int batch_records = 500;
  int max_inflight = 8;
  std::chrono::milliseconds reconnect_min{1000}, reconnect_max{60000};
  std::chrono::milliseconds panic_resend{10000};
  std::chrono::milliseconds session_expiry{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds connect_timeout{10000};
};

struct UplinkStatus {
  bool connected = false;
  std::uint64_t connects = 0;
  std::uint64_t reconnects = 0;        // connections after the first
  std::size_t inflight_batches = 0;
  std::uint64_t published_records = 0; // acknowledged by the broker (PUBACK)
  std::uint64_t published_batches = 0;
};

class Uplink : public std::enable_shared_from_this<Uplink> {
 public:
  using CommandHandler = std::function<void(std::string payload)>;  // called on a Paho thread: hand it off

  static std::shared_ptr<Uplink> create(UplinkSettings settings, Outbox& outbox, CommandHandler on_command);
  ~Uplink();
  Uplink(const Uplink&) = delete;
  Uplink& operator=(const Uplink&) = delete;

  void start();
  // Publishes OFFLINE (when connected) and disconnects cleanly; waits at most `grace` for both.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

  // Records just committed to the outbox: sent at once, ahead of the backlog.
  void sendLive(const std::vector<std::uint64_t>& seqs);
  // A panic was committed: wake the sender now.
  void panicRaised();
  // Publish the birth again (resync command); with `rewind`, also read the backlog again from its start, for rows
  // Outbox::redeliver() made undelivered again.
  void resync(bool rewind = false);
  void setConfigHash(const std::string& hash);
  void setPanicResend(std::chrono::milliseconds every);
  void setBatchRecords(int n);

  UplinkStatus status() const;
  std::int64_t heartbeatMonoMs() const { return heartbeat_.load(); }

 private:
  class Callbacks;
  struct Batch {
    std::uint64_t generation;
    std::uint64_t epoch;
    std::vector<std::uint64_t> seqs;
    bool historical = false;
  };

  Uplink(UplinkSettings settings, Outbox& outbox, CommandHandler on_command);
  void run(std::stop_token st);
  bool connect(std::stop_token& st);
  void dropClient();
  // The retained state message (birth, clean-shutdown offline, or the last will) with this device's identity.
  std::string stateMessage(int connection) const;
  void publishBirth(int connection);
  void processAcks();
  void pump();
  bool sendPanics();
  bool sendLiveRecords();
  bool sendBacklog();
  bool publishBatch(std::vector<StoredRecord> rows, std::uint64_t epoch, bool historical);
  // Called from Paho threads (through Callbacks).
  void onAck(std::uint64_t batch_id);
  void onLost(const std::string& why);
  void onMessage(const std::string& topic, std::string payload);

  UplinkSettings settings_;
  Outbox& outbox_;
  CommandHandler on_command_;
  std::string up_topic_, state_topic_, cmd_topic_;

  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  bool connected_ = false;
  bool lost_ = false;
  bool birth_requested_ = false;
  bool panic_check_ = true;
  std::uint64_t generation_ = 0;
  std::uint64_t next_batch_id_ = 1;
  std::map<std::uint64_t, Batch> inflight_;
  std::set<std::uint64_t> inflight_seqs_;
  std::deque<std::uint64_t> acked_;
  struct LiveEntry {
    std::uint64_t seq;
    std::int64_t at_mono;
  };
  std::deque<LiveEntry> live_;
  std::uint64_t backlog_cursor_ = 0;
  std::uint64_t rewinds_ = 0;  // a backlog read that started before a rewind must not move the cursor past it
  std::map<std::uint64_t, std::int64_t> panic_sent_mono_;  // seq -> when last sent
  std::int64_t next_panic_due_ = 0;
  UplinkStatus counters_;

  std::shared_ptr<Callbacks> callbacks_;
  std::unique_ptr<mqtt::async_client> client_;  // used by the sender thread only
  std::atomic<std::int64_t> heartbeat_{0};
  int connect_failures_ = 0;  // sender thread only; rate-limits the warning
  std::jthread thread_;
};

}  // namespace fleetlink::edge
