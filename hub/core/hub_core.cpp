#include "hub/core/hub_core.hpp"

#include <array>
#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"
#include "fleetlink/common/thread_name.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/common/wire_json.hpp"
#include "hub/admin/admin_service.hpp"
#include "hub/core/bounded_queue.hpp"
#include "hub/core/core_parts.hpp"
#include "hub/ingest/broker_link.hpp"
#include "hub/ingest/crash_recovery.hpp"
#include "hub/ingest/record_deduper.hpp"
#include "hub/ingest/uplink_validator.hpp"
#include "hub/notify/webhook_notifier.hpp"
#include "hub/rules/device_health_rule.hpp"
#include "hub/rules/hub_health_rule.hpp"
#include "hub/rules/presence_rules.hpp"
#include "hub/store/sqlite_store.hpp"

namespace fleetlink::hub {
namespace {

using nlohmann::json;
const log::Logger kLog("hub.core");
const char* const kAliveKey = "hub.alive";  // settings row (fleet "") holding the crash-recovery marker

// One unit of work for the core thread: a message from the broker, or a task (admin call from a front end).
struct Inbound {
  mqtt::const_message_ptr msg;
  std::function<void()> task;
  std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();
};

metrics::Counter& counter(const std::string& name, const std::string& help, const metrics::Labels& labels) {
  return metrics::global().counter(name, help, labels);
}

// At most `per_minute` log lines per reason: a misbehaving device must not flood the journal (the metrics
// still count every rejection).
class LogLimiter {
 public:
  bool allow(const std::string& reason, std::int64_t now_ms) {
    auto& [window, n] = seen_[reason];
    if (now_ms - window >= 60'000) {
      window = now_ms;
      n = 0;
    }
    return ++n <= 20;
  }

 private:
  std::unordered_map<std::string, std::pair<std::int64_t, int>> seen_;
};

}  // namespace

struct HubCore::Impl final : CoreEffects, AdminHandler, HealthSource {
  Impl(HubSettings s, config::Config c, const Clock* clk);

  // ---- lifecycle ----
  Status start();
  void stop();
  void run(std::stop_token st);
  Status restore();

  // ---- ingest (core thread) ----
  void processBatch(std::vector<Inbound>& batch);
  void onUplink(const topics::Parsed& t, const mqtt::message& m, std::int64_t now);
  void onState(const topics::Parsed& t, const mqtt::message& m, std::int64_t now);
  void onAdmin(const topics::Parsed& t, const mqtt::message& m);
  void onPanic(state::VehicleView& view, const v1::Record& r, const std::string& device);
  void askToResend(const std::string& fleet, const std::string& vehicle, std::int64_t now);
  void finishVehicles(std::int64_t now);
  bool sweepSlice(std::int64_t now);
  void tickFleet(std::int64_t now);
  void reject(const std::string& reason, const std::string& topic, const std::string& detail, std::int64_t now);
  void apply(const std::string& fleet, const std::string& vehicle, const rules::Findings& findings);
  void statusChanged(state::VehicleView& v, std::int64_t now);
  void livePosition(const state::VehicleView& v);
  void emit(const LiveEvent& e) {
    for (auto* s : sinks) s->publish(e);
  }

  // ---- CoreEffects ----
  void alertChanged(const alerts::AlertChange& change) override;
  store::CommandRow sendCommand(const std::string& fleet, const std::string& vehicle, const std::string& kind,
                                v1::Command cmd) override;
  void routeChanged(routes::RouteMonitor& route) override;
  void rulesChanged(const std::string& fleet) override;
  json stats(const std::string& fleet) override;

  // ---- AdminHandler (any thread) ----
  v1::AdminResponse handle(const std::string& fleet, const v1::AdminRequest& request) override;
  // ---- HealthSource (any thread) ----
  HealthReport health() const override;

  bool onCoreThread() const { return std::this_thread::get_id() == core_id.load(); }
  void runOnCore(std::function<void()> fn);

  HubSettings settings;
  config::Config cfg;
  SystemClock system_clock;
  const Clock& clock;
  rules::RuleBook book;
  std::unique_ptr<rules::RuleEngine> engine;
  alerts::AlertBook alerts;
  state::VehicleRegistry vehicles;
  routes::RouteBook routes;
  admin::CommandTracker commands;
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<ingest::RecordDeduper> dedupe;
  std::unique_ptr<ingest::CrashRecovery> recovery;
  std::unique_ptr<admin::AdminService> admin_service;
  std::unique_ptr<notify::WebhookNotifier> webhooks;
  std::unique_ptr<ingest::BrokerLink> broker;
  BoundedQueue<Inbound> queue;
  std::vector<LiveSink*> sinks;
  std::jthread core_thread;
  std::atomic<std::thread::id> core_id{};
  std::atomic<bool> running{false};

  struct VehicleRules {
    rules::OfflineRule::State offline;
    rules::GpsLostRule::State gps;
    rules::DeviceHealthRule::State health;
    std::int64_t duty_time_ms = INT64_MIN;
  };
  std::map<std::pair<std::string, std::string>, VehicleRules> vehicle_rules;
  rules::HubHealthRule::State hub_health;
  rules::HubHealthRule::Limits hub_limits;

  // Work collected over one batch.
  struct PendingVehicle {
    std::string fleet, vehicle;
    std::vector<rules::Sample> samples;
  };
  std::unordered_map<std::string, PendingVehicle> pending;
  std::vector<store::RecordRow> rows;
  std::unordered_map<std::string, std::string> panic_alerts;  // device:epoch:seq -> alert id (for re-acks)
  LogLimiter log_limiter;
  std::int64_t last_tick_ms = 0;
  // The periodic check starts every 250 ms. Its pass over the vehicles (statuses, time-based rules, counts) is
  // cut into slices of kSweepSlice vehicles, one per turn of the core loop between batches, so that positions
  // never wait behind a pass over the whole fleet; the fleet-wide part runs once the pass is complete.
  static constexpr std::size_t kSweepSlice = 512;
  struct Sweep {
    bool active = false;
    std::optional<state::VehicleRegistry::Key> after;  // where the next slice starts
    std::array<std::uint64_t, state::kStatusCount> by_status{};
    double work_s = 0;
  };
  Sweep sweep;

  // Health, readable from any thread.
  std::atomic<bool> broker_connected{false};
  std::atomic<std::int64_t> broker_down_since{0};
  std::atomic<std::uint64_t> vehicles_online{0}, open_alerts{0}, accepted{0};
  std::int64_t started_at_ms = 0;
  // Ingest error rate over one-minute windows.
  std::int64_t window_start_ms = 0;
  std::uint64_t window_messages = 0, window_rejected = 0, last_window_messages = 0, last_window_rejected = 0;
  std::uint64_t last_window_records = 0, window_records = 0;

  // Metrics, looked up once.
  metrics::Counter& m_records_accepted = counter("fleetlink_hub_ingest_records_total", "uplink records", {{"result", "accepted"}});
  metrics::Counter& m_records_duplicate = counter("fleetlink_hub_ingest_records_total", "uplink records", {{"result", "duplicate"}});
  metrics::Counter& m_records_rejected = counter("fleetlink_hub_ingest_records_total", "uplink records", {{"result", "rejected"}});
  metrics::Counter& m_records_unknown = counter("fleetlink_hub_ingest_records_total", "uplink records", {{"result", "unknown_body"}});
  metrics::Counter& m_messages = counter("fleetlink_hub_ingest_messages_total", "MQTT messages received", {});
  metrics::Gauge& m_queue = metrics::global().gauge("fleetlink_hub_ingest_queue_depth", "messages waiting for the core thread");
  metrics::Histogram& m_batch = metrics::global().histogram("fleetlink_hub_core_batch_seconds", "processing time of one core batch");
  metrics::Histogram& m_wait = metrics::global().histogram(
      "fleetlink_hub_core_wait_seconds", "how long the oldest message of a core batch waited between its arrival and the batch");
  metrics::Histogram& m_tick = metrics::global().histogram(
      "fleetlink_hub_core_tick_seconds", "processing time of one periodic check (time-based rules, escalations, health)");
  metrics::Histogram& m_tick_slice = metrics::global().histogram(
      "fleetlink_hub_core_tick_slice_seconds", "processing time of one slice of the periodic check (the longest pause it puts between batches)");
  metrics::Counter& m_recovery_resyncs = counter("fleetlink_hub_recovery_resyncs_total",
                                                 "vehicles asked to re-send after an unclean stop", {});
  metrics::Gauge& m_alerts_active = metrics::global().gauge("fleetlink_hub_alerts_active", "open or acknowledged alerts");
};

HubCore::Impl::Impl(HubSettings s, config::Config c, const Clock* clk)
    : settings(std::move(s)),
      cfg(std::move(c)),
      clock(clk ? *clk : system_clock),
      alerts(clock, {settings.alerts.cooldown.count(), settings.alerts.escalate_after.count()}),
      vehicles({settings.status.silent_after.count(), settings.status.offline_after.count()}),
      queue(static_cast<std::size_t>(settings.ingest.queue_max)) {
  hub_limits.broker_down_after_ms = settings.health.broker_down_after.count();
  hub_limits.store_latency_max_ms = static_cast<double>(settings.health.store_latency_max.count());
  hub_limits.ingest_error_rate_max = settings.health.ingest_error_rate_max;
}

// ---- lifecycle ------------------------------------------------------------------------------------

Status HubCore::Impl::start() {
  auto rb = rules::RuleBook::fromConfig(cfg);
  if (!rb) return rb.error().context("invalid rule settings");
  book = std::move(*rb);
  engine = std::make_unique<rules::RuleEngine>(
      book, rules::RuleEngine::Options{settings.rules.history_window.count(),
                                       static_cast<std::size_t>(settings.rules.history_max_records), 256});
  std::error_code ec;
  const auto dir = std::filesystem::path(settings.store.path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) return Error{ec.message()}.context("could not create the data folder " + dir.string() + " (hub.data_dir)");
  store::SqliteStore::Options so;
  so.path = settings.store.path;
  so.flush_interval = settings.store.flush_interval;
  so.batch_max = settings.store.batch_max;
  so.retention = settings.store.retention;
  auto st = store::SqliteStore::open(so, clock);
  if (!st) return st.error();
  store = std::move(*st);
  dedupe = std::make_unique<ingest::RecordDeduper>([this](const std::string& device, std::uint64_t epoch) {
    auto seqs = store->seenSeqs(device, epoch);
    return seqs ? *seqs : std::vector<std::uint64_t>{};
  });
  admin_service = std::make_unique<admin::AdminService>(
      CoreParts{clock, book, *engine, alerts, vehicles, routes, commands, *store, *this});
  if (auto r = restore(); !r) return r;

  std::vector<notify::Webhook> hooks;
  if (const auto* t = cfg.table("alerts.webhooks")) {
    auto h = notify::parseWebhooks(*t);
    if (!h) return h.error();
    hooks = std::move(*h);
  }
  webhooks = std::make_unique<notify::WebhookNotifier>(std::move(hooks));
  webhooks->start();

  started_at_ms = clock.nowMs();
  window_start_ms = started_at_ms;
  broker_down_since = started_at_ms;
  running = true;
  core_thread = std::jthread([this](std::stop_token tok) {
    nameThisThread("hub-core");
    run(tok);
  });

  ingest::BrokerLink::Options bo;
  bo.endpoint = {settings.mqtt.host, settings.mqtt.port, settings.mqtt.tls, settings.mqtt.tls_ca,
                 settings.mqtt.tls_cert, settings.mqtt.tls_key, settings.mqtt.username, settings.mqtt.password,
                 std::chrono::duration_cast<std::chrono::seconds>(settings.mqtt.keepalive)};
  bo.client_id = settings.mqtt.client_id;
  bo.instance = settings.instance;
  bo.shared_group = settings.mqtt.shared_group;
  broker = std::make_unique<ingest::BrokerLink>(
      bo,
      [this](mqtt::const_message_ptr m) { queue.push(Inbound{std::move(m), {}}); },
      [this](bool up) {
        broker_connected = up;
        if (!up) broker_down_since = clock.nowMs();
      });
  broker->start();
  kLog.info("hub started", {{"instance", settings.instance}, {"store", settings.store.path},
                            {"broker", mqttx::serverUri(bo.endpoint)}});
  return okStatus();
}

Status HubCore::Impl::restore() {
  auto open = store->unresolvedAlerts();
  if (!open) return open.error().context("could not reload open alerts");
  for (const auto& a : *open) alerts.restore(a);
  open_alerts = alerts.activeCount();
  auto rts = store->routes();
  if (!rts) return rts.error().context("could not reload routes");
  for (const auto& r : *rts) {
    v1::RouteProgress p;
    if (!p.ParseFromString(r.progress)) continue;
    routes.restore(p);
    if (r.active) {
      engine->setRoute(r.fleet, r.vehicle, r.route_id, r.updated_at_ms);
      vehicles.touch(r.fleet, r.vehicle).route_id = r.route_id;
    }
  }
  auto cmds = store->commands("", "", "");
  if (!cmds) return cmds.error().context("could not reload commands");
  for (const auto& c : *cmds) commands.restore(c);
  auto sets = store->settings();
  if (!sets) return sets.error().context("could not reload settings");
  std::optional<ingest::CrashRecovery::Marker> marker;
  for (const auto& s : *sets) {
    if (s.fleet.empty() && s.key == kAliveKey) {
      marker = ingest::CrashRecovery::decode(s.value);
      if (!marker) kLog.warn("unreadable liveness marker; assuming an unclean stop", {{"value", s.value.substr(0, 100)}});
      if (!marker) marker = ingest::CrashRecovery::Marker{clock.nowMs(), false};
    } else if (s.key == "rules") {
      auto j = json::parse(s.value, nullptr, false);
      if (j.is_discarded()) continue;
      if (auto r = book.restore(s.fleet, j); !r)
        kLog.warn("stored rule changes no longer valid; ignored", {{"fleet", s.fleet}, {"error", r.error().message}});
    } else if (s.key == "assignments_paused") {
      routes.setPaused(s.fleet, s.value == "true");
    }
  }
  ingest::CrashRecovery::Options ro;
  ro.period_ms = settings.ingest.recovery_period.count();
  recovery = std::make_unique<ingest::CrashRecovery>(ro, marker, clock.nowMs());
  if (recovery->recovering())
    kLog.warn("the last run did not stop cleanly; vehicles will be asked to re-send what the broker confirmed since",
              {{"since_ms", std::to_string(recovery->since_ms())},
               {"for", std::to_string(ro.period_ms / 1000) + "s"}});
  if (auto m = recovery->heartbeat(clock.nowMs())) store->putSetting({"", kAliveKey, ingest::CrashRecovery::encode(*m)});
  kLog.info("state reloaded", {{"open_alerts", std::to_string(open->size())}, {"routes", std::to_string(rts->size())},
                               {"open_commands", std::to_string(commands.open())}});
  return okStatus();
}

void HubCore::Impl::stop() {
  if (!running.exchange(false)) return;
  if (broker) broker->stop();
  queue.close();
  if (core_thread.joinable()) {
    core_thread.request_stop();
    core_thread.join();
  }
  if (webhooks) webhooks->stop();
  if (store) {
    // Everything received has been processed and is queued for the store, which commits it before stopping.
    if (recovery) store->putSetting({"", kAliveKey, ingest::CrashRecovery::encode(ingest::CrashRecovery::cleanStop(clock.nowMs()))});
    store->stop();
  }
  kLog.info("hub stopped", {{"instance", settings.instance}});
}

void HubCore::Impl::run(std::stop_token st) {
  core_id = std::this_thread::get_id();
  std::vector<Inbound> batch;
  batch.reserve(4096);
  // Keep going after a stop request until the queue is closed and drained: nothing accepted is dropped.
  while (true) {
    batch.clear();
    // Between the slices of a periodic check the loop only picks up what has arrived; it does not wait.
    const bool more = queue.popAll(batch, std::chrono::milliseconds(sweep.active ? 0 : 100), 4096);
    m_queue.set(static_cast<double>(queue.size()));
    if (!batch.empty()) {
      const auto t0 = std::chrono::steady_clock::now();
      m_wait.observe(std::chrono::duration<double>(t0 - batch.front().received).count());
      processBatch(batch);
      m_batch.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    const std::int64_t now = clock.nowMs();
    if (!sweep.active && (now - last_tick_ms >= 250 || now < last_tick_ms)) {
      last_tick_ms = now;
      sweep = Sweep{};
      sweep.active = true;
    }
    if (sweep.active) {
      const auto t0 = std::chrono::steady_clock::now();
      const bool complete = sweepSlice(now);
      if (complete) tickFleet(now);
      const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      m_tick_slice.observe(took);
      sweep.work_s += took;
      if (complete) {
        m_tick.observe(sweep.work_s);
        sweep.active = false;
      }
    }
    if (!more || (st.stop_requested() && batch.empty() && queue.size() == 0 && !running)) break;
  }
}

void HubCore::Impl::runOnCore(std::function<void()> fn) {
  if (!running || onCoreThread()) {
    fn();
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  if (!queue.push(Inbound{nullptr, [fn = std::move(fn), done] {
        fn();
        done->set_value();
      }})) {
    fn();
    return;
  }
  fut.wait();
}

// ---- ingest ---------------------------------------------------------------------------------------

void HubCore::Impl::reject(const std::string& reason, const std::string& topic, const std::string& detail,
                           std::int64_t now) {
  ++window_rejected;
  counter("fleetlink_hub_ingest_rejected_total", "messages or records rejected", {{"reason", reason}}).inc();
  if (log_limiter.allow(reason, now))
    kLog.warn("rejected input", {{"reason", reason}, {"topic", topic.substr(0, 200)}, {"detail", detail}});
}

void HubCore::Impl::processBatch(std::vector<Inbound>& batch) {
  const std::int64_t now = clock.nowMs();
  for (auto& in : batch) {
    if (in.task) {
      finishVehicles(now);  // a task sees everything that arrived before it
      in.task();
      continue;
    }
    m_messages.inc();
    ++window_messages;
    const std::string& topic = in.msg->get_topic();
    auto parsed = topics::parse(topic);
    if (!parsed) {
      reject("topic", topic, "not a fleetlink v1 topic", now);
      continue;
    }
    try {
      switch (parsed->channel) {
        case topics::Channel::Up: onUplink(*parsed, *in.msg, now); break;
        case topics::Channel::State: onState(*parsed, *in.msg, now); break;
        case topics::Channel::AdminReq:
          finishVehicles(now);
          onAdmin(*parsed, *in.msg);
          break;
        default: reject("topic", topic, "not a channel the hub consumes", now);
      }
    } catch (const std::exception& e) {
      // Nothing a device sends may stop ingest; the message is counted and dropped.
      reject("internal", topic, e.what(), now);
    }
  }
  finishVehicles(now);
}

void HubCore::Impl::onUplink(const topics::Parsed& t, const mqtt::message& m, std::int64_t now) {
  auto v = ingest::validateUplink(t, m.get_payload_ref().to_string(), now);
  if (!v) {
    const std::string& msg = v.error().message;
    const std::string reason = msg.find("speaks for") != std::string::npos || msg.find("published on the topic") !=
                                                                                    std::string::npos
                                   ? "identity"
                               : msg.find("protobuf") != std::string::npos ? "protobuf"
                               : msg.find("limit") != std::string::npos    ? "size"
                                                                           : "message";
    reject(reason, m.get_topic(), msg, now);
    return;
  }
  for (const auto& r : v->rejected) {
    m_records_rejected.inc();
    reject("record_" + r.reason, m.get_topic(), "seq " + std::to_string(r.seq) + ": " + r.detail, now);
  }
  askToResend(t.fleet, t.vehicle, now);
  auto& view = vehicles.touch(t.fleet, t.vehicle);
  vehicles.heard(view, now);
  view.device = v->device;
  if (vehicles.updateStatus(view, now)) statusChanged(view, now);
  auto& vr = vehicle_rules[{t.fleet, t.vehicle}];
  const std::string pkey = t.fleet + "/" + t.vehicle;
  auto& pv = pending[pkey];
  if (pv.fleet.empty()) {
    pv.fleet = t.fleet;
    pv.vehicle = t.vehicle;
  }
  for (const auto& r : v->records) {
    if (!dedupe->firstTime(v->device, r.epoch(), r.seq())) {
      m_records_duplicate.inc();
      if (r.has_panic()) onPanic(view, r, v->device);  // the edge re-sends until acked: ack again
      continue;
    }
    m_records_accepted.inc();
    ++accepted;
    ++window_records;
    store::RecordRow row;
    row.fleet = t.fleet;
    row.vehicle = t.vehicle;
    row.device = v->device;
    row.epoch = r.epoch();
    row.seq = r.seq();
    row.time_ms = r.time_ms();
    row.kind = std::string(wire::recordKind(r));
    row.sent_at_ms = v->sent_at_ms;
    switch (r.body_case()) {
      case v1::Record::kPosition: {
        const auto& p = r.position();
        row.lat = p.lat();
        row.lon = p.lon();
        row.speed_mps = p.speed_mps();
        row.heading_deg = p.heading_deg();
        row.alt_m = p.alt_m();
        row.h_accuracy_m = p.h_accuracy_m();
        row.satellites = p.satellites();
        rules::Sample s;
        s.kind = rules::Sample::Kind::Position;
        s.time_ms = r.time_ms();
        s.lat = p.lat();
        s.lon = p.lon();
        s.speed_mps = p.speed_mps();
        s.heading_deg = p.heading_deg();
        pv.samples.push_back(s);
        if (vehicles.offerPosition(view, p, r.time_ms(), now)) {
          livePosition(view);
          if (auto* route = routes.active(t.fleet, t.vehicle)) {
            rules::Findings f;
            if (route->onFix(p.lat(), p.lon(), p.speed_mps(), r.time_ms(), f)) routeChanged(*route);
            apply(t.fleet, t.vehicle, f);
          }
        }
        break;
      }
      case v1::Record::kPanic:
        row.detail = wire::toJson(r.panic());
        onPanic(view, r, v->device);
        break;
      case v1::Record::kDuty: {
        row.detail = wire::toJson(r.duty());
        rules::Sample s;
        s.kind = rules::Sample::Kind::Duty;
        s.time_ms = r.time_ms();
        s.duty = static_cast<std::uint8_t>(r.duty().status());
        s.driver = engine->internDriver(r.duty().driver_id());
        pv.samples.push_back(s);
        if (r.time_ms() >= vr.duty_time_ms) {
          vr.duty_time_ms = r.time_ms();
          view.driver = r.duty().driver_id();
        }
        break;
      }
      case v1::Record::kHealth: {
        row.detail = wire::toJson(r.health());
        if (r.time_ms() >= view.health_time_ms) {
          view.has_health = true;
          view.health = r.health();
          view.health_time_ms = r.time_ms();
          view.health_arrival_ms = now;
        }
        const auto& rules_now = *book.get(t.fleet).rules;
        if (rules_now.enabled("device_health")) {
          rules::Findings f;
          rules::DeviceHealthRule::feed(vr.health, r.health(), r.time_ms(), rules_now, f);
          apply(t.fleet, t.vehicle, f);
        }
        break;
      }
      case v1::Record::kCommandAck: {
        row.detail = wire::toJson(r.command_ack());
        if (auto c = commands.onAck(t.fleet, t.vehicle, r.command_ack(), now)) store->putCommand(*c);
        break;
      }
      case v1::Record::BODY_NOT_SET:
        m_records_unknown.inc();
        row.detail = "{}";
        break;
    }
    rows.push_back(std::move(row));
  }
}

void HubCore::Impl::onPanic(state::VehicleView& view, const v1::Record& r, const std::string& device) {
  const std::string key = device + ":" + std::to_string(r.epoch()) + ":" + std::to_string(r.seq());
  std::string alert_id;
  if (auto it = panic_alerts.find(key); it != panic_alerts.end()) {
    alert_id = it->second;
  } else {
    const auto& p = r.panic();
    rules::Finding f;
    f.rule = "panic";
    f.key = key;
    f.severity = v1::SEVERITY_CRITICAL;
    f.since_ms = p.pressed_at_ms() ? p.pressed_at_ms() : r.time_ms();
    f.at_ms = r.time_ms();
    f.title = "Panic button pressed";
    static const char* kSources[] = {"unknown source", "panic button (evdev)", "panic button (GPIO)", "in-cab app"};
    f.detail = std::string("from ") + kSources[std::clamp(static_cast<int>(p.source()), 0, 3)];
    if (p.has_last_position() && !(p.last_position().lat() == 0 && p.last_position().lon() == 0)) {
      f.lat = p.last_position().lat();
      f.lon = p.last_position().lon();
    } else if (view.has_position) {
      f.lat = view.position.lat();
      f.lon = view.position.lon();
    }
    f.driver = view.driver;
    for (const auto& c : alerts.apply(view.fleet, view.vehicle, f)) {
      alert_id = c.alert.alert_id();
      alertChanged(c);
    }
    if (alert_id.empty()) return;
    if (panic_alerts.size() > 10'000) panic_alerts.clear();
    panic_alerts[key] = alert_id;
  }
  // Tell the device the panic reached the hub so it stops re-sending it.
  v1::Command cmd;
  cmd.set_command_id("ack-" + alert_id + "-" + std::to_string(r.seq()));
  cmd.set_issued_at_ms(clock.nowMs());
  cmd.set_issued_by("hub");
  auto* ack = cmd.mutable_panic_ack();
  ack->set_epoch(r.epoch());
  ack->set_seq(r.seq());
  ack->set_alert_id(alert_id);
  broker->publish(topics::vehicleCmd(view.fleet, view.vehicle), cmd.SerializeAsString(), 1, false);
}

void HubCore::Impl::finishVehicles(std::int64_t now) {
  if (!rows.empty()) {
    store->addRecords(std::move(rows));
    rows.clear();
  }
  for (auto& [key, pv] : pending) {
    if (pv.samples.empty()) continue;
    rules::Findings f;
    engine->ingest(pv.fleet, pv.vehicle, std::move(pv.samples), now, f);
    pv.samples.clear();
    apply(pv.fleet, pv.vehicle, f);
  }
  pending.clear();
}

void HubCore::Impl::onState(const topics::Parsed& t, const mqtt::message& m, std::int64_t now) {
  const auto& payload = m.get_payload_ref();
  if (payload.empty()) return;  // a cleared retained state
  auto s = wire::decodeVehicleState(payload.to_string());
  if (!s) {
    reject("state", m.get_topic(), s.error().message, now);
    return;
  }
  askToResend(t.fleet, t.vehicle, now);
  auto& view = vehicles.touch(t.fleet, t.vehicle);
  vehicles.connectionChanged(view, s->connection(), now);
  static const char* kNames[] = {"unspecified", "online", "offline", "lost"};
  store->addEvent({now, t.fleet, t.vehicle, "state",
                   json{{"connection", kNames[std::clamp(static_cast<int>(s->connection()), 0, 3)]},
                        {"device", s->device_id()}, {"agent_version", s->agent_version()},
                        {"boot_id", std::to_string(s->boot_id())}, {"retained", m.is_retained()}}
                       .dump()});
  if (vehicles.updateStatus(view, now)) statusChanged(view, now);
  if (s->connection() == v1::VehicleState::CONNECTION_ONLINE)
    for (const auto& c : commands.onOnline(t.fleet, t.vehicle, now)) store->putCommand(c);
}

void HubCore::Impl::onAdmin(const topics::Parsed& t, const mqtt::message& m) {
  const auto& props = m.get_properties();
  std::string response_topic, correlation, content_type;
  if (props.contains(mqtt::property::RESPONSE_TOPIC))
    response_topic = mqtt::get<std::string>(props, mqtt::property::RESPONSE_TOPIC);
  if (props.contains(mqtt::property::CORRELATION_DATA))
    correlation = mqtt::get<mqtt::binary>(props, mqtt::property::CORRELATION_DATA);
  if (props.contains(mqtt::property::CONTENT_TYPE))
    content_type = mqtt::get<std::string>(props, mqtt::property::CONTENT_TYPE);
  const std::string payload = m.get_payload_str();
  const auto enc = wire::detectEncoding(content_type, payload);
  v1::AdminResponse res;
  auto req = wire::decodeAdminRequest(payload, enc);
  if (!req) {
    reject("admin", m.get_topic(), req.error().message, clock.nowMs());
    res.set_ok(false);
    res.set_error(req.error().message);
  } else {
    res = admin_service->handle(t.fleet, *req);
  }
  if (response_topic.empty()) {
    kLog.info("admin request without a response topic executed; no answer sent",
              {{"fleet", t.fleet}, {"action", req ? req->action() : std::string("?")}});
    return;
  }
  // Answers only go to the asking fleet's response topics: a request must not make the hub publish elsewhere.
  auto rt = topics::parse(response_topic);
  if (!rt || rt->channel != topics::Channel::AdminRes || rt->fleet != t.fleet) {
    reject("admin", m.get_topic(), "response topic " + response_topic.substr(0, 200) + " is not fl/v1/" + t.fleet +
                                       "/admin/res/<client>; no answer sent",
           clock.nowMs());
    return;
  }
  mqtt::properties out;
  if (!correlation.empty()) out.add({mqtt::property::CORRELATION_DATA, correlation});
  out.add({mqtt::property::CONTENT_TYPE,
           std::string(enc == wire::Encoding::Json ? wire::kContentTypeJson : wire::kContentTypeProtobuf)});
  broker->publish(response_topic, admin::encodeResponse(res, enc), 1, false, out);
}

void HubCore::Impl::apply(const std::string& fleet, const std::string& vehicle, const rules::Findings& findings) {
  if (findings.empty()) return;
  for (const auto& c : alerts.applyAll(fleet, vehicle, findings)) alertChanged(c);
}

void HubCore::Impl::livePosition(const state::VehicleView& v) {
  LiveEvent e;
  e.kind = LiveEvent::Kind::Position;
  e.fleet = v.fleet;
  e.vehicle = v.vehicle;
  e.time_ms = v.position_time_ms;
  e.update.set_fleet_id(v.fleet);
  e.update.set_vehicle_id(v.vehicle);
  e.update.set_driver_id(v.driver);
  *e.update.mutable_position() = v.position;
  e.update.set_time_ms(v.position_time_ms);
  e.update.set_status(std::string(state::statusName(v.status)));
  if (settings.ingest.publish_live)
    broker->publish(topics::fleetLive(v.fleet), e.update.SerializeAsString(), 0, false);
  emit(e);
}

void HubCore::Impl::statusChanged(state::VehicleView& v, std::int64_t now) {
  LiveEvent e;
  e.kind = LiveEvent::Kind::VehicleStatus;
  e.fleet = v.fleet;
  e.vehicle = v.vehicle;
  e.time_ms = now;
  e.update.set_fleet_id(v.fleet);
  e.update.set_vehicle_id(v.vehicle);
  e.update.set_driver_id(v.driver);
  if (v.has_position) *e.update.mutable_position() = v.position;
  e.update.set_time_ms(now);
  e.update.set_status(std::string(state::statusName(v.status)));
  emit(e);
  store->addEvent({now, v.fleet, v.vehicle, "status", json{{"status", e.update.status()}}.dump()});
  kLog.info("vehicle status", {{"fleet", v.fleet}, {"vehicle", v.vehicle}, {"status", e.update.status()}});
  if (v.status == state::Status::Online)
    for (const auto& c : commands.onOnline(v.fleet, v.vehicle, now)) store->putCommand(c);
}

bool HubCore::Impl::sweepSlice(std::int64_t now) {
  // The registry is ordered by fleet, so a fleet's rules are looked up once per fleet in a slice.
  const std::string* rules_fleet = nullptr;
  std::shared_ptr<const rules::FleetRules> fleet_rules;
  sweep.after = vehicles.forEachAfter(sweep.after, kSweepSlice, [&](state::VehicleView& v) {
    if (vehicles.updateStatus(v, now)) statusChanged(v, now);
    ++sweep.by_status[static_cast<std::size_t>(v.status)];
    if (!rules_fleet || *rules_fleet != v.fleet) {
      rules_fleet = &v.fleet;
      fleet_rules = book.get(v.fleet).rules;
    }
    const auto& r = *fleet_rules;
    auto& vr = vehicle_rules[{v.fleet, v.vehicle}];
    rules::Findings f;
    if (r.enabled("offline"))
      rules::OfflineRule::evaluate(vr.offline, v.status == state::Status::Offline, v.status_since_ms, now, r, f);
    if (r.enabled("gps_lost")) {
      rules::GpsLostRule::Input in;
      in.online = v.status == state::Status::Online;
      in.online_since_ms = v.online_since_ms;
      in.last_position_ms = v.position_arrival_ms;
      in.gps_state = v.has_health ? static_cast<int>(v.health.gps_state()) : 0;
      in.gps_state_ms = v.health_arrival_ms;
      rules::GpsLostRule::evaluate(vr.gps, in, now, r, f);
    }
    apply(v.fleet, v.vehicle, f);
  });
  return !sweep.after;
}

void HubCore::Impl::tickFleet(std::int64_t now) {
  if (auto m = recovery->heartbeat(now)) store->putSetting({"", kAliveKey, ingest::CrashRecovery::encode(*m)});
  const auto& by_status = sweep.by_status;
  vehicles_online = by_status[static_cast<std::size_t>(state::Status::Online)];

  engine->tick(now, [&](const std::string& fleet, const rules::Findings& f) { apply(fleet, "", f); });
  for (const auto& c : alerts.escalateOverdue()) alertChanged(c);
  for (auto* route : routes.unfinished()) {
    rules::Findings rf;
    if (route->tick(now, rf)) routeChanged(*route);
    apply(route->progress().fleet_id(), route->progress().vehicle_id(), rf);
  }
  for (const auto& c : commands.expire(now)) store->putCommand(c);

  // The hub's own health, reported to every fleet it serves.
  if (now - window_start_ms >= 60'000) {
    last_window_messages = window_messages;
    last_window_rejected = window_rejected;
    last_window_records = window_records;
    window_messages = window_rejected = window_records = 0;
    window_start_ms = now;
  }
  rules::HubHealthRule::Input hin;
  hin.broker_connected = broker_connected;
  hin.broker_down_since_ms = broker_down_since;
  hin.store_latency_ms = store->health().last_batch_ms;
  hin.messages = std::max(last_window_messages, window_messages);
  hin.rejected = hin.messages == window_messages ? window_rejected : last_window_rejected;
  rules::Findings hf;
  rules::HubHealthRule::evaluate(hub_health, hin, hub_limits, now, hf);
  if (!hf.empty()) {
    auto fleets = vehicles.fleets();
    for (const auto& c : book.configuredFleets())
      if (std::find(fleets.begin(), fleets.end(), c) == fleets.end()) fleets.push_back(c);
    for (const auto& fleet : fleets) apply(fleet, "", hf);
    for (const auto& finding : hf)
      kLog.warn("hub health", {{"condition", finding.key}, {"active", finding.active ? "true" : "false"},
                               {"detail", finding.detail}});
  }
  m_alerts_active.set(static_cast<double>(alerts.activeCount()));
  for (auto s : {state::Status::Online, state::Status::Silent, state::Status::Offline})
    metrics::global()
        .gauge("fleetlink_hub_vehicles", "vehicles by status", {{"status", std::string(state::statusName(s))}})
        .set(static_cast<double>(by_status[static_cast<std::size_t>(s)]));
}

// ---- effects --------------------------------------------------------------------------------------

void HubCore::Impl::alertChanged(const alerts::AlertChange& change) {
  store->putAlert(change);
  broker->publish(topics::fleetAlerts(change.alert.fleet_id()), change.alert.SerializeAsString(), 1, false);
  LiveEvent e;
  e.kind = LiveEvent::Kind::Alert;
  e.fleet = change.alert.fleet_id();
  e.vehicle = change.alert.vehicle_id();
  e.time_ms = change.at_ms;
  e.alert = change.alert;
  emit(e);
  webhooks->enqueue(change);
  counter("fleetlink_hub_alerts_total", "alert state changes",
          {{"rule", change.alert.rule()}, {"transition", change.transition}})
      .inc();
  open_alerts = alerts.activeCount();
  kLog.info("alert", {{"fleet", change.alert.fleet_id()}, {"vehicle", change.alert.vehicle_id()},
                      {"rule", change.alert.rule()}, {"transition", change.transition},
                      {"alert_id", change.alert.alert_id()}, {"title", change.alert.title()}});
}

store::CommandRow HubCore::Impl::sendCommand(const std::string& fleet, const std::string& vehicle,
                                             const std::string& kind, v1::Command cmd) {
  cmd.set_command_id(admin::newCommandId());
  cmd.set_issued_at_ms(clock.nowMs());
  const auto* view = vehicles.find(fleet, vehicle);
  const bool online = view && view->status == state::Status::Online;
  broker->publish(topics::vehicleCmd(fleet, vehicle), cmd.SerializeAsString(), 1, false);
  auto row = commands.issue(fleet, vehicle, kind, cmd, online, clock.nowMs());
  store->putCommand(row);
  return row;
}

void HubCore::Impl::askToResend(const std::string& fleet, const std::string& vehicle, std::int64_t now) {
  const auto window = recovery->windowFor(fleet, vehicle, now);
  if (!window) return;
  v1::Command cmd;
  cmd.mutable_resync()->set_resend_window_ms(*window);
  cmd.set_expires_at_ms(now + settings.ingest.recovery_period.count());
  cmd.set_issued_by("hub");
  sendCommand(fleet, vehicle, "resync", std::move(cmd));
  m_recovery_resyncs.inc();
  kLog.info("asked a vehicle to re-send after an unclean stop",
            {{"fleet", fleet}, {"vehicle", vehicle}, {"window_ms", std::to_string(*window)}});
}

void HubCore::Impl::routeChanged(routes::RouteMonitor& route) {
  const auto& p = route.progress();
  store->putRoute({p.fleet_id(), p.route_id(), p.vehicle_id(), "", p.SerializeAsString(), !route.finished(),
                   clock.nowMs()});
  if (auto* v = vehicles.find(p.fleet_id(), p.vehicle_id())) v->route_id = route.finished() ? "" : p.route_id();
  LiveEvent e;
  e.kind = LiveEvent::Kind::RouteProgress;
  e.fleet = p.fleet_id();
  e.vehicle = p.vehicle_id();
  e.time_ms = p.updated_at_ms();
  e.route = p;
  emit(e);
}

void HubCore::Impl::rulesChanged(const std::string& fleet) {
  store->putSetting({fleet, "rules", book.overrides(fleet).dump()});
}

json HubCore::Impl::stats(const std::string& fleet) {
  json by_status = {{"online", 0}, {"silent", 0}, {"offline", 0}};
  for (const auto* v : vehicles.list(fleet)) by_status[std::string(state::statusName(v->status))] = by_status[std::string(state::statusName(v->status))].get<int>() + 1;
  int open = 0, acked = 0;
  for (const auto& a : alerts.activeAlerts(fleet)) (a.state() == v1::ALERT_STATE_OPEN ? open : acked)++;
  store->flush();
  auto stored = store->recordCount();
  const double window_s = std::max(1.0, static_cast<double>(clock.nowMs() - window_start_ms) / 1000.0);
  return {{"vehicles", by_status},
          {"alerts", {{"open", open}, {"acknowledged", acked}}},
          {"records_stored", stored ? *stored : 0},
          {"records_accepted", accepted.load()},
          {"ingest_rate", static_cast<double>(window_records) / window_s},
          {"queue_depth", queue.size()}};
}

v1::AdminResponse HubCore::Impl::handle(const std::string& fleet, const v1::AdminRequest& request) {
  v1::AdminResponse res;
  runOnCore([&] { res = admin_service->handle(fleet, request); });
  return res;
}

HealthReport HubCore::Impl::health() const {
  HealthReport h;
  h.broker_connected = broker_connected;
  const auto sh = store ? store->health() : store::StoreHealth{};
  h.store_ok = store && sh.ok;
  h.store_latency_ms = sh.last_batch_ms;
  h.started_at_ms = started_at_ms;
  h.vehicles_online = vehicles_online;
  h.open_alerts = open_alerts;
  return h;
}

// ---- HubCore --------------------------------------------------------------------------------------

HubCore::HubCore(HubSettings settings, config::Config cfg, const Clock* clock)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(cfg), clock)) {}
HubCore::~HubCore() { stop(); }
void HubCore::addLiveSink(LiveSink& sink) { impl_->sinks.push_back(&sink); }
AdminHandler& HubCore::admin() { return *impl_; }
HealthSource& HubCore::healthSource() { return *impl_; }
Status HubCore::start() { return impl_->start(); }
void HubCore::stop() { impl_->stop(); }
store::Store& HubCore::store() { return *impl_->store; }
std::uint64_t HubCore::recordsAccepted() const { return impl_->accepted; }

void HubCore::drain() {
  impl_->runOnCore([] {});
  if (impl_->store) impl_->store->flush();
}

}  // namespace fleetlink::hub
