// Hub ingest benchmark. Through a real Mosquitto, into the hub core with its rules and SQLite history:
//   - throughput (records/s) draining a backlog the broker queued for the hub's persistent session, at
//     1 record per MQTT message (the live case) and at a batch size (the backlog case);
//   - the same drain by a bare MQTT 5 subscriber that only counts messages, as the ceiling;
//   - per-record latency at a steady rate: from the publish to the hub's live event for the record (validated,
//     rules and alerts applied), and from the uplink's send time to its commit in the history.
//
//   bench_hub_ingest [--smoke] [--enforce] [--json FILE]
// --enforce exits non-zero when the hub misses 50,000 records/s batched or is more than 10% slower than the
// bare subscriber at one record per message.
// --smoke runs a few thousand records (seconds, also under sanitizers) and checks correctness instead of speed:
// every published record committed exactly once and the speed rule firing on the drive; any miss exits 1.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <sys/resource.h>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "fleetlink/common/geo.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"
#include "fleetlink/common/mqtt_endpoint.hpp"
#include "fleetlink/common/topics.hpp"
#include "hub/config/hub_config.hpp"
#include "hub/core/hub_core.hpp"
#include "hub/store/store.hpp"
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using Clock_ = std::chrono::steady_clock;

namespace {

int g_vehicles = 100;
const std::int64_t kStartMs = SystemClock().nowMs() - 6 * 3'600'000LL;

// Pre-encoded uplinks: `messages` messages of `per_msg` records, round-robin over the vehicles, each vehicle
// driving east at 50-100 km/h (a 60 s cycle, 20 s of it over the 90 km/h limit) with its own sequence numbers.
std::vector<std::pair<std::string, std::string>> makeMessages(int messages, int per_msg, const std::string& fleet) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(static_cast<std::size_t>(messages));
  const int vehicles = g_vehicles;
  std::vector<std::uint64_t> seq(static_cast<std::size_t>(vehicles), 0);
  std::vector<geo::LatLon> pos(static_cast<std::size_t>(vehicles));
  for (int v = 0; v < vehicles; ++v) pos[static_cast<std::size_t>(v)] = {52.0 + v * 0.01, 5.0};
  for (int m = 0; m < messages; ++m) {
    const int v = m % vehicles;
    const auto vi = static_cast<std::size_t>(v);
    const std::string vehicle = "van-" + std::to_string(v);
    v1::Uplink u;
    u.set_fleet_id(fleet);
    u.set_vehicle_id(vehicle);
    u.set_device_id("board-" + std::to_string(v));
    for (int r = 0; r < per_msg; ++r) {
      auto* rec = u.add_records();
      rec->set_seq(++seq[vi]);
      rec->set_epoch(1);
      rec->set_time_ms(kStartMs + static_cast<std::int64_t>(seq[vi]) * 1000);
      rec->set_time_source(v1::TIME_SOURCE_GPS);
      const double kph = 50 + static_cast<double>((seq[vi] / 10) % 6) * 10;  // 100 km/h for 10 s of each minute
      pos[vi] = geo::destination(pos[vi], 90, kph / 3.6);
      auto* p = rec->mutable_position();
      p->set_lat(pos[vi].lat);
      p->set_lon(pos[vi].lon);
      p->set_speed_mps(static_cast<float>(kph / 3.6));
      p->set_heading_deg(90);
      p->set_fix_mode(v1::FIX_MODE_3D);
      p->set_satellites(9);
    }
    out.emplace_back(topics::vehicleUp(fleet, vehicle), u.SerializeAsString());
  }
  return out;
}

std::int64_t steadyUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock_::now().time_since_epoch()).count();
}

// Publishes everything at QoS 1 with a window of outstanding publishes.
// With `sent_us`, each message's steady-clock send time (µs) is stored at its index.
void publishAll(const std::string& uri, const std::vector<std::pair<std::string, std::string>>& msgs,
                bool stamp = false, double rate_per_s = 0, std::vector<std::atomic<std::int64_t>>* sent_us = nullptr) {
  mqtt::async_client c(uri, "bench-pub", mqttx::createOptions());
  c.connect(mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(true).finalize())->wait();
  std::vector<mqtt::delivery_token_ptr> window;
  const auto t0 = Clock_::now();
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    std::string payload = msgs[i].second;
    if (stamp) {  // the send time, for the latency figure
      v1::Uplink u;
      u.ParseFromString(payload);
      u.set_sent_at_ms(SystemClock().nowMs());
      payload = u.SerializeAsString();
    }
    if (sent_us) (*sent_us)[i] = steadyUs();
    window.push_back(c.publish(msgs[i].first, payload.data(), payload.size(), 1, false));
    if (window.size() >= 64) {  // under the broker's receive maximum (max_inflight_messages 100)
      for (auto& t : window) t->wait();
      window.clear();
    }
    if (rate_per_s > 0) std::this_thread::sleep_until(t0 + std::chrono::duration<double>(static_cast<double>(i + 1) / rate_per_s));
  }
  for (auto& t : window) t->wait();
  c.disconnect()->wait();
}

// The ceiling: an MQTT 5 subscriber on the same shared subscription that only counts messages.
class BareSubscriber : public virtual mqtt::callback {
 public:
  explicit BareSubscriber(const test::Broker& broker)
      : port_(broker.port()), c_(broker.uri(), "bench-bare", mqttx::createOptions()) {
    c_.set_callback(*this);
  }
  void connect(bool subscribe) {
    // A persistent session (as the hub's), so the broker queues the backlog while the subscriber is away.
    mqttx::Endpoint e;
    e.host = "127.0.0.1";
    e.port = port_;
    c_.connect(mqttx::connectOptions(e, false, std::chrono::hours(1), std::nullopt))->wait();
    if (subscribe) c_.subscribe(topics::shared(topics::allVehicleUp(), "bench"), 1)->wait();
  }
  void disconnect() { c_.disconnect()->wait(); }
  void message_arrived(mqtt::const_message_ptr) override { count_.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(); }

 private:
  int port_;
  mqtt::async_client c_;
  std::atomic<std::uint64_t> count_{0};
};

// How long any one phase may take before the run counts as failed (a lost message must not hang the run).
std::chrono::seconds g_phase_limit{600};

void require(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "bench_hub_ingest: FAILED: %s\n", what.c_str());
  std::exit(1);
}

double bareDrain(const std::vector<std::pair<std::string, std::string>>& msgs) {
  test::Broker broker(test::Broker::Options{false, "", true});
  BareSubscriber sub(broker);
  sub.connect(true);
  sub.disconnect();
  publishAll(broker.uri(), msgs);
  const auto t0 = Clock_::now();
  sub.connect(false);
  require(test::waitUntil([&] { return sub.count() >= msgs.size(); }, g_phase_limit),
          "bare subscriber got " + std::to_string(sub.count()) + " of " + std::to_string(msgs.size()) + " messages");
  const double s = std::chrono::duration<double>(Clock_::now() - t0).count();
  sub.disconnect();
  return static_cast<double>(sub.count()) / s;
}

config::Config hubConfig(const test::Broker& broker, const std::string& dir) {
  // Rules on: a speed limit the drive crosses, and zones on the vans' way.
  std::string toml = "[fleets.bench]\nspeed_limit_kph = 90\noverspeed_min_s = 5\n";
  for (int z = 0; z < 5; ++z)
    toml += "[[fleets.bench.geofences]]\nid = \"z" + std::to_string(z) + "\"\nlat = " + std::to_string(52.0 + z * 0.2) +
            "\nlon = 5.05\nradius_m = 400\nrestricted = true\n";
  auto cfg = config::Loader(hub::hubSchema())
                 .text(toml, "bench")
                 .set("mqtt.port", std::to_string(broker.port()))
                 .set("hub.data_dir", dir)
                 .set("ingest.queue_max", "100000")
                 .load();
  if (!cfg) throw std::runtime_error(cfg.error().message);
  return *cfg;
}

// CPU seconds this process has used (every thread): the hub's cost per record, independent of how busy the
// machine is (the broker runs in its own process and is not counted).
double processCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct HubRun {
  double records_per_s = 0;
  double cpu_us_per_record = 0;
  std::uint64_t records = 0;
  std::uint64_t stored = 0;            // rows in the history afterwards
  std::size_t overspeed_alerts = 0;    // opened by the rules on the way
};

HubRun hubDrain(const std::vector<std::pair<std::string, std::string>>& msgs, std::uint64_t records) {
  test::Broker broker(test::Broker::Options{false, "", true});
  test::TempDir dir("bench-hub");
  auto cfg = hubConfig(broker, dir.path());
  {
    hub::HubCore first(hub::hubSettings(cfg), cfg);  // creates the persistent session and its subscriptions
    if (auto st = first.start(); !st) throw std::runtime_error(st.error().message);
    require(test::waitUntil([&] { return first.healthSource().health().broker_connected; }, std::chrono::seconds(10)),
            "the hub did not connect to the broker");
    first.stop();
  }
  publishAll(broker.uri(), msgs);
  hub::HubCore core(hub::hubSettings(cfg), cfg);
  const auto t0 = Clock_::now();
  const double cpu0 = processCpuSeconds();
  if (auto st = core.start(); !st) throw std::runtime_error(st.error().message);
  require(test::waitUntil([&] { return core.recordsAccepted() >= records; }, g_phase_limit),
          "hub accepted " + std::to_string(core.recordsAccepted()) + " of " + std::to_string(records) + " records");
  core.drain();  // committed to SQLite
  const double s = std::chrono::duration<double>(Clock_::now() - t0).count();
  HubRun r;
  r.records = core.recordsAccepted();
  r.records_per_s = static_cast<double>(r.records) / s;
  r.cpu_us_per_record = (processCpuSeconds() - cpu0) * 1e6 / static_cast<double>(std::max<std::uint64_t>(1, r.records));
  auto stored = core.store().recordCount();
  require(stored.ok(), "could not count the stored records");
  r.stored = *stored;
  hub::store::AlertQuery q;
  q.fleet = "bench";
  q.rule = "overspeed";
  q.limit = 100'000;
  auto alerts = core.store().alerts(q);
  require(alerts.ok(), "could not query the alerts");
  r.overspeed_alerts = alerts->size();
  core.stop();
  return r;
}

struct Latency {
  double p50_ms, p90_ms, p99_ms;  // send -> committed to SQLite (histogram bucket bounds)
  double rate;
  double live_p50_ms = 0, live_p99_ms = 0, live_max_ms = 0;  // send -> live event (rules applied), exact
  std::size_t live_samples = 0;
};

// Measures, for each position of the latency run, the time from its publish to the hub's live event for it
// (validated, de-duplicated, rules and alerts applied, live state updated).
class LiveLatencySink final : public hub::LiveSink {
 public:
  LiveLatencySink(const std::vector<std::pair<std::string, std::string>>& msgs,
                  const std::vector<std::atomic<std::int64_t>>& sent_us)
      : sent_us_(sent_us) {
    for (std::size_t i = 0; i < msgs.size(); ++i) {
      v1::Uplink u;
      u.ParseFromString(msgs[i].second);
      for (const auto& r : u.records()) index_[key(u.vehicle_id(), r.time_ms())] = i;
    }
  }
  void publish(const hub::LiveEvent& e) override {
    if (e.kind != hub::LiveEvent::Kind::Position) return;
    const auto now = steadyUs();
    auto it = index_.find(key(e.vehicle, e.time_ms));
    if (it == index_.end()) return;
    const auto sent = sent_us_[it->second].load();
    if (sent == 0) return;
    std::lock_guard lock(mu_);
    samples_.push_back(static_cast<double>(now - sent) / 1000.0);
  }
  std::vector<double> samples() {
    std::lock_guard lock(mu_);
    return samples_;
  }

 private:
  static std::string key(const std::string& vehicle, std::int64_t t) { return vehicle + "/" + std::to_string(t); }
  const std::vector<std::atomic<std::int64_t>>& sent_us_;
  std::unordered_map<std::string, std::size_t> index_;
  std::mutex mu_;
  std::vector<double> samples_;
};

double quantileOf(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

Latency hubLatency(int messages, int per_msg, double rate) {
  test::Broker broker(test::Broker::Options{false, "", true});
  test::TempDir dir("bench-hub");
  auto cfg = hubConfig(broker, dir.path());
  auto msgs = makeMessages(messages, per_msg, "bench");
  std::vector<std::atomic<std::int64_t>> sent_us(msgs.size());
  LiveLatencySink live(msgs, sent_us);
  hub::HubCore core(hub::hubSettings(cfg), cfg);
  core.addLiveSink(live);
  if (auto st = core.start(); !st) throw std::runtime_error(st.error().message);
  require(test::waitUntil([&] { return core.healthSource().health().broker_connected; }, std::chrono::seconds(10)),
          "the hub did not connect to the broker");
  auto& h = metrics::global().histogram("fleetlink_hub_record_age_at_commit_seconds", "", {},
                                        {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60});
  publishAll(broker.uri(), msgs, true, rate, &sent_us);
  require(test::waitUntil([&] { return core.recordsAccepted() >= static_cast<std::uint64_t>(messages * per_msg); },
                          g_phase_limit),
          "latency run: hub accepted " + std::to_string(core.recordsAccepted()) + " records");
  core.drain();
  Latency l{h.quantile(0.5) * 1000, h.quantile(0.9) * 1000, h.quantile(0.99) * 1000, rate};
  core.stop();
  const auto samples = live.samples();
  l.live_samples = samples.size();
  l.live_p50_ms = quantileOf(samples, 0.5);
  l.live_p99_ms = quantileOf(samples, 0.99);
  l.live_max_ms = quantileOf(samples, 1.0);
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false, enforce = false;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") smoke = true;
    else if (a == "--enforce") enforce = true;
    else if (a == "--json" && i + 1 < argc) json_path = argv[++i];
    else {
      std::fprintf(stderr, "usage: bench_hub_ingest [--smoke] [--enforce] [--json FILE]\n");
      return 2;
    }
  }
  log::setLevel(log::Level::Warn);
  // Smoke: 10 vehicles so each drives long enough to cross the speed limit; a few thousand records.
  g_vehicles = smoke ? 10 : 100;
  g_phase_limit = smoke ? std::chrono::seconds(60) : std::chrono::seconds(600);
  const int single_msgs = smoke ? 2'000 : 60'000;
  const int batch = 50;
  const int batch_msgs = smoke ? 40 : 6'000;  // 2,000 / 300,000 records
  const int latency_msgs = smoke ? 300 : 10'000;
  const double latency_rate = smoke ? 300 : 2000;

  std::printf("hub ingest benchmark (%s): real Mosquitto, %d vehicles, rules on (speed limit, 5 zones), SQLite WAL\n",
              smoke ? "smoke" : "full", g_vehicles);
  auto singles = makeMessages(single_msgs, 1, "bench");
  const double bare = bareDrain(singles);
  std::printf("  bare MQTT subscriber     1 record/message : %9.0f messages/s (%d messages)\n", bare, single_msgs);
  const auto hub1 = hubDrain(singles, static_cast<std::uint64_t>(single_msgs));
  std::printf("  hub (store + rules)      1 record/message : %9.0f records/s (%.0f%% of the bare subscriber; %.1f us "
              "hub CPU per record; %zu overspeed alerts)\n",
              hub1.records_per_s, 100.0 * hub1.records_per_s / bare, hub1.cpu_us_per_record, hub1.overspeed_alerts);
  auto batches = makeMessages(batch_msgs, batch, "bench");
  const auto hubN = hubDrain(batches, static_cast<std::uint64_t>(batch_msgs) * batch);
  std::printf("  hub (store + rules)     %2d records/message: %9.0f records/s (%llu records; %.1f us hub CPU per record; "
              "%zu overspeed alerts)\n",
              batch, hubN.records_per_s, static_cast<unsigned long long>(hubN.records), hubN.cpu_us_per_record,
              hubN.overspeed_alerts);
  const auto lat = hubLatency(latency_msgs, 1, latency_rate);
  std::printf("  latency at %.0f messages/s, 1 record/message, send -> live event (rules applied): p50 %.2f ms, p99 "
              "%.2f ms, max %.2f ms (%zu records)\n",
              lat.rate, lat.live_p50_ms, lat.live_p99_ms, lat.live_max_ms, lat.live_samples);
  std::printf("  latency at %.0f messages/s, 1 record/message, send -> committed to SQLite: p50 %.1f ms, p90 %.1f ms, "
              "p99 %.1f ms (histogram bucket bounds; commits are batched every store.flush_interval)\n",
              lat.rate, lat.p50_ms, lat.p90_ms, lat.p99_ms);

  // Correctness, checked in every mode: the history holds each published record once, and the rules ran.
  const auto singles_n = static_cast<std::uint64_t>(single_msgs);
  const auto batched_n = static_cast<std::uint64_t>(batch_msgs) * batch;
  require(hub1.records == singles_n && hub1.stored == singles_n,
          "1 record/message: accepted " + std::to_string(hub1.records) + ", stored " + std::to_string(hub1.stored) +
              ", published " + std::to_string(singles_n));
  require(hubN.records == batched_n && hubN.stored == batched_n,
          "batched: accepted " + std::to_string(hubN.records) + ", stored " + std::to_string(hubN.stored) +
              ", published " + std::to_string(batched_n));
  require(hub1.overspeed_alerts > 0 && hubN.overspeed_alerts > 0, "the speed rule raised no overspeed alert");
  require(lat.p50_ms > 0 && lat.p99_ms >= lat.p50_ms, "no latency figures were recorded");
  require(lat.live_samples == static_cast<std::size_t>(latency_msgs),
          "live events for " + std::to_string(lat.live_samples) + " of " + std::to_string(latency_msgs) + " positions");

  const bool fast_enough = hubN.records_per_s >= 50'000;
  const bool close_to_bare = hub1.records_per_s >= 0.9 * bare;
  std::printf("  target >= 50,000 records/s batched: %s; within 10%% of bare at 1 record/message: %s\n",
              fast_enough ? "met" : "MISSED", close_to_bare ? "met" : "MISSED");
  if (!json_path.empty()) {
    nlohmann::json j = {{"bench", "hub_ingest"},
                        {"mode", smoke ? "smoke" : "full"},
                        {"vehicles", g_vehicles},
                        {"bare_messages_per_s", bare},
                        {"hub_records_per_s_1", hub1.records_per_s},
                        {"hub_records_per_s_batched", hubN.records_per_s},
                        {"records_per_message_batched", batch},
                        {"hub_cpu_us_per_record_1", hub1.cpu_us_per_record},
                        {"hub_cpu_us_per_record_batched", hubN.cpu_us_per_record},
                        {"records_1", hub1.records},
                        {"records_batched", hubN.records},
                        {"latency_ms", {{"p50", lat.p50_ms}, {"p90", lat.p90_ms}, {"p99", lat.p99_ms}, {"rate", lat.rate}}},
                        {"live_latency_ms", {{"p50", lat.live_p50_ms}, {"p99", lat.live_p99_ms}, {"max", lat.live_max_ms}}},
                        {"targets_met", fast_enough && close_to_bare}};
    std::ofstream(json_path) << j.dump(2) << "\n";
  }
  return enforce && !(fast_enough && close_to_bare) ? 1 : 0;
}
