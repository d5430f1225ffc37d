#pragma once
// Executes commands from the vehicle's command topic and says how to acknowledge each. The effects are
// injected, so the decoding and rules (expiry, malformed input, one ack per command) are tested on their own.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "edge/commands/config_updater.hpp"
#include "fleetlink/common/expected.hpp"
#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::edge {

struct CommandEffects {
  std::function<ConfigUpdateResult(const v1::ConfigUpdate&)> update_config;
  std::function<Status(const v1::DriverMessage&)> store_message;
  // Birth, health and current fix again; with a window > 0 (ms) also re-sends the records whose broker ack
  // arrived within it. Returns how many records are re-sent.
  std::function<std::size_t(std::int64_t resend_window_ms)> resync;
  std::function<bool(std::uint64_t epoch, std::uint64_t seq)> panic_ack;
  std::function<std::string()> config_hash;
  std::function<std::int64_t()> now_ms;
};

class CommandHandler {
 public:
  explicit CommandHandler(CommandEffects effects) : fx_(std::move(effects)) {}
  // Decodes and runs one command. Returns the acknowledgement to record, or nothing (a panic_ack, which is
  // itself an answer, or bytes so broken that no command id can be found).
  std::optional<v1::CommandAck> handle(std::string_view payload);

 private:
  v1::CommandAck ack(const std::string& id, bool accepted, std::string detail);
  CommandEffects fx_;
};

// The command_id of a message that does not decode as a whole (field 1 at the start of the bytes), if any.
std::optional<std::string> salvageCommandId(std::string_view payload);

}  // namespace fleetlink::edge
