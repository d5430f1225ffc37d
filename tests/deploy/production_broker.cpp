#include "production_broker.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/ports.hpp"

namespace fleetlink::test::deploy {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {
std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Replaces the one line equal to `from` with `to`; a production file without that line fails the test setup.
void replaceLine(std::string& text, const std::string& from, const std::string& to) {
  std::istringstream in(text);
  std::string out, line;
  int hits = 0;
  while (std::getline(in, line)) {
    if (line == from) {
      ++hits;
      out += to + "\n";
    } else {
      out += line + "\n";
    }
  }
  if (hits != 1)
    throw std::runtime_error("deploy/mosquitto/fleetlink.conf: expected exactly one line \"" + from + "\", found " +
                             std::to_string(hits));
  text = out;
}
}  // namespace

void makeCredentials(const std::string& dir, const std::vector<FleetAccounts>& fleets, const std::string& auth) {
  for (const auto& f : fleets) {
    std::vector<std::string> argv = {"bash", sourcePath("deploy/fleet-credentials.sh"), "--out", dir, "--fleet", f.fleet,
                                     "--broker-host", "localhost", "--san", "IP:127.0.0.1", "--auth", auth};
    for (const auto& v : f.vehicles) argv.insert(argv.end(), {"--vehicle", v});
    for (const auto& a : f.admins) argv.insert(argv.end(), {"--admin", a});
    auto r = run(argv, std::chrono::seconds(60));
    if (r.code != 0) throw std::runtime_error("fleet-credentials.sh failed:\n" + r.output);
  }
}

std::string testCopyOfProductionConfig(const std::string& production, const std::string& broker_files_dir,
                                       const std::string& data_dir, int tls_port, int mtls_port, int local_port) {
  std::string c = production;
  replaceLine(c, "listener 8883", "listener " + std::to_string(tls_port) + " 127.0.0.1");
  replaceLine(c, "listener 8884", "listener " + std::to_string(mtls_port) + " 127.0.0.1");
  replaceLine(c, "listener 1883 127.0.0.1", "listener " + std::to_string(local_port) + " 127.0.0.1");
  replaceLine(c, "persistence_location /var/lib/mosquitto/", "persistence_location " + data_dir + "/");
  replaceLine(c, "log_dest syslog", "log_dest stderr");
  const std::string etc = "/etc/mosquitto/fleetlink/";
  for (auto pos = c.find(etc); pos != std::string::npos; pos = c.find(etc, pos))
    c.replace(pos, etc.size(), broker_files_dir + "/");
  // Every TLS listener binds loopback only.
  c += "\n# test copy\n";
  if (::geteuid() == 0) c += "user root\n";  // the credential files are in a test folder only root can read
  return c;
}

ProductionBroker::ProductionBroker(std::vector<FleetAccounts> fleets, const std::string& auth)
    : dir_("fleetlink-pki"), data_("fleetlink-prod-broker"), tls_port_(freePort()), mtls_port_(freePort()),
      local_port_(freePort()) {
  makeCredentials(dir_.path(), fleets, auth);
  start();
}

ProductionBroker::~ProductionBroker() { proc_.kill9(); }

void ProductionBroker::start() {
  const auto conf = testCopyOfProductionConfig(readFile(sourcePath("deploy/mosquitto/fleetlink.conf")),
                                               dir_.path() + "/broker", data_.path(), tls_port_, mtls_port_,
                                               local_port_);
  data_.write("mosquitto.conf", conf);
  proc_ = Process({"mosquitto", "-c", data_.file("mosquitto.conf")}, data_.file("mosquitto.log"));
  const bool up = waitUntil(
      [this] {
        return (portOpen(tls_port_) && portOpen(mtls_port_) && portOpen(local_port_)) || !proc_.running();
      },
      std::chrono::seconds(10));
  if (!up || !proc_.running()) throw std::runtime_error("production mosquitto did not start:\n" + log());
}

void ProductionBroker::stop() { proc_.stop(std::chrono::seconds(10)); }

std::string ProductionBroker::vehicleDir(const std::string& fleet, const std::string& vehicle) const {
  return dir_.path() + "/vehicles/" + fleet + "/" + vehicle;
}
std::string ProductionBroker::vehiclePassword(const std::string& fleet, const std::string& vehicle) const {
  return trimmed(readFile(vehicleDir(fleet, vehicle) + "/password"));
}
std::string ProductionBroker::adminPassword(const std::string& fleet, const std::string& admin) const {
  return trimmed(readFile(dir_.path() + "/admins/" + fleet + "/" + admin + "/password"));
}
std::string ProductionBroker::hubPassword() const { return trimmed(readFile(dir_.path() + "/hub/password")); }

mqttx::Endpoint ProductionBroker::vehicleWithPassword(const std::string& fleet, const std::string& vehicle) const {
  mqttx::Endpoint e;
  e.port = tls_port_;
  e.tls = true;
  e.tls_ca = caFile();
  e.username = vehicle + "@" + fleet;
  e.password = vehiclePassword(fleet, vehicle);
  return e;
}

mqttx::Endpoint ProductionBroker::vehicleWithCertificate(const std::string& fleet, const std::string& vehicle) const {
  mqttx::Endpoint e;
  e.port = mtls_port_;
  e.tls = true;
  e.tls_ca = caFile();
  e.tls_cert = vehicleDir(fleet, vehicle) + "/vehicle.crt";
  e.tls_key = vehicleDir(fleet, vehicle) + "/vehicle.key";
  return e;
}

mqttx::Endpoint ProductionBroker::hub() const {
  mqttx::Endpoint e;
  e.port = local_port_;
  e.username = "fleetlink-hub";
  e.password = hubPassword();
  return e;
}

mqttx::Endpoint ProductionBroker::admin(const std::string& fleet, const std::string& admin) const {
  mqttx::Endpoint e;
  e.port = tls_port_;
  e.tls = true;
  e.tls_ca = caFile();
  e.username = admin + ".admin@" + fleet;
  e.password = adminPassword(fleet, admin);
  return e;
}

AuthClient::AuthClient(const mqttx::Endpoint& endpoint, const std::string& client_id)
    : endpoint_(endpoint), client_(mqttx::serverUri(endpoint), client_id, mqttx::createOptions()) {
  client_.set_callback(*this);
}

AuthClient::~AuthClient() {
  try {
    if (client_.is_connected()) client_.disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
  }
}

int AuthClient::connect(std::chrono::milliseconds timeout) {
  try {
    auto opts = mqttx::connectOptions(endpoint_, true, std::chrono::seconds(0));
    opts.set_connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout));
    auto tok = client_.connect(opts);
    if (!tok->wait_for(timeout + std::chrono::seconds(2))) {
      error_ = "timeout";
      return -1;
    }
    return tok->get_reason_code();
  } catch (const mqtt::exception& e) {
    error_ = e.what();
    if (e.get_reason_code() >= 0x80) return e.get_reason_code();
    // Paho 1.2 puts an MQTT 5 CONNACK refusal in the return code ("MQTT error [135]: CONNACK return code").
    if (e.get_return_code() >= 0x80) return e.get_return_code();
    // Paho reports MQTT 3-style CONNACK codes for some refusals: 4 bad credentials, 5 not authorised.
    if (e.get_return_code() == 4) return mqtt::BAD_USER_NAME_OR_PASSWORD;
    if (e.get_return_code() == 5) return mqtt::NOT_AUTHORIZED;
    return -1;
  }
}

int AuthClient::publish(const std::string& topic, const std::string& payload, bool retained) {
  try {
    auto tok = client_.publish(topic, payload.data(), payload.size(), 1, retained);
    if (!tok->wait_for(std::chrono::seconds(10))) return -1;
    return tok->get_reason_code();
  } catch (const mqtt::exception& e) {
    error_ = e.what();
    return e.get_reason_code() >= 0x80 ? e.get_reason_code() : -1;
  }
}

int AuthClient::subscribe(const std::string& filter, int qos) {
  try {
    auto tok = client_.subscribe(filter, qos);
    if (!tok->wait_for(std::chrono::seconds(10))) return -1;
    const auto codes = tok->get_subscribe_response().get_reason_codes();
    return codes.empty() ? static_cast<int>(tok->get_reason_code()) : static_cast<int>(codes.front());
  } catch (const mqtt::exception& e) {
    error_ = e.what();
    return e.get_reason_code() >= 0x80 ? e.get_reason_code() : -1;
  }
}

void AuthClient::message_arrived(mqtt::const_message_ptr msg) {
  std::lock_guard lock(mu_);
  msgs_.emplace_back(msg->get_topic(), msg->to_string());
}

std::vector<std::pair<std::string, std::string>> AuthClient::messages() const {
  std::lock_guard lock(mu_);
  return msgs_;
}

bool AuthClient::waitForTopic(const std::string& topic, std::chrono::milliseconds timeout) const {
  return waitUntil(
      [&] {
        for (const auto& m : messages())
          if (m.first == topic) return true;
        return false;
      },
      timeout);
}

}  // namespace fleetlink::test::deploy
