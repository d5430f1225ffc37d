// The hub's WebSocket side under load, against the real fleetlink-hub and a real Mosquitto:
//  1. idle connections: how many authenticated, subscribed WebSocket clients the hub holds, and its resident
//     memory per connection (the clients live in this process, the hub in its own);
//  2. fan-out: vehicles publishing positions at 1 Hz through the broker, dispatcher clients each on its own
//     fleet plus control-room clients on every fleet; deliveries per second and the latency from the MQTT
//     publish to the WebSocket client (p50/p99/max).
// Prints the figures and writes them as JSON (--json). --smoke runs a small version in seconds.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <limits>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/mqtt_endpoint.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/v1/feed.pb.h"
#include "fleetlink/v1/fleetlink.pb.h"
#include "hub/web/stream_event.hpp"
#include "hub_process.hpp"
#include "support/broker.hpp"
#include "support/mqtt_probe.hpp"
#include "support/proc_stat.hpp"
#include "web_client.hpp"
#include "web_fixture.hpp"

namespace {

using namespace fleetlink;
using namespace fleetlink::test;
using nlohmann::json;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Steady = std::chrono::steady_clock;

struct Args {
  int idle = 15000;
  int vehicles = 10000;
  int fleet_size = 10;
  int fleet_clients = 1000;
  int all_clients = 10;
  int warmup_s = 5;
  int seconds = 20;
  std::string json_path;
  bool smoke = false;
  bool enforce = false;
  bool direct = false;  // fan-out only, events handed straight to an in-process web server (no MQTT, no core)
  bool broker_probe = false;  // also time publish -> broker -> a plain MQTT subscriber (the broker's share)
  bool protobuf = false;      // fan-out clients take the binary subprotocol (FeedFrame) instead of JSON
  std::string web_toml;  // more [web] settings for the hub (e.g. event_log = "off")
};

Args parseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + k);
      return argv[++i];
    };
    if (k == "--smoke") {
      a.smoke = true;
      a.idle = 500;
      a.vehicles = 200;
      a.fleet_clients = 20;
      a.all_clients = 2;
      a.warmup_s = 2;
      a.seconds = 5;
    } else if (k == "--idle") a.idle = std::stoi(val());
    else if (k == "--vehicles") a.vehicles = std::stoi(val());
    else if (k == "--fleet-size") a.fleet_size = std::stoi(val());
    else if (k == "--fleet-clients") a.fleet_clients = std::stoi(val());
    else if (k == "--all-clients") a.all_clients = std::stoi(val());
    else if (k == "--warmup") a.warmup_s = std::stoi(val());
    else if (k == "--seconds") a.seconds = std::stoi(val());
    else if (k == "--json") a.json_path = val();
    else if (k == "--enforce") a.enforce = true;
    else if (k == "--direct") a.direct = true;
    else if (k == "--broker-probe") a.broker_probe = true;
    else if (k == "--protobuf") a.protobuf = true;
    else if (k == "--web-toml") a.web_toml = val();
    else if (k == "--help") {
      std::cout << "bench_web [--smoke] [--idle N] [--vehicles N] [--fleet-size N] [--fleet-clients N] "
                   "[--all-clients N] [--warmup S] [--seconds S] [--json FILE] [--enforce] [--direct]\n"
                   "          [--broker-probe] [--protobuf]\n"
                   "          [--web-toml 'key = value']\n"
                   "--direct: fan-out only, into an in-process web server, to separate the web side from ingest.\n"
                   "--broker-probe: a plain MQTT subscriber on every uplink too: the latency up to the hub's door.\n"
                   "--protobuf: the fan-out clients use the binary subprotocol (fleetlink.v1.protobuf).\n"
                   "--web-toml: more lines for the hub's [web] section, e.g. 'event_log = \"off\"'.\n"
                   "FLEETLINK_HUB_BINARY selects the hub binary (default: this build's).\n";
      std::exit(0);
    } else throw std::runtime_error("unknown option " + k + " (--help)");
  }
  return a;
}

std::uint64_t rssBytes(pid_t pid) { return readProcStat(pid).rss_kib * 1024; }

std::string fleetName(int i) { return "f" + std::to_string(i); }
std::string vehicleName(int i) { return "v" + std::to_string(i); }

// When each vehicle's positions were published: a small ring per vehicle of (fix time, steady ns), written by
// the publisher and read by the client threads.
class PublishTimes {
 public:
  explicit PublishTimes(int vehicles) : slots_(static_cast<std::size_t>(vehicles)) {}
  void record(int vehicle, std::int64_t time_ms, std::int64_t ns) {
    auto& ring = slots_[static_cast<std::size_t>(vehicle)];
    auto& s = ring[static_cast<std::size_t>(time_ms / 1000) % kRing];
    s.ns.store(ns, std::memory_order_relaxed);
    s.time_ms.store(time_ms, std::memory_order_release);
  }
  std::int64_t find(int vehicle, std::int64_t time_ms) const {
    if (vehicle < 0 || static_cast<std::size_t>(vehicle) >= slots_.size()) return -1;
    const auto& s = slots_[static_cast<std::size_t>(vehicle)][static_cast<std::size_t>(time_ms / 1000) % kRing];
    if (s.time_ms.load(std::memory_order_acquire) != time_ms) return -1;
    return s.ns.load(std::memory_order_relaxed);
  }

 private:
  static constexpr std::size_t kRing = 16;
  struct Slot {
    std::atomic<std::int64_t> time_ms{0};
    std::atomic<std::int64_t> ns{0};
  };
  std::vector<std::array<Slot, kRing>> slots_;
};

struct Totals {
  std::atomic<bool> measuring{false};
  std::atomic<std::uint64_t> deliveries{0};
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> bytes{0};  // of the frames measured
  std::atomic<std::uint64_t> unmatched{0};
  std::atomic<std::uint64_t> bad_frames{0};  // binary frames that were not a FeedFrame
  std::atomic<int> connected{0};
  std::atomic<int> subscribed{0};
  std::atomic<int> failed{0};
  std::atomic<int> closed{0};
  std::mutex mu;
  std::vector<std::int64_t> latencies_us;       // every client
  std::vector<std::int64_t> room_latencies_us;  // the control-room clients (every fleet) alone
};

// One WebSocket client: connects, authenticates, subscribes, then reads frames and, when measuring, takes
// the latency of every position in them (scanning the text; no JSON parse on the hot path).
class BenchClient : public std::enable_shared_from_this<BenchClient> {
 public:
  BenchClient(net::io_context& ioc, int port, std::string token, json subscribe, Totals& totals,
              const PublishTimes* times, bool protobuf = false)
      : ws_(ioc), port_(port), token_(std::move(token)), subscribe_(std::move(subscribe)), totals_(totals),
        times_(times), control_room_(subscribe_.value("fleets", json::array()).dump() == R"(["*"])"),
        protobuf_(protobuf) {}

  void start() {
    auto& sock = beast::get_lowest_layer(ws_);
    sock.expires_after(std::chrono::seconds(60));
    sock.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)),
                       beast::bind_front_handler(&BenchClient::onConnect, shared_from_this()));
  }

 private:
  void fail() { totals_.failed++; }

  void onConnect(beast::error_code ec) {
    if (ec) return fail();
    ws_.set_option(websocket::stream_base::decorator([tok = token_, pb = protobuf_](websocket::request_type& req) {
      req.set(beast::http::field::authorization, "Bearer " + tok);
      if (pb) req.set(beast::http::field::sec_websocket_protocol, hub::web::kSubprotocolProtobuf);
    }));
    ws_.read_message_max(64 * 1024 * 1024);
    ws_.async_handshake("127.0.0.1", "/ws", beast::bind_front_handler(&BenchClient::onHandshake, shared_from_this()));
  }

  void onHandshake(beast::error_code ec) {
    if (ec) return fail();
    beast::get_lowest_layer(ws_).expires_never();
    // Answer the hub's pings; idle clients stay alive indefinitely.
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    totals_.connected++;
    out_ = subscribe_.dump();
    ws_.text(true);
    ws_.async_write(net::buffer(out_), beast::bind_front_handler(&BenchClient::onSubscribeSent, shared_from_this()));
  }

  void onSubscribeSent(beast::error_code ec, std::size_t) {
    if (ec) return fail();
    doRead();
  }

  void doRead() { ws_.async_read(buf_, beast::bind_front_handler(&BenchClient::onRead, shared_from_this())); }

  void onRead(beast::error_code ec, std::size_t) {
    if (ec) {
      totals_.closed++;
      return;
    }
    const auto data = buf_.cdata();
    std::string_view text(static_cast<const char*>(data.data()), data.size());
    if (ws_.got_binary()) {
      readFeedFrame(text);
      buf_.consume(buf_.size());
      return doRead();
    }
    if (!subscribed_ && text.find("\"type\":\"subscribed\"") != std::string_view::npos) {
      subscribed_ = true;
      totals_.subscribed++;
    }
    if (times_) scan(text);
    buf_.consume(buf_.size());
    doRead();
  }

  // A binary frame: parsed whole (a protobuf client has no cheaper way to find its positions).
  void readFeedFrame(std::string_view bytes) {
    if (!frame_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      totals_.bad_frames++;
      return;
    }
    const bool measuring = times_ && totals_.measuring.load(std::memory_order_relaxed);
    const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch()).count();
    std::uint64_t n = 0;
    std::vector<std::int64_t> lat;
    for (const auto& m : frame_.messages()) {
      if (!subscribed_ && m.type() == "subscribed") {
        subscribed_ = true;
        totals_.subscribed++;
      }
      if (!measuring || m.kind() != "position" || m.vehicle().size() < 2) continue;
      ++n;
      const auto sent = times_->find(std::atoi(m.vehicle().c_str() + 1), m.time_ms());
      if (sent < 0) {
        totals_.unmatched++;
        continue;
      }
      lat.push_back((now_ns - sent) / 1000);
    }
    if (measuring) record(n, lat, bytes.size());
  }

  void record(std::uint64_t deliveries, const std::vector<std::int64_t>& lat, std::size_t bytes) {
    totals_.deliveries += deliveries;
    totals_.frames++;
    totals_.bytes += bytes;
    if (!lat.empty()) {
      std::lock_guard lk(totals_.mu);
      totals_.latencies_us.insert(totals_.latencies_us.end(), lat.begin(), lat.end());
      if (control_room_) totals_.room_latencies_us.insert(totals_.room_latencies_us.end(), lat.begin(), lat.end());
    }
  }

  void scan(std::string_view text) {
    static constexpr std::string_view kAnchor = R"("kind":"position","vehicle":"v)";
    static constexpr std::string_view kTime = R"(","time_ms":)";
    if (!totals_.measuring.load(std::memory_order_relaxed)) return;
    const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch()).count();
    std::uint64_t n = 0;
    std::vector<std::int64_t> lat;
    for (auto p = text.find(kAnchor); p != std::string_view::npos; p = text.find(kAnchor, p + 1)) {
      std::size_t i = p + kAnchor.size();
      int vehicle = 0;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') vehicle = vehicle * 10 + (text[i++] - '0');
      if (text.substr(i, kTime.size()) != kTime) continue;
      i += kTime.size();
      std::int64_t t = 0;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') t = t * 10 + (text[i++] - '0');
      ++n;
      const auto sent = times_->find(vehicle, t);
      if (sent < 0) {
        totals_.unmatched++;
        continue;
      }
      lat.push_back((now_ns - sent) / 1000);
    }
    record(n, lat, text.size());
  }

  websocket::stream<beast::tcp_stream> ws_;
  int port_;
  std::string token_;
  json subscribe_;
  Totals& totals_;
  const PublishTimes* times_;
  beast::flat_buffer buf_;
  std::string out_;
  bool subscribed_ = false;
  bool control_room_;
  bool protobuf_;
  fleetlink::v1::FeedFrame frame_;
};

// Starts `clients` at most `parallel` handshakes at a time; returns when all are subscribed or failed.
bool openClients(net::io_context& ioc, std::vector<std::shared_ptr<BenchClient>>& clients, Totals& t,
                 std::chrono::seconds timeout) {
  const auto deadline = Steady::now() + timeout;
  const int base_ok = t.subscribed.load(), base_failed = t.failed.load();
  std::size_t next = 0;
  constexpr int kParallel = 200;
  while (Steady::now() < deadline) {
    const int done = (t.subscribed.load() - base_ok) + (t.failed.load() - base_failed);
    while (next < clients.size() && static_cast<int>(next) - done < kParallel) {
      auto c = clients[next++];
      net::post(ioc, [c] { c->start(); });
    }
    if (done >= static_cast<int>(clients.size())) return t.failed.load() == base_failed;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

void raiseFileLimit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

// A quantile of a Prometheus histogram in `text`: the upper bound of the bucket that holds it (0 when absent).
double histogramQuantile(const std::string& text, const std::string& name, double q) {
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
  const std::string prefix = name + "_bucket{le=\"";
  for (auto p = text.find(prefix); p != std::string::npos; p = text.find(prefix, p + 1)) {
    const auto le_at = p + prefix.size();
    const auto le_end = text.find('"', le_at);
    const auto le_text = text.substr(le_at, le_end - le_at);
    const double le = le_text == "+Inf" ? std::numeric_limits<double>::infinity() : std::strtod(le_text.c_str(), nullptr);
    buckets.emplace_back(le, std::strtod(text.c_str() + text.find("} ", le_end) + 2, nullptr));
  }
  if (buckets.empty() || buckets.back().second <= 0) return 0;
  const double want = q * buckets.back().second;
  for (const auto& [le, count] : buckets)
    if (count >= want) return le;
  return buckets.back().first;
}

std::string uplink(const std::string& fleet, const std::string& vehicle, std::uint64_t seq, std::int64_t time_ms,
                   double lat, double lon) {
  v1::Uplink u;
  u.set_fleet_id(fleet);
  u.set_vehicle_id(vehicle);
  u.set_device_id("dev-" + vehicle);
  u.set_sent_at_ms(time_ms);
  auto* r = u.add_records();
  r->set_seq(seq);
  r->set_epoch(1);
  r->set_time_ms(time_ms);
  r->set_time_source(v1::TIME_SOURCE_GPS);
  auto* p = r->mutable_position();
  p->set_lat(lat);
  p->set_lon(lon);
  p->set_speed_mps(8.0f);
  p->set_heading_deg(90.0f);
  p->set_fix_mode(v1::FIX_MODE_3D);
  p->set_satellites(9);
  return u.SerializeAsString();
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parseArgs(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  raiseFileLimit();
  json result = {{"benchmark", "web"}, {"smoke", a.smoke}, {"direct", a.direct}, {"web_toml", a.web_toml}};

  std::optional<Broker> broker;
  std::optional<HubProcess> hub;
  std::unique_ptr<ServerUnderTest> direct;
  int port = 0;
  if (a.direct) {
    auto settings = webSettings();
    settings.max_clients = 19000;
    settings.client_queue_max = 16384;  // the hub's defaults, as in the full run
    settings.client_conflate_after = 64;
    direct = std::make_unique<ServerUnderTest>(settings);
    port = direct->port();
  } else {
    // As the production broker is configured (deploy/mosquitto/fleetlink.conf): each message sent at once.
    broker.emplace(test::Broker::Options{.extra_config = "set_tcp_nodelay true\n"});
    broker->start();
    // Two connection threads unless --web-toml says otherwise (TOML forbids a key twice).
    const bool threads_given = a.web_toml.find("threads") != std::string::npos;
    hub.emplace(*broker, std::string("max_clients = 19000\n") + (threads_given ? "" : "threads = 2\n") + a.web_toml);
    hub->start();
    port = hub->webPort();
  }
  const auto admin = token(hub::web::Role::Admin, {});

  // ---- 1. idle connections ------------------------------------------------------------------------
  if (hub) {
    net::io_context ioc;
    auto guard = net::make_work_guard(ioc);
    std::jthread io([&] { ioc.run(); });
    Totals t;
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const auto rss0 = rssBytes(hub->pid());
    std::vector<std::shared_ptr<BenchClient>> clients;
    for (int i = 0; i < a.idle; ++i)
      clients.push_back(std::make_shared<BenchClient>(
          ioc, port, admin, json{{"type", "subscribe"}, {"fleets", {"idle" + std::to_string(i % 100)}}}, t, nullptr));
    const auto t0 = Steady::now();
    if (!openClients(ioc, clients, t, std::chrono::seconds(a.smoke ? 60 : 300)))
      std::printf("idle connections: not all opened (%d failed)\n", t.failed.load());
    const double open_s = std::chrono::duration<double>(Steady::now() - t0).count();
    std::this_thread::sleep_for(std::chrono::seconds(2));  // let the hub settle (allocator, queues)
    const auto rss1 = rssBytes(hub->pid());
    const int held = t.subscribed.load() - t.closed.load();
    const double per_conn = held > 0 ? static_cast<double>(rss1 - rss0) / held : 0;
    const auto stats = httpRequest(port, "GET", "/readyz").json();
    std::printf("idle connections: %d of %d held (%d failed) in %.1f s; hub RSS %.1f -> %.1f MiB, %.0f bytes "
                "(%.2f KiB) per connection; hub reports %s WebSocket clients\n",
                held, a.idle, t.failed.load(), open_s, rss0 / 1048576.0, rss1 / 1048576.0, per_conn,
                per_conn / 1024.0, stats.is_object() ? stats["web"]["websocket_clients"].dump().c_str() : "?");
    result["idle"] = {{"requested", a.idle},    {"held", held},           {"failed", t.failed.load()},
                      {"open_seconds", open_s}, {"hub_rss_before", rss0}, {"hub_rss_after", rss1},
                      {"bytes_per_connection", per_conn}};
    clients.clear();
    ioc.stop();
    io.join();
  }
  // Let the hub see the closes before the fan-out phase.
  if (hub) waitUntil([&] {
    auto r = httpRequest(port, "GET", "/readyz").json();
    return r.is_object() && r["web"]["websocket_clients"] == 0;
  }, std::chrono::seconds(60));

  // ---- 2. fan-out under the issue's load shape ------------------------------------------------------
  const int fleets = (a.vehicles + a.fleet_size - 1) / a.fleet_size;
  PublishTimes times(a.vehicles);
  Totals t;
  net::io_context ioc;
  auto guard = net::make_work_guard(ioc);
  std::jthread io([&] { ioc.run(); });
  std::vector<std::shared_ptr<BenchClient>> clients;
  for (int i = 0; i < a.fleet_clients; ++i) {
    const auto f = fleetName(i % fleets);
    clients.push_back(std::make_shared<BenchClient>(ioc, port, token(hub::web::Role::Dispatcher, {f}),
                                                    json{{"type", "subscribe"}, {"fleets", {f}}}, t, &times,
                                                    a.protobuf));
  }
  for (int i = 0; i < a.all_clients; ++i)
    clients.push_back(std::make_shared<BenchClient>(ioc, port, admin, json{{"type", "subscribe"}, {"fleets", {"*"}}},
                                                    t, &times, a.protobuf));
  if (!openClients(ioc, clients, t, std::chrono::seconds(120)))
    throw std::runtime_error("fan-out clients could not all subscribe (" + std::to_string(t.failed.load()) + " failed)");

  // A publisher that may buffer a whole second of positions: QoS 0 publishes are queued by Paho's thread.
  std::unique_ptr<mqtt::async_client> pub;
  if (broker) {
    pub = std::make_unique<mqtt::async_client>(broker->uri(), "bench-web-pub", mqttx::createOptions(4 * a.vehicles + 1000));
    auto opts = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(true).finalize();
    pub->connect(opts)->wait_for(std::chrono::seconds(10));
    if (!pub->is_connected()) throw std::runtime_error("publisher could not connect to " + broker->uri());
  }
  // The broker's share: the same positions received by a plain MQTT subscriber (QoS 0) beside the hub.
  std::mutex probe_mu;
  std::vector<std::int64_t> probe_lat;
  std::unique_ptr<mqtt::async_client> probe;
  if (broker && a.broker_probe) {
    probe = std::make_unique<mqtt::async_client>(broker->uri(), "bench-web-probe", mqttx::createOptions(1000));
    probe->set_message_callback([&](mqtt::const_message_ptr m) {
      if (!t.measuring.load(std::memory_order_relaxed)) return;
      const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch()).count();
      v1::Uplink u;
      if (!u.ParseFromString(m->get_payload_str()) || u.records_size() == 0 || u.vehicle_id().size() < 2) return;
      const auto sent = times.find(std::atoi(u.vehicle_id().c_str() + 1), u.records(0).time_ms());
      if (sent < 0) return;
      std::lock_guard lk(probe_mu);
      probe_lat.push_back((now_ns - sent) / 1000);
    });
    auto opts = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(true).finalize();
    probe->connect(opts)->wait_for(std::chrono::seconds(10));
    probe->subscribe(topics::vehicleUp("+", "+"), 0)->wait_for(std::chrono::seconds(10));
  }
  std::atomic<std::uint64_t> publish_retries{0};
  std::vector<std::uint64_t> seq(static_cast<std::size_t>(a.vehicles), 0);
  std::atomic<bool> publishing{true};
  std::atomic<std::uint64_t> published{0};
  std::jthread publisher([&] {
    // Each vehicle once a second, spread evenly over the second in 10 ms slices.
    constexpr int kSlices = 100;
    auto next = Steady::now();
    for (std::int64_t round = 0; publishing; ++round) {
      for (int s = 0; s < kSlices && publishing; ++s) {
        next += std::chrono::milliseconds(1000 / kSlices);
        for (int v = s; v < a.vehicles; v += kSlices) {
          const auto now_ms = SystemClock().nowMs();
          const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch()).count();
          const auto f = fleetName(v / a.fleet_size), id = vehicleName(v);
          times.record(v, now_ms, ns);
          if (direct) {
            direct->publish(positionEvent(f, id, now_ms, 52.0 + v * 1e-4, 4.0 + static_cast<double>(round) * 1e-5));
            published++;
            continue;
          }
          const auto payload = uplink(f, id, ++seq[static_cast<std::size_t>(v)], now_ms, 52.0 + v * 1e-4,
                                      4.0 + static_cast<double>(round) * 1e-5);
          for (int attempt = 0; attempt < 1000; ++attempt) {
            try {
              pub->publish(topics::vehicleUp(f, id), payload.data(), payload.size(), 0, false);
              break;
            } catch (const mqtt::exception&) {
              publish_retries++;  // Paho's queue is full: the broker is behind; wait a moment
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
          }
          published++;
        }
        std::this_thread::sleep_until(next);
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(a.warmup_s));
  const auto pub0 = published.load();
  // CPU over the window: the hub, the broker and this program (publisher and every client), so the latency
  // can be read against what each part used of the machine.
  auto cpu = [&] {
    return std::array<double, 3>{hub ? readProcStat(hub->pid()).cpu_s : 0.0,
                                 broker ? readProcStat(broker->pid()).cpu_s : 0.0, readProcStat(::getpid()).cpu_s};
  };
  const auto cpu0 = cpu();
  const auto window0 = std::chrono::steady_clock::now();
  t.measuring = true;
  std::this_thread::sleep_for(std::chrono::seconds(a.seconds));
  t.measuring = false;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - window0).count();
  const auto cpu1 = cpu();
  auto share = [&](std::size_t i) { return 100.0 * (cpu1[i] - cpu0[i]) / secs; };
  const auto pub1 = published.load();
  publishing = false;
  publisher.join();
  try {
    if (pub) pub->disconnect()->wait_for(std::chrono::seconds(5));
  } catch (const mqtt::exception&) {
  }

  std::vector<std::int64_t> lat, room_lat;
  {
    std::lock_guard lk(t.mu);
    lat = t.latencies_us;
    room_lat = t.room_latencies_us;
  }
  if (probe) {
    try {
      probe->disconnect()->wait_for(std::chrono::seconds(5));
    } catch (const mqtt::exception&) {
    }
  }
  std::sort(probe_lat.begin(), probe_lat.end());
  std::sort(lat.begin(), lat.end());
  std::sort(room_lat.begin(), room_lat.end());
  auto pctOf = [](const std::vector<std::int64_t>& v, double q) {
    if (v.empty()) return 0.0;
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5))] / 1000.0;
  };
  auto pct = [&](double q) { return pctOf(lat, q); };
  const double in_rate = static_cast<double>(pub1 - pub0) / secs;
  const double offered_out = in_rate * (static_cast<double>(a.fleet_clients) / fleets + a.all_clients);
  const double out_rate = static_cast<double>(t.deliveries.load()) / secs;
  const auto metrics = httpRequest(port, "GET", "/metrics").body;
  auto metric = [&](const std::string& name) -> double {
    auto p = metrics.find("\n" + name + " ");
    if (p == std::string::npos) return 0;
    return std::strtod(metrics.c_str() + p + name.size() + 2, nullptr);
  };
  std::printf("fan-out: %d vehicles at 1 Hz (%.0f positions/s published), %d fleet clients + %d all-fleet clients\n",
              a.vehicles, in_rate, a.fleet_clients, a.all_clients);
  const double bytes_per_delivery =
      t.deliveries.load() > 0 ? static_cast<double>(t.bytes.load()) / static_cast<double>(t.deliveries.load()) : 0.0;
  std::printf("  deliveries: %.0f/s received (%.0f/s offered, %.1f%%), %.0f frames/s, %d clients closed\n", out_rate,
              offered_out, offered_out > 0 ? 100.0 * out_rate / offered_out : 0.0,
              static_cast<double>(t.frames.load()) / secs, t.closed.load());
  std::printf("  feed: %s, %.0f bytes per delivery (%.1f MiB/s to the clients)\n",
              a.protobuf ? "binary subprotocol (fleetlink.v1.protobuf)" : "JSON", bytes_per_delivery,
              static_cast<double>(t.bytes.load()) / secs / 1048576.0);
  std::printf("  latency MQTT publish -> WebSocket client: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu samples)\n",
              pct(0.5), pct(0.99), lat.empty() ? 0.0 : lat.back() / 1000.0, lat.size());
  std::printf("    of which control-room clients (every fleet): p50 %.1f ms, p99 %.1f ms (%zu samples); "
              "fleet clients: the rest\n",
              pctOf(room_lat, 0.5), pctOf(room_lat, 0.99), room_lat.size());
  if (probe)
    std::printf("  latency MQTT publish -> plain MQTT subscriber (the broker alone): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                pctOf(probe_lat, 0.5), pctOf(probe_lat, 0.99), probe_lat.empty() ? 0.0 : probe_lat.back() / 1000.0);
  // Where the time goes inside the hub, from its own histograms over the whole run (bucket upper bounds, ms).
  const std::pair<const char*, const char*> stages[] = {
      {"core wait", "fleetlink_hub_core_wait_seconds"},   {"core batch", "fleetlink_hub_core_batch_seconds"},
      {"fan-out wait", "fleetlink_web_fanout_wait_seconds"}, {"fan-out batch", "fleetlink_web_fanout_batch_seconds"},
      {"client wait", "fleetlink_web_client_wait_seconds"}, {"write", "fleetlink_web_write_seconds"}};
  std::printf("  hub stages, p99 <= (ms):");
  json stage_json = json::object();
  for (const auto& [label, name] : stages) {
    const double v = histogramQuantile(metrics, name, 0.99) * 1000.0;
    std::printf(" %s %g;", label, v);
    stage_json[label] = v;
  }
  std::printf("\n");
  std::printf("  publisher: %llu waits for Paho's queue\n", static_cast<unsigned long long>(publish_retries.load()));
  std::printf("  CPU (%% of one core; the machine has %u): hub %.0f %%, broker %.0f %%, this program (publisher and "
              "clients) %.0f %%\n",
              std::thread::hardware_concurrency(), share(0), share(1), share(2));
  // The hub's memory now holds each fleet's recent events (web.history_events per fleet) besides its clients.
  const auto rss_end = hub ? rssBytes(hub->pid()) : 0;
  std::printf("  hub: %.0f conflated, %.0f dropped for the fan-out queue; RSS %.1f MiB at the end\n",
              metric("fleetlink_web_messages_dropped_total{reason=\"conflated\"}"),
              metric("fleetlink_web_messages_dropped_total{reason=\"fanout_queue_full\"}"), rss_end / 1048576.0);
  result["fanout"] = {{"vehicles", a.vehicles},
                      {"fleet_clients", a.fleet_clients},
                      {"all_clients", a.all_clients},
                      {"seconds", secs},
                      {"published_per_s", in_rate},
                      {"offered_deliveries_per_s", offered_out},
                      {"deliveries_per_s", out_rate},
                      {"frames_per_s", static_cast<double>(t.frames.load()) / secs},
                      {"feed", a.protobuf ? "protobuf" : "json"},
                      {"bytes_per_delivery", bytes_per_delivery},
                      {"clients_closed", t.closed.load()},
                      {"publisher_waits", publish_retries.load()},
                      {"cpu_percent", {{"hub", share(0)}, {"broker", share(1)}, {"bench", share(2)}}},
                      {"hub_rss_end", rss_end},
                      {"latency_samples", lat.size()},
                      {"latency_p50_ms", pct(0.5)},
                      {"latency_p99_ms", pct(0.99)},
                      {"latency_max_ms", lat.empty() ? 0.0 : lat.back() / 1000.0},
                      {"control_room_latency_p50_ms", pctOf(room_lat, 0.5)},
                      {"control_room_latency_p99_ms", pctOf(room_lat, 0.99)},
                      {"hub_stage_p99_ms_at_most", stage_json}};
  if (probe) result["fanout"]["broker_only_latency_p99_ms"] = pctOf(probe_lat, 0.99);
  clients.clear();
  ioc.stop();
  io.join();

  if (!a.json_path.empty()) std::ofstream(a.json_path) << result.dump(2) << "\n";
  // A run that measured nothing is a failed run, in the smoke version too.
  bool ok = (a.direct || result["idle"]["held"].get<int>() == a.idle) && !lat.empty() && t.closed.load() == 0 &&
            t.bad_frames.load() == 0;
  if (t.bad_frames.load() > 0) std::printf("  %llu binary frames were not a FeedFrame\n",
                                           static_cast<unsigned long long>(t.bad_frames.load()));
  if (a.enforce) {
    ok = ok && (a.direct || result["idle"]["bytes_per_connection"].get<double>() < 8192) && pct(0.99) < 50.0;
  }
  if (!ok) std::printf("FAILED: %s\n", a.enforce ? "targets not met (15,000 idle at < 8 KiB, p99 < 50 ms)" : "the run measured nothing or lost clients");
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_web: %s\n", e.what());
  return 2;
}
