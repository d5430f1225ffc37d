#include "hub/ingest/broker_link.hpp"

#include <random>

#include "fleetlink/common/clock.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/program.hpp"
#include "fleetlink/common/thread_name.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::hub::ingest {
namespace {
const log::Logger kLog("hub.mqtt");
}

BrokerLink::BrokerLink(Options opts, MessageHandler on_message, StateHandler on_state)
    : opts_(std::move(opts)), on_message_(std::move(on_message)), on_state_(std::move(on_state)), callback_(*this) {
  client_ = std::make_unique<mqtt::async_client>(mqttx::serverUri(opts_.endpoint), opts_.client_id,
                                                 mqttx::createOptions(static_cast<int>(opts_.max_buffered)));
  client_->set_callback(callback_);
}

BrokerLink::~BrokerLink() { stop(); }

std::string BrokerLink::hubState(int connection) const {
  v1::VehicleState s;
  s.set_connection(static_cast<v1::VehicleState::Connection>(connection));
  s.set_device_id(opts_.instance);
  s.set_agent_version(versionString());
  s.set_at_ms(SystemClock().nowMs());
  return s.SerializeAsString();
}

void BrokerLink::start() {
  if (connector_.joinable()) return;
  connector_ = std::jthread([this](std::stop_token st) {
    nameThisThread("mqtt-connect");
    connectLoop(st);
  });
}

void BrokerLink::stop() {
  if (!connector_.joinable()) return;
  connector_.request_stop();
  cv_.notify_all();
  connector_.join();
  try {
    if (client_->is_connected()) {
      client_->publish(topics::hubState(opts_.instance), hubState(v1::VehicleState::CONNECTION_OFFLINE), 1, true)
          ->wait_for(std::chrono::seconds(2));
      client_->disconnect()->wait_for(std::chrono::seconds(3));
    }
  } catch (const mqtt::exception& e) {
    kLog.warn("disconnect failed", {{"error", e.what()}});
  }
  connected_ = false;
}

void BrokerLink::connectLoop(std::stop_token st) {
  std::mt19937 rng(std::random_device{}());
  std::chrono::milliseconds backoff(250);
  while (!st.stop_requested()) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, st, [&] { return lost_; });
      if (st.stop_requested()) return;
    }
    try {
      mqttx::Will will{topics::hubState(opts_.instance), hubState(v1::VehicleState::CONNECTION_LOST), 1, true};
      auto opts = mqttx::connectOptions(opts_.endpoint, false, opts_.session_expiry, will);
      client_->connect(opts)->wait_for(std::chrono::seconds(15));
      if (client_->is_connected()) {
        // Subscribe every time: cheap, and correct whether or not the broker kept the session.
        const auto& group = opts_.shared_group;
        const auto filter = [&](const std::string& t) { return group.empty() ? t : topics::shared(t, group); };
        auto subs = mqtt::string_collection::create({filter(topics::allVehicleUp()), filter(topics::allVehicleState()),
                                                     filter(topics::allAdminRequests())});
        client_->subscribe(subs, mqtt::iasync_client::qos_collection{1, 1, 1})->wait_for(std::chrono::seconds(15));
        client_->publish(topics::hubState(opts_.instance), hubState(v1::VehicleState::CONNECTION_ONLINE), 1, true);
        {
          std::lock_guard lock(mu_);
          lost_ = false;
        }
        if (!connected_.exchange(true)) {
          kLog.info("connected to the broker", {{"broker", mqttx::serverUri(opts_.endpoint)}});
          if (on_state_) on_state_(true);
        }
        backoff = std::chrono::milliseconds(250);
        continue;
      }
    } catch (const mqtt::exception& e) {
      kLog.warn("could not connect to the broker; retrying",
                {{"broker", mqttx::serverUri(opts_.endpoint)}, {"error", e.what()}});
    }
    // Exponential backoff with jitter so many hubs do not reconnect in lockstep.
    std::uniform_int_distribution<int> jitter(0, static_cast<int>(backoff.count() / 2));
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, st, backoff + std::chrono::milliseconds(jitter(rng)), [] { return false; });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(10'000));
  }
}

bool BrokerLink::publish(const std::string& topic, std::string payload, int qos, bool retained,
                         const mqtt::properties& props) {
  try {
    auto msg = mqtt::make_message(topic, std::move(payload), qos, retained);
    if (!props.empty()) msg->set_properties(props);
    client_->publish(msg);
    return true;
  } catch (const mqtt::exception& e) {
    kLog.warn("publish failed", {{"topic", topic}, {"error", e.what()}});
    return false;
  }
}

void BrokerLink::Callback::connected(const std::string&) {}

void BrokerLink::Callback::connection_lost(const std::string& cause) {
  kLog.warn("lost the broker connection", {{"cause", cause}});
  link_.reconnects_.fetch_add(1);
  {
    std::lock_guard lock(link_.mu_);
    link_.lost_ = true;
  }
  if (link_.connected_.exchange(false) && link_.on_state_) link_.on_state_(false);
  link_.cv_.notify_all();
}

void BrokerLink::Callback::message_arrived(mqtt::const_message_ptr msg) {
  if (link_.on_message_) link_.on_message_(std::move(msg));
}

}  // namespace fleetlink::hub::ingest
