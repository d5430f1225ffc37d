#include "edge/uplink/uplink.hpp"

#include <MQTTAsync.h>

#include <algorithm>
#include <limits>

#include "edge/retry/backoff.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"
#include "fleetlink/common/thread_name.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/common/wire.hpp"

namespace fleetlink::edge {
namespace {

const log::Logger kLog("edge.uplink");
// Room left below wire::kMaxUplinkBytes for the batch envelope and per-record seq/epoch fields.
constexpr std::size_t kBatchBodyBudget = wire::kMaxUplinkBytes - 16 * 1024;
constexpr std::size_t kLiveQueueMax = 256;  // beyond this, live records simply wait in the backlog
// A record still unsent after this long is no longer "live": it goes with the backlog, flagged historical
// (e.g. everything recorded during an outage, apart from what is current when the link returns).
constexpr std::int64_t kLiveMaxAgeMs = 3000;

std::int64_t systemMs() { return SystemClock().nowMs(); }

metrics::Counter& publishedRecords() {
  static auto& c = metrics::global().counter("fleetlink_edge_uplink_records_total", "Records acknowledged by the broker");
  return c;
}

}  // namespace

// Receives Paho's callbacks; holds the uplink weakly so a late callback never touches a destroyed uplink.
class Uplink::Callbacks final : public virtual mqtt::callback, public virtual mqtt::iaction_listener {
 public:
  explicit Callbacks(std::weak_ptr<Uplink> up) : up_(std::move(up)) {}
  void connection_lost(const std::string& cause) override {
    if (auto u = up_.lock()) u->onLost(cause.empty() ? "connection lost" : cause);
  }
  void message_arrived(mqtt::const_message_ptr msg) override {
    if (auto u = up_.lock()) u->onMessage(msg->get_topic(), msg->to_string());
  }
  void on_success(const mqtt::token& tok) override {
    if (auto u = up_.lock()) u->onAck(reinterpret_cast<std::uintptr_t>(tok.get_user_context()));
  }
  void on_failure(const mqtt::token& tok) override {
    // The batch stays in the outbox; after the reconnect that follows it is sent again.
    if (auto u = up_.lock()) u->onLost("publish failed (reason " + std::to_string(tok.get_reason_code()) + ")");
  }

 private:
  std::weak_ptr<Uplink> up_;
};

std::shared_ptr<Uplink> Uplink::create(UplinkSettings settings, Outbox& outbox, CommandHandler on_command) {
  // OpenSSL 1.1+ initialises itself when TLS is first used; Paho's explicit initialisation would load it even for
  // plain TCP and keep about 3 MiB of it resident on a board that never needs it.
  static const bool paho_initialised = [] {
    MQTTAsync_init_options init = MQTTAsync_init_options_initializer;
    init.do_openssl_init = 0;
    MQTTAsync_global_init(&init);
    return true;
  }();
  (void)paho_initialised;
  std::shared_ptr<Uplink> u(new Uplink(std::move(settings), outbox, std::move(on_command)));
  u->callbacks_ = std::make_shared<Callbacks>(u);
  return u;
}

Uplink::Uplink(UplinkSettings settings, Outbox& outbox, CommandHandler on_command)
    : settings_(std::move(settings)), outbox_(outbox), on_command_(std::move(on_command)),
      up_topic_(topics::vehicleUp(settings_.fleet, settings_.vehicle)),
      state_topic_(topics::vehicleState(settings_.fleet, settings_.vehicle)),
      cmd_topic_(topics::vehicleCmd(settings_.fleet, settings_.vehicle)) {}

Uplink::~Uplink() { stop(std::chrono::milliseconds(0)); }

void Uplink::start() {
  thread_ = std::jthread([this](std::stop_token st) {
    nameThisThread("uplink");
    run(st);
  });
}

void Uplink::stop(std::chrono::milliseconds grace) {
  if (thread_.joinable()) {
    thread_.request_stop();
    cv_.notify_all();
    thread_.join();
  }
  if (client_ && grace.count() > 0) {
    try {
      if (client_->is_connected()) {
        client_->publish(state_topic_, stateMessage(v1::VehicleState::CONNECTION_OFFLINE), 1, true)->wait_for(grace);
        // A normal DISCONNECT: the broker discards the last will.
        client_->disconnect()->wait_for(grace);
        kLog.info("disconnected cleanly", {{"topic", state_topic_}});
      }
    } catch (const mqtt::exception& e) {
      kLog.warn("clean disconnect failed", {{"error", e.what()}});
    }
  }
  dropClient();
}

void Uplink::sendLive(const std::vector<std::uint64_t>& seqs) {
  {
    std::lock_guard lock(mu_);
    const auto now = monotonicMs();
    for (auto s : seqs) live_.push_back({s, now});
    while (live_.size() > kLiveQueueMax) live_.pop_front();
  }
  cv_.notify_all();
}

void Uplink::panicRaised() {
  {
    std::lock_guard lock(mu_);
    panic_check_ = true;
  }
  cv_.notify_all();
}

void Uplink::resync(bool rewind) {
  {
    std::lock_guard lock(mu_);
    birth_requested_ = true;
    if (rewind) {
      backlog_cursor_ = 0;
      ++rewinds_;
    }
  }
  cv_.notify_all();
}

void Uplink::setConfigHash(const std::string& hash) {
  std::lock_guard lock(mu_);
  settings_.config_hash = hash;
}

void Uplink::setPanicResend(std::chrono::milliseconds every) {
  std::lock_guard lock(mu_);
  settings_.panic_resend = every;
  panic_check_ = true;
}

void Uplink::setBatchRecords(int n) {
  std::lock_guard lock(mu_);
  settings_.batch_records = n;
}

UplinkStatus Uplink::status() const {
  std::lock_guard lock(mu_);
  UplinkStatus s = counters_;
  s.connected = connected_ && !lost_;
  s.inflight_batches = inflight_.size();
  return s;
}

void Uplink::onAck(std::uint64_t batch_id) {
  {
    std::lock_guard lock(mu_);
    acked_.push_back(batch_id);
  }
  cv_.notify_all();
}

void Uplink::onLost(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    if (!connected_ || lost_) return;
    lost_ = true;
  }
  kLog.warn("broker connection lost", {{"reason", why}});
  cv_.notify_all();
}

void Uplink::onMessage(const std::string& topic, std::string payload) {
  if (topic != cmd_topic_) {
    kLog.warn("message on an unexpected topic ignored", {{"topic", topic}});
    return;
  }
  if (on_command_) on_command_(std::move(payload));
}

void Uplink::dropClient() {
  if (!client_) return;
  try {
    client_->disable_callbacks();
    if (client_->is_connected()) client_->disconnect(0)->wait_for(std::chrono::milliseconds(500));
  } catch (const mqtt::exception&) {
    // The connection is being thrown away either way.
  }
  client_.reset();
}

bool Uplink::connect(std::stop_token& st) {
  dropClient();
  try {
    client_ = std::make_unique<mqtt::async_client>(mqttx::serverUri(settings_.endpoint), settings_.client_id,
                                                   mqttx::createOptions());
    client_->set_callback(*callbacks_);
    std::weak_ptr<Uplink> weak = weak_from_this();
    client_->set_disconnected_handler([weak](const mqtt::properties&, mqtt::ReasonCode rc) {
      if (auto u = weak.lock()) u->onLost("broker sent DISCONNECT (reason " + std::to_string(static_cast<int>(rc)) + ")");
    });
    auto opts = mqttx::connectOptions(
        settings_.endpoint, /*clean_start=*/false,
        std::chrono::duration_cast<std::chrono::seconds>(settings_.session_expiry),
        mqttx::Will{state_topic_, stateMessage(v1::VehicleState::CONNECTION_LOST), 1, true});
    opts.set_connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(settings_.connect_timeout));
    auto tok = client_->connect(opts);
    const auto deadline = monotonicMs() + settings_.connect_timeout.count() + 1000;
    // Short waits so stop() is not held up by a broker that does not answer.
    while (!tok->wait_for(std::chrono::milliseconds(100))) {
      heartbeat_.store(monotonicMs());
      if (st.stop_requested() || monotonicMs() > deadline) {
        dropClient();
        return false;
      }
    }
    if (!client_->is_connected()) {
      dropClient();
      return false;
    }
    auto sub = client_->subscribe(cmd_topic_, 1);
    if (!sub->wait_for(settings_.connect_timeout)) {
      kLog.error("could not subscribe to the command topic", {{"topic", cmd_topic_}});
      dropClient();
      return false;
    }
    return true;
  } catch (const mqtt::exception& e) {
    if (connect_failures_++ % 10 == 0) {
      kLog.warn("could not connect to the broker, retrying",
                {{"broker", mqttx::serverUri(settings_.endpoint)}, {"client_id", settings_.client_id}, {"error", e.what()}});
    }
    dropClient();
    return false;
  }
}

std::string Uplink::stateMessage(int connection) const {
  v1::VehicleState s;
  s.set_connection(static_cast<v1::VehicleState::Connection>(connection));
  s.set_device_id(settings_.device_id);
  s.set_agent_version(settings_.agent_version);
  s.set_boot_id(settings_.boot_id);
  {
    std::lock_guard lock(mu_);
    s.set_config_hash(settings_.config_hash);
  }
  s.set_at_ms(systemMs());
  return s.SerializeAsString();
}

void Uplink::publishBirth(int connection) {
  try {
    client_->publish(state_topic_, stateMessage(connection), 1, true);
  } catch (const mqtt::exception& e) {
    onLost(std::string("birth publish failed: ") + e.what());
  }
}

void Uplink::run(std::stop_token st) {
  Backoff backoff(settings_.reconnect_min, settings_.reconnect_max);
  while (!st.stop_requested()) {
    heartbeat_.store(monotonicMs());
    bool need_connect;
    {
      std::lock_guard lock(mu_);
      need_connect = !connected_ || lost_;
    }
    if (need_connect) {
      {
        std::lock_guard lock(mu_);
        connected_ = false;
        lost_ = false;
        inflight_.clear();
        inflight_seqs_.clear();
        acked_.clear();
      }
      if (!connect(st)) {
        // Waited in short slices so the watchdog heartbeat keeps turning through a long backoff.
        const auto until = monotonicMs() + backoff.next().count();
        std::unique_lock lock(mu_);
        while (!st.stop_requested() && monotonicMs() < until) {
          heartbeat_.store(monotonicMs());
          cv_.wait_for(lock, st, std::chrono::milliseconds(std::min<std::int64_t>(1000, until - monotonicMs())),
                       [] { return false; });
        }
        continue;
      }
      backoff.reset();
      connect_failures_ = 0;
      {
        std::lock_guard lock(mu_);
        connected_ = true;
        ++generation_;
        backlog_cursor_ = 0;
        panic_sent_mono_.clear();
        panic_check_ = true;
        if (counters_.connects++ > 0) ++counters_.reconnects;
      }
      kLog.info("connected to the broker", {{"broker", mqttx::serverUri(settings_.endpoint)},
                                            {"client_id", settings_.client_id}});
      publishBirth(v1::VehicleState::CONNECTION_ONLINE);
    }
    processAcks();
    bool birth = false;
    {
      std::lock_guard lock(mu_);
      std::swap(birth, birth_requested_);
    }
    if (birth) publishBirth(v1::VehicleState::CONNECTION_ONLINE);
    if (client_ && !client_->is_connected()) onLost("client reports disconnected");
    pump();
    std::unique_lock lock(mu_);
    std::int64_t wait_ms = 1000;
    if (next_panic_due_ > 0) wait_ms = std::clamp<std::int64_t>(next_panic_due_ - monotonicMs(), 1, 1000);
    const bool window_open = inflight_.size() < static_cast<std::size_t>(settings_.max_inflight);
    cv_.wait_for(lock, st, std::chrono::milliseconds(wait_ms), [&] {
      return !acked_.empty() || lost_ || birth_requested_ || (window_open && (!live_.empty() || panic_check_));
    });
  }
}

void Uplink::processAcks() {
  std::vector<Batch> done;
  {
    std::lock_guard lock(mu_);
    while (!acked_.empty()) {
      auto it = inflight_.find(acked_.front());
      acked_.pop_front();
      if (it == inflight_.end()) continue;
      for (auto s : it->second.seqs) inflight_seqs_.erase(s);
      done.push_back(std::move(it->second));
      inflight_.erase(it);
    }
  }
  if (done.empty()) return;
  std::size_t records = 0;
  for (const auto& b : done) {
    if (auto st = outbox_.published(b.epoch, b.seqs); !st) {
      kLog.error("could not mark published records delivered (they will be sent again)",
                 {{"error", st.error().message}});
    }
    records += b.seqs.size();
  }
  publishedRecords().inc(records);
  std::lock_guard lock(mu_);
  counters_.published_records += records;
  counters_.published_batches += done.size();
  panic_check_ = true;  // a panic just delivered needs its re-send scheduled
}

void Uplink::pump() {
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (!connected_ || lost_ || inflight_.size() >= static_cast<std::size_t>(settings_.max_inflight)) return;
    }
    heartbeat_.store(monotonicMs());
    if (sendPanics()) continue;
    if (sendLiveRecords()) continue;
    if (sendBacklog()) continue;
    return;
  }
}

bool Uplink::sendPanics() {
  std::chrono::milliseconds resend;
  {
    std::lock_guard lock(mu_);
    if (!panic_check_ && (next_panic_due_ == 0 || monotonicMs() < next_panic_due_)) return false;
    panic_check_ = false;
    resend = settings_.panic_resend;
  }
  const std::uint64_t epoch = outbox_.epoch();
  auto rows = outbox_.panics();
  const std::int64_t now = monotonicMs();
  std::vector<StoredRecord> due;
  std::int64_t next_due = 0;
  {
    std::lock_guard lock(mu_);
    std::map<std::uint64_t, std::int64_t> still;
    for (auto& r : rows) {
      if (inflight_seqs_.count(r.seq)) continue;
      auto it = panic_sent_mono_.find(r.seq);
      const std::int64_t last = it == panic_sent_mono_.end() ? 0 : it->second;
      if (!r.delivered || last == 0 || now - last >= resend.count()) {
        due.push_back(std::move(r));
        still[due.back().seq] = now;
      } else {
        still[r.seq] = last;
        const auto at = last + resend.count();
        next_due = next_due == 0 ? at : std::min(next_due, at);
      }
    }
    panic_sent_mono_ = std::move(still);
    next_panic_due_ = next_due;
    if (!due.empty()) {
      const auto at = now + resend.count();
      next_panic_due_ = next_panic_due_ == 0 ? at : std::min(next_panic_due_, at);
    }
  }
  if (due.empty()) return false;
  for (const auto& r : due) {
    if (r.delivered) kLog.info("re-sending unacknowledged panic", {{"seq", std::to_string(r.seq)}});
  }
  return publishBatch(std::move(due), epoch, /*historical=*/false);
}

bool Uplink::sendLiveRecords() {
  std::vector<std::uint64_t> seqs;
  {
    std::lock_guard lock(mu_);
    const auto now = monotonicMs();
    while (!live_.empty() && seqs.size() < static_cast<std::size_t>(settings_.batch_records)) {
      const auto e = live_.front();
      live_.pop_front();
      if (now - e.at_mono <= kLiveMaxAgeMs && !inflight_seqs_.count(e.seq)) seqs.push_back(e.seq);
    }
  }
  if (seqs.empty()) return false;
  const std::uint64_t epoch = outbox_.epoch();
  auto rows = outbox_.read(seqs);
  std::erase_if(rows, [](const StoredRecord& r) { return r.cls == RecordClass::Panic || r.delivered; });
  if (rows.empty()) return true;
  publishBatch(std::move(rows), epoch, /*historical=*/false);
  return true;
}

bool Uplink::sendBacklog() {
  std::uint64_t cursor, rewinds;
  std::size_t limit;
  {
    std::lock_guard lock(mu_);
    // Half the window at most: the rest stays free for panics and live records (see the header).
    const auto backlog_window = std::max<std::size_t>(1, static_cast<std::size_t>(settings_.max_inflight) / 2);
    const auto backlog_inflight = static_cast<std::size_t>(
        std::count_if(inflight_.begin(), inflight_.end(), [](const auto& b) { return b.second.historical; }));
    if (backlog_inflight >= backlog_window) return false;
    cursor = backlog_cursor_;
    rewinds = rewinds_;
    limit = static_cast<std::size_t>(settings_.batch_records);
  }
  const std::uint64_t epoch = outbox_.epoch();
  auto rows = outbox_.readAfter(cursor, limit, kBatchBodyBudget);
  if (rows.empty()) return false;
  {
    std::lock_guard lock(mu_);
    if (rewinds == rewinds_) backlog_cursor_ = rows.back().seq;
    std::erase_if(rows, [&](const StoredRecord& r) { return r.cls == RecordClass::Panic || inflight_seqs_.count(r.seq); });
  }
  if (rows.empty()) return true;
  publishBatch(std::move(rows), epoch, /*historical=*/true);
  return true;
}

bool Uplink::publishBatch(std::vector<StoredRecord> rows, std::uint64_t epoch, bool historical) {
  if (outbox_.epoch() != epoch) return false;  // the file was replaced while reading; read again
  v1::Uplink up;
  up.set_fleet_id(settings_.fleet);
  up.set_vehicle_id(settings_.vehicle);
  up.set_device_id(settings_.device_id);
  up.set_historical(historical);
  up.set_sent_at_ms(systemMs());
  Batch batch;
  batch.epoch = epoch;
  batch.historical = historical;
  std::vector<std::uint64_t> unreadable;
  for (const auto& r : rows) {
    auto* rec = up.add_records();
    if (!rec->ParseFromString(r.body)) {
      up.mutable_records()->RemoveLast();
      unreadable.push_back(r.seq);
      continue;
    }
    rec->set_seq(r.seq);
    rec->set_epoch(epoch);
    batch.seqs.push_back(r.seq);
  }
  if (!unreadable.empty()) {
    // A row that no longer decodes would block nothing but would be re-read for ever: remove and count it.
    kLog.error("removing unreadable outbox rows", {{"count", std::to_string(unreadable.size())}});
    metrics::global().counter("fleetlink_edge_outbox_unreadable_total", "Outbox rows that failed to decode").inc(unreadable.size());
    (void)outbox_.published(epoch, unreadable);
  }
  if (batch.seqs.empty()) return false;
  const std::string payload = up.SerializeAsString();
  std::uint64_t id;
  {
    std::lock_guard lock(mu_);
    if (!connected_ || lost_) return false;
    id = next_batch_id_++;
    batch.generation = generation_;
    for (auto s : batch.seqs) inflight_seqs_.insert(s);
    inflight_.emplace(id, std::move(batch));
  }
  try {
    auto msg = mqtt::make_message(up_topic_, payload, 1, false);
    client_->publish(msg, reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)), *callbacks_);
    return true;
  } catch (const mqtt::exception& e) {
    {
      std::lock_guard lock(mu_);
      auto it = inflight_.find(id);
      if (it != inflight_.end()) {
        for (auto s : it->second.seqs) inflight_seqs_.erase(s);
        inflight_.erase(it);
      }
    }
    onLost(std::string("publish failed: ") + e.what());
    return false;
  }
}

}  // namespace fleetlink::edge
