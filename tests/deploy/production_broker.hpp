#pragma once
// The production Mosquitto configuration (deploy/mosquitto/fleetlink.conf) with credentials made by
// deploy/fleet-credentials.sh, started as a real broker. The test copy differs from the real file only in what a
// test must change: free loopback ports, the folder of the credential files, the persistence folder and logging
// to stderr. Authentication, TLS and the ACL are exactly the production ones.
#include <chrono>
#include <string>
#include <vector>

#include <mqtt/async_client.h>

#include "fleetlink/common/mqtt_endpoint.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace fleetlink::test::deploy {

struct FleetAccounts {
  std::string fleet;
  std::vector<std::string> vehicles;
  std::vector<std::string> admins;
};

// Runs deploy/fleet-credentials.sh for each fleet into `dir` (host names localhost and IP 127.0.0.1).
void makeCredentials(const std::string& dir, const std::vector<FleetAccounts>& fleets, const std::string& auth = "cert");

// The production config rewritten for a test; throws when a line it must rewrite is missing.
std::string testCopyOfProductionConfig(const std::string& production, const std::string& broker_files_dir,
                                       const std::string& data_dir, int tls_port, int mtls_port, int local_port);

class ProductionBroker {
 public:
  // `auth` is what the vehicles' identity files use: "cert" (mutual TLS) or "password".
  explicit ProductionBroker(std::vector<FleetAccounts> fleets, const std::string& auth = "cert");
  ~ProductionBroker();
  void start();
  void stop();

  int tlsPort() const { return tls_port_; }     // TLS + password (production 8883)
  int mtlsPort() const { return mtls_port_; }   // mutual TLS, certificate = account (production 8884)
  int localPort() const { return local_port_; } // loopback, password (production 1883)
  const std::string& pki() const { return dir_.path(); }
  std::string caFile() const { return dir_.path() + "/ca/ca.crt"; }
  std::string vehicleDir(const std::string& fleet, const std::string& vehicle) const;
  std::string vehiclePassword(const std::string& fleet, const std::string& vehicle) const;
  std::string adminPassword(const std::string& fleet, const std::string& admin) const;
  std::string hubPassword() const;
  std::string log() const { return proc_.logText(); }

  // Endpoints of the three kinds of account.
  mqttx::Endpoint vehicleWithPassword(const std::string& fleet, const std::string& vehicle) const;
  mqttx::Endpoint vehicleWithCertificate(const std::string& fleet, const std::string& vehicle) const;
  mqttx::Endpoint hub() const;
  mqttx::Endpoint admin(const std::string& fleet, const std::string& admin) const;

 private:
  TempDir dir_;
  TempDir data_;
  int tls_port_, mtls_port_, local_port_;
  Process proc_;
};

// One MQTT 5 connection with given credentials, recording what arrives and the broker's answers.
class AuthClient : public virtual mqtt::callback {
 public:
  AuthClient(const mqttx::Endpoint& endpoint, const std::string& client_id);
  ~AuthClient() override;
  // Connects; returns the CONNACK reason code (0 = accepted, >= 0x80 refused) or -1 when no MQTT answer came
  // (TCP/TLS failure). `error` tells what happened.
  int connect(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  const std::string& error() const { return error_; }
  // QoS 1 publish; the PUBACK reason code (0 success, 0x87 not authorised) or -1 on failure.
  int publish(const std::string& topic, const std::string& payload, bool retained = false);
  // Subscribes; the SUBACK reason code of the filter (0/1 granted QoS, >= 0x80 refused) or -1.
  int subscribe(const std::string& filter, int qos = 1);
  std::vector<std::pair<std::string, std::string>> messages() const;
  bool waitForTopic(const std::string& topic, std::chrono::milliseconds timeout) const;
  bool isConnected() { return client_.is_connected(); }

 private:
  void message_arrived(mqtt::const_message_ptr msg) override;
  mqttx::Endpoint endpoint_;
  mqtt::async_client client_;
  std::string error_;
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> msgs_;
};

std::string readFile(const std::string& path);

}  // namespace fleetlink::test::deploy
