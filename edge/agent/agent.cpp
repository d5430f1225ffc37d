#include "edge/agent/agent.hpp"

#include <cmath>

#include "edge/agent/device_identity.hpp"
#include "edge/health/health_probe.hpp"
#include "edge/panic/evdev_button.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"
#include "fleetlink/common/version.hpp"

namespace fleetlink::edge {
namespace {

const log::Logger kLog("edge.agent");

ReportSettings reportSettings(const EdgeSettings& s) {
  return {s.report.moving_interval, s.report.stopped_interval, s.report.min_interval, s.report.moving_speed_mps,
          s.report.distance_m, s.report.heading_change_deg};
}

v1::GpsState gpsState(GpsLink l) {
  switch (l) {
    case GpsLink::Fix: return v1::GPS_STATE_FIX;
    case GpsLink::NoFix: return v1::GPS_STATE_NO_FIX;
    case GpsLink::NoGpsd: return v1::GPS_STATE_NO_GPSD;
  }
  return v1::GPS_STATE_UNSPECIFIED;
}

const char* sourceName(v1::PanicSource s) {
  switch (s) {
    case v1::PANIC_SOURCE_EVDEV: return "evdev";
    case v1::PANIC_SOURCE_GPIO: return "gpio";
    case v1::PANIC_SOURCE_CONTROL_SOCKET: return "control_socket";
    default: return "unknown";
  }
}

constexpr auto kCallTimeout = std::chrono::seconds(10);

}  // namespace

Agent::Agent(ConfigSources sources, config::Config config)
    : sources_(std::move(sources)), config_(std::move(config)), settings_(edgeSettings(config_)),
      gps_clock_(system_clock_), device_id_(deviceId(settings_.device.device_id)), boot_id_(newBootId()),
      started_mono_(monotonicMs()), policy_(reportSettings(settings_)),
      filter_(settings_.gps.min_fix_mode, settings_.gps.max_h_accuracy_m) {}

Agent::~Agent() {
  // Parts with threads go first: none of them may call back into a half-destroyed agent.
  if (control_) control_->stop();
  buttons_.clear();
  if (gps_) gps_->stop();
  if (uplink_) uplink_->stop(std::chrono::milliseconds(0));
}

Status Agent::start() {
  log::Level level;
  if (log::parseLevel(settings_.log_level, level)) log::setLevel(level);
  kLog.info("starting", {{"version", kVersion}, {"fleet", settings_.device.fleet}, {"vehicle", settings_.device.vehicle},
                         {"device_id", device_id_}, {"config_hash", settings_.config_hash}});

  auto ob = Outbox::open({settings_.outbox.path, settings_.outbox.max_records, settings_.outbox.max_bytes,
                          settings_.outbox.max_pending, 0, settings_.outbox.keep_delivered},
                         system_clock_);
  if (!ob) return ob.error();
  outbox_ = std::move(*ob);
  const auto st = outbox_->stats();
  kLog.info("outbox open", {{"path", st.path}, {"epoch", std::to_string(st.epoch)}, {"records", std::to_string(st.records)},
                            {"delivered_kept", std::to_string(st.delivered_kept)},
                            {"last_seq", std::to_string(st.last_seq)}});

  messages_ = std::make_unique<MessageStore>(settings_.device.data_dir + "/messages.json");
  duty_ = std::make_unique<DutyState>(settings_.device.data_dir + "/driver.json");
  updater_ = std::make_unique<ConfigUpdater>(sources_, settings_.override_file, config_);
  commands_ = std::make_unique<CommandHandler>(CommandEffects{
      [this](const v1::ConfigUpdate& u) {
        auto r = updater_->apply(u);
        if (r.accepted && r.config) {
          config_ = *r.config;
          applySettings(edgeSettings(config_));
        }
        return r;
      },
      [this](const v1::DriverMessage& m) { return messages_->add(m); },
      [this](std::int64_t resend_window_ms) {
        // The outbox stamps PUBACKs with this same clock.
        const std::size_t resent =
            resend_window_ms > 0 ? outbox_->redeliver(system_clock_.nowMs() - resend_window_ms) : 0;
        uplink_->resync(/*rewind=*/resent > 0);
        emitHealth();
        emitCurrentFix();
        return resent;
      },
      [this](std::uint64_t epoch, std::uint64_t seq) {
        if (!outbox_->panicAcknowledged(epoch, seq)) return false;
        if (ack_led_->configured()) {
          ack_led_->set(true);
          led_off_at_ = monotonicMs() + settings_.panic.led_on_for.count();
        }
        return true;
      },
      [this] { return settings_.config_hash; },
      [this] { return gps_clock_.now().ms; }});

  UplinkSettings us;
  us.endpoint = {settings_.mqtt.host, settings_.mqtt.port, settings_.mqtt.tls, settings_.mqtt.tls_ca,
                 settings_.mqtt.tls_cert, settings_.mqtt.tls_key, settings_.mqtt.username, settings_.mqtt.password,
                 std::chrono::duration_cast<std::chrono::seconds>(settings_.mqtt.keepalive)};
  us.client_id = settings_.mqtt.client_id;
  us.fleet = settings_.device.fleet;
  us.vehicle = settings_.device.vehicle;
  us.device_id = device_id_;
  us.agent_version = kVersion;
  us.boot_id = boot_id_;
  us.config_hash = settings_.config_hash;
  us.batch_records = settings_.outbox.batch_records;
  us.max_inflight = settings_.mqtt.max_inflight;
  us.reconnect_min = settings_.mqtt.reconnect_min;
  us.reconnect_max = settings_.mqtt.reconnect_max;
  us.panic_resend = settings_.panic.resend_interval;
  us.session_expiry = settings_.mqtt.session_expiry;
  us.connect_timeout = settings_.mqtt.connect_timeout;
  uplink_ = Uplink::create(us, *outbox_, [this](std::string payload) {
    // Paho's thread: hand over to the loop.
    if (!loop_.post([this, p = std::move(payload)] { onCommand(p); })) kLog.error("command dropped: agent queue full");
  });

  ack_led_ = std::make_unique<AckOutput>(settings_.panic.led_chip, settings_.panic.led_line, settings_.panic.led_active_low);
  if (!settings_.panic.evdev_device.empty()) {
    buttons_.push_back(std::make_unique<EvdevButton>(
        settings_.panic.evdev_device, settings_.panic.evdev_key_code, settings_.panic.debounce, settings_.panic.hold,
        [this] { loop_.post([this] { onPress(v1::PANIC_SOURCE_EVDEV); }); }));
  }
  if (!settings_.panic.gpio_chip.empty() && settings_.panic.gpio_line >= 0) {
    buttons_.push_back(std::make_unique<GpioButton>(
        GpioLineSettings{settings_.panic.gpio_chip, settings_.panic.gpio_line, settings_.panic.gpio_active_low,
                         settings_.panic.gpio_bias},
        settings_.panic.debounce, settings_.panic.hold, [this] { loop_.post([this] { onPress(v1::PANIC_SOURCE_GPIO); }); }));
  }

  GpsSource::Settings gs;
  gs.host = settings_.gps.host;
  gs.port = settings_.gps.port;
  gs.reconnect_min = settings_.gps.reconnect_min;
  gs.reconnect_max = settings_.gps.reconnect_max;
  gps_ = std::make_unique<GpsSource>(gs, [this](const Fix& f) { loop_.post([this, f] { onFix(f); }); });

  control_protocol_ = std::make_unique<ControlProtocol>(*this);
  control_ = std::make_unique<ControlServer>(settings_.control.socket, *control_protocol_);
  if (auto cs = control_->start(); !cs) return cs.error();

  loop_.every("health", [this] { return settings_.health.interval; }, [this] { emitHealth(); });
  loop_.every("sync", [this] { return settings_.outbox.sync_interval; }, [this] {
    flushGroup();
    if (auto s = outbox_->sync(); !s) kLog.warn("outbox sync failed", {{"error", s.error().message}});
  });
  loop_.every("flush", [this] { return std::max(settings_.outbox.flush_interval, std::chrono::milliseconds(100)); },
              [this] { flushGroup(); });
  loop_.every("housekeeping", [] { return std::chrono::milliseconds(1000); }, [this] {
    if (outbox_->stats().pending > 0) {
      auto r = outbox_->retryHeld();
      if (!r.seqs.empty()) {
        uplink_->sendLive(r.seqs);
        uplink_->panicRaised();  // a panic held while the disk was full goes out now
      }
    }
    if (led_off_at_ != 0 && monotonicMs() >= led_off_at_) {
      ack_led_->set(false);
      led_off_at_ = 0;
    }
  });
  if (auto wd = systemd_.watchdogInterval()) {
    loop_.every("watchdog", [wd] { return *wd / 3; }, [this] { watchdogTick(); });
  }

  uplink_->start();
  gps_->start();
  for (auto& b : buttons_) b->start();
  return okStatus();
}

int Agent::run() {
  systemd_.ready("running, outbox " + settings_.outbox.path);
  loop_.run();
  kLog.info("stopping");
  systemd_.stopping();
  // A technician's button test still waiting gets its answer now rather than holding up the stop.
  for (auto& w : button_waiters_) w->set_value({});
  button_waiters_.clear();
  control_->stop();
  for (auto& b : buttons_) b->stop();
  gps_->stop();
  flushGroup();
  uplink_->stop(std::chrono::milliseconds(2000));
  if (auto s = outbox_->sync(); !s) kLog.warn("final outbox sync failed", {{"error", s.error().message}});
  kLog.info("stopped");
  return 0;
}

void Agent::watchdogTick() {
  // Keep systemd's watchdog fed only while every thread that matters still turns; a wedged one gets the agent
  // restarted. Threads poll at least every few seconds, so a minute of silence means stuck.
  const std::int64_t now = monotonicMs();
  const std::int64_t limit = 60'000;
  if (now - uplink_->heartbeatMonoMs() > limit || now - gps_->heartbeatMonoMs() > limit) {
    kLog.error("a worker thread stopped turning: withholding the watchdog keep-alive");
    return;
  }
  systemd_.watchdog();
}

v1::Record Agent::newRecord() const {
  v1::Record r;
  r.set_boot_id(boot_id_);
  const auto now = gps_clock_.now();
  r.set_time_ms(now.ms);
  r.set_time_source(now.from_gps ? v1::TIME_SOURCE_GPS : v1::TIME_SOURCE_SYSTEM);
  return r;
}

v1::Position Agent::positionOf(const Fix& f) const {
  v1::Position p;
  p.set_lat(f.lat);
  p.set_lon(f.lon);
  p.set_alt_m(static_cast<float>(f.alt_m));
  p.set_speed_mps(static_cast<float>(f.speed_mps));
  p.set_heading_deg(static_cast<float>(f.heading_deg));
  p.set_h_accuracy_m(static_cast<float>(f.h_accuracy_m));
  p.set_v_accuracy_m(static_cast<float>(f.v_accuracy_m));
  p.set_fix_mode(f.mode >= 3 ? v1::FIX_MODE_3D : v1::FIX_MODE_2D);
  p.set_satellites(static_cast<std::uint32_t>(f.satellites));
  return p;
}

std::vector<std::uint64_t> Agent::commit(std::vector<v1::Record> records, Durability durability, bool groupable) {
  if (groupable && settings_.outbox.flush_interval.count() > 0 && durability == Durability::Normal) {
    for (auto& r : records) group_.push_back(std::move(r));
    return {};
  }
  // Grouped records were created first: commit them first so seq order follows creation order.
  if (!group_.empty()) {
    std::vector<v1::Record> all = std::move(group_);
    group_.clear();
    for (auto& r : records) all.push_back(std::move(r));
    records = std::move(all);
  }
  auto r = outbox_->append(std::move(records), durability);
  if (!r.seqs.empty()) uplink_->sendLive(r.seqs);
  return r.seqs;
}

void Agent::flushGroup() {
  if (group_.empty()) return;
  commit({}, Durability::Normal, false);
}

void Agent::onFix(const Fix& fix) {
  if (fix.time_ms > 0) gps_clock_.onGpsTime(fix.time_ms);
  if (auto why = filter_.reject(fix)) {
    ++fixes_rejected_;
    metrics::global().counter("fleetlink_edge_gps_fixes_total", "GPS reports", {{"outcome", "rejected"}}).inc();
    kLog.debug("fix rejected", {{"reason", *why}, {"mode", std::to_string(fix.mode)}});
    return;
  }
  metrics::global().counter("fleetlink_edge_gps_fixes_total", "GPS reports", {{"outcome", "accepted"}}).inc();
  last_fix_ = fix;
  last_fix_mono_ = monotonicMs();
  const FixSample sample{fix.time_ms > 0 ? fix.time_ms : gps_clock_.now().ms, fix.lat, fix.lon, fix.speed_mps,
                         fix.heading_deg, fix.heading_valid};
  const auto reason = policy_.offer(sample);
  if (reason == ReportReason::None) return;
  v1::Record r = newRecord();
  if (fix.time_ms > 0) {
    r.set_time_ms(fix.time_ms);
    r.set_time_source(v1::TIME_SOURCE_GPS);
  }
  *r.mutable_position() = positionOf(fix);
  commit({std::move(r)}, Durability::Normal, true);
}

void Agent::emitCurrentFix() {
  if (!last_fix_) return;
  v1::Record r = newRecord();
  *r.mutable_position() = positionOf(*last_fix_);
  commit({std::move(r)}, Durability::Normal, false);
}

Expected<std::uint64_t> Agent::commitPanic(v1::PanicSource source) {
  v1::Record r = newRecord();
  auto* p = r.mutable_panic();
  p->set_source(source);
  p->set_pressed_at_ms(r.time_ms());
  if (last_fix_) *p->mutable_last_position() = positionOf(*last_fix_);
  // A new alarm: the previous acknowledgement no longer applies.
  if (ack_led_->on()) ack_led_->set(false);
  led_off_at_ = 0;
  auto seqs = commit({std::move(r)}, Durability::Immediate, false);
  uplink_->panicRaised();
  metrics::global().counter("fleetlink_edge_panics_total", "Panics raised", {{"source", sourceName(source)}}).inc();
  if (seqs.empty()) {
    kLog.error("PANIC held in memory: the outbox cannot be written", {{"source", sourceName(source)}});
    return Error{"panic recorded in memory only: the outbox cannot be written (" + outbox_->stats().problem + ")"};
  }
  kLog.warn("PANIC raised", {{"source", sourceName(source)}, {"seq", std::to_string(seqs.back())}});
  return seqs.back();
}

void Agent::onPress(v1::PanicSource source) {
  if (!button_waiters_.empty()) {
    // A technician's button test: report the press, raise nothing.
    for (auto& w : button_waiters_) w->set_value({true, source == v1::PANIC_SOURCE_GPIO ? "gpio" : "evdev"});
    button_waiters_.clear();
    kLog.info("button test: press seen", {{"source", sourceName(source)}});
    return;
  }
  (void)commitPanic(source);
}

void Agent::onCommand(const std::string& payload) {
  auto ack = commands_->handle(payload);
  if (!ack) return;
  v1::Record r = newRecord();
  *r.mutable_command_ack() = std::move(*ack);
  commit({std::move(r)}, Durability::Normal, false);
}

void Agent::applySettings(const EdgeSettings& s) {
  policy_.setSettings(reportSettings(s));
  filter_ = FixFilter(s.gps.min_fix_mode, s.gps.max_h_accuracy_m);
  outbox_->setLimits(s.outbox.max_records, s.outbox.max_bytes);
  uplink_->setPanicResend(s.panic.resend_interval);
  uplink_->setBatchRecords(s.outbox.batch_records);
  uplink_->setConfigHash(s.config_hash);
  log::Level level;
  if (log::parseLevel(s.log_level, level)) log::setLevel(level);
  // Only the keys ConfigUpdater::appliesLive() lists change here; the rest keeps its start-up value.
  settings_.report = s.report;
  settings_.gps.min_fix_mode = s.gps.min_fix_mode;
  settings_.gps.max_h_accuracy_m = s.gps.max_h_accuracy_m;
  settings_.panic.resend_interval = s.panic.resend_interval;
  settings_.outbox.max_records = s.outbox.max_records;
  settings_.outbox.max_bytes = s.outbox.max_bytes;
  settings_.outbox.batch_records = s.outbox.batch_records;
  settings_.outbox.flush_interval = s.outbox.flush_interval;
  settings_.outbox.sync_interval = s.outbox.sync_interval;
  settings_.health = s.health;
  settings_.log_level = s.log_level;
  settings_.config_hash = s.config_hash;
}

void Agent::emitHealth() {
  HealthInputs in;
  in.outbox = outbox_->stats();
  in.now_ms = system_clock_.nowMs();
  in.disk_free = diskFreeBytes(settings_.outbox.path);
  in.cpu_temp_c = cpuTemperatureC(settings_.health.thermal_zone);
  in.uptime_s = static_cast<std::uint64_t>((monotonicMs() - started_mono_) / 1000);
  in.gps_state = gpsState(gps_->state());
  in.broker_reconnects = static_cast<std::uint32_t>(uplink_->status().reconnects);
  in.agent_version = kVersion;
  in.config_hash = settings_.config_hash;
  v1::Record r = newRecord();
  *r.mutable_health() = buildHealth(in);
  commit({std::move(r)}, Durability::Normal, true);
}

nlohmann::json Agent::statusNow() {
  const auto ob = outbox_->stats();
  const auto up = uplink_->status();
  const std::int64_t now = system_clock_.nowMs();
  nlohmann::json gps = {{"state", gpsLinkName(gps_->state())}, {"fixes_rejected", fixes_rejected_}};
  if (last_fix_) {
    gps["lat"] = last_fix_->lat;
    gps["lon"] = last_fix_->lon;
    gps["speed_mps"] = last_fix_->speed_mps;
    gps["mode"] = last_fix_->mode;
    gps["last_fix_age_s"] = (monotonicMs() - last_fix_mono_) / 1000;
  } else {
    gps["lat"] = nullptr;
    gps["lon"] = nullptr;
    gps["speed_mps"] = nullptr;
    gps["mode"] = nullptr;
    gps["last_fix_age_s"] = nullptr;
  }
  nlohmann::json buffer = {{"records", ob.records + ob.pending},
                           {"bytes", ob.bytes},
                           {"oldest_unsent_age_s", ob.oldest_unsent_ms && now > *ob.oldest_unsent_ms
                                                       ? (now - *ob.oldest_unsent_ms) / 1000
                                                       : 0},
                           {"dropped", ob.dropped},
                           {"delivered_kept", ob.delivered_kept},
                           {"healthy", ob.healthy},
                           {"path", ob.path},
                           {"held_in_memory", ob.pending},
                           {"epoch", ob.epoch},
                           {"last_seq", ob.last_seq}};
  if (!ob.healthy) buffer["problem"] = ob.problem;
  return {{"fleet", settings_.device.fleet},
          {"vehicle", settings_.device.vehicle},
          {"device_id", device_id_},
          {"version", kVersion},
          {"config_hash", settings_.config_hash},
          {"uptime_s", (monotonicMs() - started_mono_) / 1000},
          {"gps", gps},
          {"broker",
           {{"connected", up.connected},
            {"reconnects", up.reconnects},
            {"inflight_batches", up.inflight_batches},
            {"published_records", up.published_records}}},
          {"buffer", buffer},
          {"panic", {{"pending", ob.usage[static_cast<std::size_t>(RecordClass::Panic)].records}}},
          {"driver", {{"id", duty_->driver()}, {"duty", dutyName(duty_->status())}}},
          {"messages_unread", messages_->unread()}};
}

// ---- ControlActions: each runs on the loop thread ------------------------------------------------------------

nlohmann::json Agent::status() {
  auto r = loop_.call([this] { return statusNow(); }, kCallTimeout);
  if (!r) throw std::runtime_error("agent busy, try again");
  return *r;
}

Expected<std::uint64_t> Agent::raisePanic() {
  auto r = loop_.call([this] { return commitPanic(v1::PANIC_SOURCE_CONTROL_SOCKET); }, kCallTimeout);
  if (!r) return Error{"agent busy: panic not confirmed, press again"};
  return *r;
}

Status Agent::changeDuty(const std::string& driver_id, v1::DutyStatus status) {
  auto r = loop_.call([&, driver_id, status]() -> Status {
    if (auto st = duty_->set(driver_id, status); !st) return st.error().context("could not store the duty status");
    v1::Record rec = newRecord();
    rec.mutable_duty()->set_driver_id(driver_id);
    rec.mutable_duty()->set_status(status);
    commit({std::move(rec)}, Durability::Normal, false);
    kLog.info("duty status changed", {{"driver", driver_id}, {"duty", dutyName(status)}});
    return okStatus();
  }, kCallTimeout);
  if (!r) return Error{"agent busy, try again"};
  return *r;
}

std::string Agent::currentDriver() { return duty_->driver(); }

nlohmann::json Agent::messages() {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : messages_->list()) {
    out.push_back({{"id", m.id}, {"text", m.text}, {"from", m.from}, {"sent_at_ms", m.sent_at_ms}, {"urgent", m.urgent},
                   {"read", m.read}});
  }
  return out;
}

Expected<bool> Agent::markRead(const std::string& message_id) { return messages_->markRead(message_id); }

ButtonTestResult Agent::buttonTest(std::chrono::seconds wait) {
  auto waiter = std::make_shared<std::promise<ButtonTestResult>>();
  auto fut = waiter->get_future();
  if (!loop_.call([this, waiter] { button_waiters_.push_back(waiter); return true; }, kCallTimeout)) return {};
  if (fut.wait_for(wait) == std::future_status::ready) return fut.get();
  // Timed out: withdraw the waiter, unless a press arrived just now.
  loop_.call([this, waiter] { std::erase(button_waiters_, waiter); return true; }, kCallTimeout);
  if (fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready) return fut.get();
  return {};
}

}  // namespace fleetlink::edge
