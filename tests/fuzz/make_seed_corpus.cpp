// Writes the seed corpora under fuzz/corpus/<target>/ from real encoded messages: uplinks a simulated vehicle
// builds, admin requests as fleetlinkctl and mosquitto_pub send them, the shipped config files, dashboard
// WebSocket frames and broker packet streams. Run once after a wire change: fleetlink-fuzz-seeds <repo>/fuzz/corpus
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "fleetlink/common/wire_json.hpp"
#include "tools/fleet-sim/mqtt5_codec.hpp"
#include "tools/fleet-sim/sim_vehicle.hpp"

using namespace fleetlink;
namespace fs = std::filesystem;

namespace {

fs::path root;

void put(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary) << bytes;
}

std::string fileText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void uplinks() {
  std::vector<sim::TrackPoint> pts;
  for (int i = 0; i < 30; ++i) pts.push_back({52.37 + i * 0.0001, 4.89, 3.0f, 9.0f, 10.0f, 8});
  sim::VehicleBehaviour b;
  b.health_every_ms = 2000;
  b.panic_first_ms = 3000;
  b.panic_resend_ms = 100'000;
  b.outage_first_ms = 5000;
  b.outage_length_ms = 3000;
  b.backlog_batch = 3;
  sim::SimVehicle v({"acme", "truck-1", "dev-1", "drv-1", 7, 3}, b,
                    sim::TrackCursor(std::make_shared<const sim::Track>("seed", pts), 0, 0, 0));
  const std::int64_t t0 = 1'780'000'000'000;
  v.start(t0);
  v1::Command ping;
  ping.set_command_id("c-1");
  ping.mutable_ping();
  int n = 0;
  for (int s = 0; s < 10; ++s) {
    if (s == 2) v.onCommand(ping.SerializeAsString(), t0 + s * 1000);
    v.tick(t0 + s * 1000, true);
    std::vector<sim::OutMessage> out;
    v.collect(t0 + s * 1000, true, 4, out);
    for (const auto& m : out) {
      v.acked(m.send_id, m.first_seq, m.last_seq);
      if (s == 0 || s == 2 || s == 3 || s == 8) put("uplink_decoder", "sim-" + std::to_string(++n), m.payload);
    }
  }
  // One speaking for another vehicle, and a record with an impossible position, for the validator's paths.
  v1::Uplink other;
  other.set_fleet_id("acme");
  other.set_vehicle_id("truck-2");
  auto* r = other.add_records();
  r->set_seq(1);
  r->set_epoch(1);
  r->set_time_ms(t0);
  r->mutable_position()->set_lat(91);
  put("uplink_decoder", "wrong-vehicle", other.SerializeAsString());
  other.set_vehicle_id("truck-1");
  put("uplink_decoder", "bad-position", other.SerializeAsString());
}

void adminRequests() {
  put("admin_request", "list.json", R"({"action":"vehicles.list","actor":"ops"})");
  put("admin_request", "ack.json",
      R"({"action":"alerts.ack","actor":"dispatch-7","args":{"alert_id":"a-42","note":"driver called","escalate":false}})");
  put("admin_request", "config.json",
      R"({"action":"vehicles.config","actor":"ops","args":{"vehicle":"truck-1","set":{"report.moving_interval":"2s"},"ttl_s":600}})");
  v1::AdminRequest req;
  req.set_action("history.export");
  req.set_actor("ops");
  auto& f = *req.mutable_args()->mutable_fields();
  f["vehicle"].set_string_value("truck-1");
  f["from_ms"].set_number_value(1.78e12);
  f["limit"].set_number_value(500);
  put("admin_request", "export.pb", req.SerializeAsString());
}

void configs(const fs::path& repo) {
  for (const auto& p : {"firmware-config/profiles/rpi4-cm4.toml", "deploy/local/edge.toml", "deploy/local/hub.toml"})
    put("config_parser", fs::path(p).parent_path().filename().string() + "-" + fs::path(p).filename().string(),
        fileText(repo / p));
  put("config_parser", "overrides.toml", "[mqtt]\nport = 8883\ntls = true\nkeepalive = \"45s\"\n[outbox]\nmax_bytes = \"64MiB\"\n");
}

void clientMessages() {
  put("client_message", "subscribe.json",
      R"({"type":"subscribe","fleets":["acme"],"vehicles":["truck-1","truck-2"],"kinds":["position","alert"]})");
  put("client_message", "resume.json",
      R"({"type":"subscribe","fleets":["*"],"epoch":"e-17","resume":{"acme":1042}})");
  put("client_message", "ping.json", R"({"type":"ping","id":7})");
  put("client_message", "unsubscribe.json", R"({"type":"unsubscribe"})");
}

void brokerStreams() {
  std::string s;
  s += std::string("\x20\x06\x00\x00\x03\x21\x00\x14", 8);  // CONNACK, receive maximum 20
  sim::mqtt5::appendPublish(s, "fl/v1/acme/v/truck-1/cmd", "\x0a\x03" "c-1" "\x6a\x00", 1, false, 9);
  s += std::string("\x40\x02\x00\x01" "\x90\x04\x00\x02\x00\x01" "\xd0\x00", 12);  // PUBACK, SUBACK, PINGRESP
  put("mqtt5_reader", "session", s);
  put("mqtt5_reader", "disconnect", std::string("\xe0\x02\x8b\x00", 4));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "Usage: fleetlink-fuzz-seeds CORPUS_DIR REPO_DIR\n";
    return 2;
  }
  root = argv[1];
  uplinks();
  adminRequests();
  configs(argv[2]);
  clientMessages();
  brokerStreams();
  std::cout << "seed corpora written under " << root << "\n";
  return 0;
}
