// Hub ingest benchmark. Through a real Mosquitto, into the hub core with its rules and SQLite history:
//   - throughput (records/s) draining a backlog the broker queued for the hub's persistent session, at
//     1 record per MQTT message (the live case) and at a batch size (the backlog case);
//   - the same drain by a bare MQTT 5 subscriber that only counts messages, as the ceiling;
//   - per-record latency at a steady rate: from the uplink's send time to its commit in the history.
//
//   bench_hub_ingest [--smoke] [--enforce] [--json FILE]
// --enforce exits non-zero when the hub misses 50,000 records/s batched or is more than 10% slower than the
// bare subscriber at one record per message.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "fleetlink/common/geo.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"
#include "fleetlink/common/mqtt_endpoint.hpp"
#include "fleetlink/common/topics.hpp"
#include "hub/config/hub_config.hpp"
#include "hub/core/hub_core.hpp"
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using Clock_ = std::chrono::steady_clock;

namespace {

constexpr int kVehicles = 100;
const std::int64_t kStartMs = SystemClock().nowMs() - 6 * 3'600'000LL;

// Pre-encoded uplinks: `messages` messages of `per_msg` records, round-robin over the vehicles, each vehicle
// driving east at 50-100 km/h with its own sequence numbers.
std::vector<std::pair<std::string, std::string>> makeMessages(int messages, int per_msg, const std::string& fleet) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(static_cast<std::size_t>(messages));
  std::vector<std::uint64_t> seq(kVehicles, 0);
  std::vector<geo::LatLon> pos(kVehicles);
  for (int v = 0; v < kVehicles; ++v) pos[static_cast<std::size_t>(v)] = {52.0 + v * 0.01, 5.0};
  for (int m = 0; m < messages; ++m) {
    const int v = m % kVehicles;
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
      const double kph = 50 + static_cast<double>((seq[vi] / 60) % 6) * 10;  // crosses the 90 km/h limit
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

// Publishes everything at QoS 1 with a window of outstanding publishes.
void publishAll(const std::string& uri, const std::vector<std::pair<std::string, std::string>>& msgs,
                bool stamp = false, double rate_per_s = 0) {
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
  explicit BareSubscriber(const std::string& uri) : c_(uri, "bench-bare", mqttx::createOptions()) { c_.set_callback(*this); }
  void connect(bool subscribe) {
    auto opts = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(false)
                    .properties({mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL, 3600)}).finalize();
    c_.connect(opts)->wait();
    if (subscribe) c_.subscribe(topics::shared(topics::allVehicleUp(), "bench"), 1)->wait();
  }
  void disconnect() { c_.disconnect()->wait(); }
  void message_arrived(mqtt::const_message_ptr) override { count_.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(); }

 private:
  mqtt::async_client c_;
  std::atomic<std::uint64_t> count_{0};
};

double bareDrain(const std::vector<std::pair<std::string, std::string>>& msgs) {
  test::Broker broker(test::Broker::Options{false, "", true});
  BareSubscriber sub(broker.uri());
  sub.connect(true);
  sub.disconnect();
  publishAll(broker.uri(), msgs);
  const auto t0 = Clock_::now();
  sub.connect(false);
  test::waitUntil([&] { return sub.count() >= msgs.size(); }, std::chrono::minutes(10));
  const double s = std::chrono::duration<double>(Clock_::now() - t0).count();
  sub.disconnect();
  return static_cast<double>(sub.count()) / s;
}

config::Config hubConfig(const test::Broker& broker, const std::string& dir) {
  // Rules on: a speed limit the drive crosses, and zones on the vans' way.
  std::string toml = "[fleets.bench]\nspeed_limit_kph = 90\n";
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

struct HubRun {
  double records_per_s = 0;
  std::uint64_t records = 0;
};

HubRun hubDrain(const std::vector<std::pair<std::string, std::string>>& msgs, std::uint64_t records) {
  test::Broker broker(test::Broker::Options{false, "", true});
  test::TempDir dir("bench-hub");
  auto cfg = hubConfig(broker, dir.path());
  {
    hub::HubCore first(hub::hubSettings(cfg), cfg);  // creates the persistent session and its subscriptions
    if (auto st = first.start(); !st) throw std::runtime_error(st.error().message);
    test::waitUntil([&] { return first.healthSource().health().broker_connected; }, std::chrono::seconds(10));
    first.stop();
  }
  publishAll(broker.uri(), msgs);
  hub::HubCore core(hub::hubSettings(cfg), cfg);
  const auto t0 = Clock_::now();
  if (auto st = core.start(); !st) throw std::runtime_error(st.error().message);
  test::waitUntil([&] { return core.recordsAccepted() >= records; }, std::chrono::minutes(10));
  core.drain();  // committed to SQLite
  const double s = std::chrono::duration<double>(Clock_::now() - t0).count();
  HubRun r;
  r.records = core.recordsAccepted();
  r.records_per_s = static_cast<double>(r.records) / s;
  core.stop();
  return r;
}

struct Latency {
  double p50_ms, p90_ms, p99_ms;
  double rate;
};

Latency hubLatency(int messages, int per_msg, double rate) {
  test::Broker broker(test::Broker::Options{false, "", true});
  test::TempDir dir("bench-hub");
  auto cfg = hubConfig(broker, dir.path());
  hub::HubCore core(hub::hubSettings(cfg), cfg);
  if (auto st = core.start(); !st) throw std::runtime_error(st.error().message);
  test::waitUntil([&] { return core.healthSource().health().broker_connected; }, std::chrono::seconds(10));
  auto& h = metrics::global().histogram("fleetlink_hub_record_age_at_commit_seconds", "", {},
                                        {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60});
  const auto before = h.count();
  auto msgs = makeMessages(messages, per_msg, "bench");
  publishAll(broker.uri(), msgs, true, rate);
  test::waitUntil([&] { return core.recordsAccepted() >= static_cast<std::uint64_t>(messages * per_msg); },
                  std::chrono::minutes(5));
  core.drain();
  (void)before;
  Latency l{h.quantile(0.5) * 1000, h.quantile(0.9) * 1000, h.quantile(0.99) * 1000, rate};
  core.stop();
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
  const int single_msgs = smoke ? 5'000 : 60'000;
  const int batch = 50;
  const int batch_msgs = smoke ? 200 : 6'000;  // 10,000 / 300,000 records

  std::printf("hub ingest benchmark (%s): real Mosquitto, %d vehicles, rules on (speed limit, 5 zones), SQLite WAL\n",
              smoke ? "smoke" : "full", kVehicles);
  auto singles = makeMessages(single_msgs, 1, "bench");
  const double bare = bareDrain(singles);
  std::printf("  bare MQTT subscriber     1 record/message : %9.0f messages/s\n", bare);
  const auto hub1 = hubDrain(singles, static_cast<std::uint64_t>(single_msgs));
  std::printf("  hub (store + rules)      1 record/message : %9.0f records/s (%.0f%% of the bare subscriber)\n",
              hub1.records_per_s, 100.0 * hub1.records_per_s / bare);
  auto batches = makeMessages(batch_msgs, batch, "bench");
  const auto hubN = hubDrain(batches, static_cast<std::uint64_t>(batch_msgs) * batch);
  std::printf("  hub (store + rules)     %2d records/message: %9.0f records/s (%llu records)\n", batch,
              hubN.records_per_s, static_cast<unsigned long long>(hubN.records));
  const auto lat = hubLatency(smoke ? 1000 : 10'000, 1, smoke ? 500 : 2000);
  std::printf("  latency at %.0f messages/s, 1 record/message, send -> committed: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms "
              "(histogram bucket bounds)\n",
              lat.rate, lat.p50_ms, lat.p90_ms, lat.p99_ms);

  const bool fast_enough = hubN.records_per_s >= 50'000;
  const bool close_to_bare = hub1.records_per_s >= 0.9 * bare;
  std::printf("  target >= 50,000 records/s batched: %s; within 10%% of bare at 1 record/message: %s\n",
              fast_enough ? "met" : "MISSED", close_to_bare ? "met" : "MISSED");
  if (!json_path.empty()) {
    nlohmann::json j = {{"bench", "hub_ingest"},
                        {"mode", smoke ? "smoke" : "full"},
                        {"bare_messages_per_s", bare},
                        {"hub_records_per_s_1", hub1.records_per_s},
                        {"hub_records_per_s_batched", hubN.records_per_s},
                        {"records_per_message_batched", batch},
                        {"latency_ms", {{"p50", lat.p50_ms}, {"p90", lat.p90_ms}, {"p99", lat.p99_ms}, {"rate", lat.rate}}},
                        {"targets_met", fast_enough && close_to_bare}};
    std::ofstream(json_path) << j.dump(2) << "\n";
  }
  return enforce && !(fast_enough && close_to_bare) ? 1 : 0;
}
