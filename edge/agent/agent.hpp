#pragma once
// Agent: wires the edge capabilities together. GPS fixes, button presses, commands and control requests all
// arrive on the EventLoop's thread, become records committed to the outbox, and are handed to the uplink.
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edge/agent/event_loop.hpp"
#include "edge/agent/systemd_notifier.hpp"
#include "edge/commands/command_handler.hpp"
#include "edge/commands/config_updater.hpp"
#include "edge/config/config_sources.hpp"
#include "edge/config/edge_config.hpp"
#include "edge/control/control_protocol.hpp"
#include "edge/control/control_server.hpp"
#include "edge/driver/message_store.hpp"
#include "edge/gps/fix.hpp"
#include "edge/gps/fix_filter.hpp"
#include "edge/gps/gps_clock.hpp"
#include "edge/gps/gps_source.hpp"
#include "edge/outbox/outbox.hpp"
#include "edge/panic/button_reader.hpp"
#include "edge/panic/gpio_button.hpp"
#include "edge/report/report_policy.hpp"
#include "edge/uplink/uplink.hpp"

namespace fleetlink::edge {

class Agent final : public ControlActions {
 public:
  Agent(ConfigSources sources, config::Config config);
  ~Agent() override;

  // Opens the outbox and starts every part. An error names what could not start.
  Status start();
  // Runs until requestStop(), then stops every part (OFFLINE published, outbox synced). Returns the exit code.
  int run();
  void requestStop() { loop_.stop(); }

  // ControlActions (called from control socket threads; each runs on the loop).
  nlohmann::json status() override;
  Expected<std::uint64_t> raisePanic() override;
  Status changeDuty(const std::string& driver_id, v1::DutyStatus status) override;
  std::string currentDriver() override;
  nlohmann::json messages() override;
  Expected<bool> markRead(const std::string& message_id) override;
  ButtonTestResult buttonTest(std::chrono::seconds wait) override;

 private:
  // Loop-thread handlers.
  void onFix(const Fix& fix);
  void onPress(v1::PanicSource source);
  void onCommand(const std::string& payload);
  Expected<std::uint64_t> commitPanic(v1::PanicSource source);
  std::vector<std::uint64_t> commit(std::vector<v1::Record> records, Durability durability, bool groupable);
  void flushGroup();
  v1::Record newRecord() const;
  v1::Position positionOf(const Fix& fix) const;
  void emitHealth();
  void emitCurrentFix();
  void applySettings(const EdgeSettings& s);
  void watchdogTick();
  nlohmann::json statusNow();

  ConfigSources sources_;
  config::Config config_;
  EdgeSettings settings_;
  SystemClock system_clock_;
  GpsClock gps_clock_;
  std::string device_id_;
  std::uint64_t boot_id_;
  std::int64_t started_mono_;

  EventLoop loop_;
  SystemdNotifier systemd_;
  std::unique_ptr<Outbox> outbox_;
  std::shared_ptr<Uplink> uplink_;
  std::unique_ptr<GpsSource> gps_;
  std::vector<std::unique_ptr<ButtonReader>> buttons_;
  std::unique_ptr<AckOutput> ack_led_;
  std::int64_t led_off_at_ = 0;
  std::unique_ptr<MessageStore> messages_;
  std::unique_ptr<DutyState> duty_;
  std::unique_ptr<ConfigUpdater> updater_;
  std::unique_ptr<CommandHandler> commands_;
  std::unique_ptr<ControlProtocol> control_protocol_;
  std::unique_ptr<ControlServer> control_;

  ReportPolicy policy_;
  FixFilter filter_;
  std::optional<Fix> last_fix_;          // last accepted fix
  std::int64_t last_fix_mono_ = 0;
  std::uint64_t fixes_rejected_ = 0;
  std::vector<v1::Record> group_;        // ordinary records waiting for the next grouped commit
  std::vector<std::shared_ptr<std::promise<ButtonTestResult>>> button_waiters_;
};

}  // namespace fleetlink::edge
