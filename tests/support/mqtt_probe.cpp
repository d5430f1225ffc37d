#include "support/mqtt_probe.hpp"

#include <random>
#include <stdexcept>
#include <thread>

#include "fleetlink/common/mqtt_endpoint.hpp"

namespace fleetlink::test {
namespace {
std::string randomId() {
  std::random_device rd;
  return "probe-" + std::to_string(rd() % 1000000000);
}
}  // namespace

MqttProbe::MqttProbe(const std::string& uri, const std::vector<std::string>& filters, const std::string& client_id,
                     bool clean_start)
    : client_(uri, client_id.empty() ? randomId() : client_id, mqttx::createOptions()) {
  client_.set_callback(*this);
  auto opts = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5)
                  .clean_start(clean_start)
                  .properties({mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL, clean_start ? 0 : 3600)})
                  .finalize();
  opts.set_properties(opts.get_properties());  // Paho 1.2.0: finalize()'s copy points at the gone builder's session expiry
  client_.connect(opts)->wait_for(std::chrono::seconds(10));
  if (!client_.is_connected()) throw std::runtime_error("probe could not connect to " + uri);
  for (const auto& f : filters) client_.subscribe(f, 1)->wait_for(std::chrono::seconds(10));
}

MqttProbe::~MqttProbe() {
  try {
    if (client_.is_connected()) client_.disconnect()->wait_for(std::chrono::seconds(2));
  } catch (...) {
  }
}

void MqttProbe::message_arrived(mqtt::const_message_ptr msg) {
  std::lock_guard lock(mu_);
  msgs_.push_back({msg->get_topic(), msg->to_string(), msg->is_retained(), msg->get_properties()});
}

std::vector<Received> MqttProbe::messages() const {
  std::lock_guard lock(mu_);
  return msgs_;
}

std::size_t MqttProbe::count() const {
  std::lock_guard lock(mu_);
  return msgs_.size();
}

bool MqttProbe::waitFor(std::size_t n, std::chrono::milliseconds timeout) const {
  return waitFor([n](const std::vector<Received>& m) { return m.size() >= n; }, timeout);
}

bool MqttProbe::waitFor(const std::function<bool(const std::vector<Received>&)>& pred,
                        std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (pred(msgs_)) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void MqttProbe::clear() {
  std::lock_guard lock(mu_);
  msgs_.clear();
}

void MqttProbe::publish(const std::string& topic, const std::string& payload, int qos, bool retained,
                        const mqtt::properties& props) {
  auto m = mqtt::make_message(topic, payload, qos, retained);
  if (!props.empty()) m->set_properties(props);
  client_.publish(m)->wait_for(std::chrono::seconds(10));
}

}  // namespace fleetlink::test
