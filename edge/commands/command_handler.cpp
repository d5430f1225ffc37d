#include "edge/commands/command_handler.hpp"

#include <algorithm>

#include "fleetlink/common/ids.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"
#include "fleetlink/common/wire.hpp"

namespace fleetlink::edge {
namespace {

const log::Logger kLog("edge.commands");

metrics::Counter& commandsCounter(const char* kind, const char* outcome) {
  return metrics::global().counter("fleetlink_edge_commands_total", "Commands received",
                                   {{"kind", kind}, {"outcome", outcome}});
}

const char* kindOf(const v1::Command& c) {
  switch (c.body_case()) {
    case v1::Command::kConfigUpdate: return "config_update";
    case v1::Command::kDriverMessage: return "driver_message";
    case v1::Command::kResync: return "resync";
    case v1::Command::kPing: return "ping";
    case v1::Command::kPanicAck: return "panic_ack";
    default: return "unknown";
  }
}

}  // namespace

std::optional<std::string> salvageCommandId(std::string_view p) {
  // Field 1, wire type 2: tag byte 0x0a, a varint length, then the id.
  if (p.size() < 2 || static_cast<unsigned char>(p[0]) != 0x0a) return std::nullopt;
  std::size_t len = 0, i = 1;
  for (int shift = 0; i < p.size() && shift < 28; shift += 7, ++i) {
    const auto b = static_cast<unsigned char>(p[i]);
    len |= static_cast<std::size_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      ++i;
      if (len == 0 || len > 128 || i + len > p.size()) return std::nullopt;
      std::string id(p.substr(i, len));
      for (char c : id)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return std::nullopt;
      return id;
    }
  }
  return std::nullopt;
}

v1::CommandAck CommandHandler::ack(const std::string& id, bool accepted, std::string detail) {
  v1::CommandAck a;
  a.set_command_id(id);
  a.set_status(accepted ? v1::ACK_STATUS_ACCEPTED : v1::ACK_STATUS_REJECTED);
  a.set_detail(std::move(detail));
  a.set_config_hash(fx_.config_hash ? fx_.config_hash() : std::string());
  return a;
}

std::optional<v1::CommandAck> CommandHandler::handle(std::string_view payload) {
  auto decoded = wire::decodeCommand(payload);
  if (!decoded) {
    auto id = salvageCommandId(payload);
    kLog.warn("malformed command", {{"error", decoded.error().message}, {"command_id", id.value_or("")}});
    commandsCounter("malformed", "rejected").inc();
    if (!id) return std::nullopt;
    return ack(*id, false, "malformed command: " + decoded.error().message);
  }
  const v1::Command& cmd = *decoded;
  const char* kind = kindOf(cmd);
  if (cmd.body_case() == v1::Command::kPanicAck) {
    const bool known = fx_.panic_ack && fx_.panic_ack(cmd.panic_ack().epoch(), cmd.panic_ack().seq());
    commandsCounter(kind, known ? "accepted" : "ignored").inc();
    kLog.info(known ? "panic acknowledged by the hub" : "panic acknowledgement for no pending panic",
              {{"epoch", std::to_string(cmd.panic_ack().epoch())}, {"seq", std::to_string(cmd.panic_ack().seq())},
               {"alert_id", cmd.panic_ack().alert_id()}});
    return std::nullopt;
  }
  auto reject = [&](std::string why) {
    kLog.warn("command rejected", {{"command_id", cmd.command_id()}, {"kind", kind}, {"reason", why}});
    commandsCounter(kind, "rejected").inc();
    return ack(cmd.command_id(), false, std::move(why));
  };
  if (cmd.command_id().empty()) {
    kLog.warn("command without command_id ignored (nothing to acknowledge)", {{"kind", kind}});
    commandsCounter(kind, "rejected").inc();
    return std::nullopt;
  }
  const std::int64_t now = fx_.now_ms ? fx_.now_ms() : 0;
  if (cmd.expires_at_ms() != 0 && now > cmd.expires_at_ms()) {
    return reject("expired at " + std::to_string(cmd.expires_at_ms()) + " ms, device time " + std::to_string(now));
  }
  switch (cmd.body_case()) {
    case v1::Command::kConfigUpdate: {
      auto r = fx_.update_config(cmd.config_update());
      if (!r.accepted) return reject(r.detail);
      commandsCounter(kind, "accepted").inc();
      kLog.info("configuration updated", {{"command_id", cmd.command_id()}, {"detail", r.detail}});
      return ack(cmd.command_id(), true, r.detail);
    }
    case v1::Command::kDriverMessage: {
      const auto& m = cmd.driver_message();
      if (m.message_id().empty()) return reject("driver message has no message_id");
      if (m.text().empty()) return reject("driver message " + m.message_id() + " has no text");
      if (auto st = fx_.store_message(m); !st) return reject(st.error().message);
      commandsCounter(kind, "accepted").inc();
      return ack(cmd.command_id(), true, "stored");
    }
    case v1::Command::kResync: {
      // A negative window means none; one longer than the device keeps copies covers every copy kept.
      const std::int64_t window = std::max<std::int64_t>(0, cmd.resync().resend_window_ms());
      const std::size_t resent = fx_.resync(window);
      commandsCounter(kind, "accepted").inc();
      if (window == 0) return ack(cmd.command_id(), true, "birth and health sent");
      kLog.info("hub asked for a re-send", {{"command_id", cmd.command_id()}, {"window_ms", std::to_string(window)},
                                            {"records", std::to_string(resent)}});
      return ack(cmd.command_id(), true,
                 "birth and health sent; " + std::to_string(resent) + (resent == 1 ? " record" : " records") +
                     " re-sent (broker ack in the last " + std::to_string(window) + " ms)");
    }
    case v1::Command::kPing:
      commandsCounter(kind, "accepted").inc();
      return ack(cmd.command_id(), true, "pong");
    default:
      return reject("command has no body this agent knows (newer hub?)");
  }
}

}  // namespace fleetlink::edge
