#include "edge/commands/config_updater.hpp"

#include "edge/config/edge_config.hpp"
#include "fleetlink/common/log.hpp"

namespace fleetlink::edge {
namespace {
const log::Logger kLog("edge.commands");
}  // namespace

ConfigUpdater::ConfigUpdater(ConfigSources sources, std::string override_file, config::Config current)
    : sources_(std::move(sources)), override_file_(std::move(override_file)), current_(std::move(current)) {}

bool ConfigUpdater::appliesLive(const std::string& key) {
  static const std::set<std::string> kLive = {
      "report.moving_interval", "report.stopped_interval", "report.min_interval", "report.moving_speed_kph",
      "report.distance_m", "report.heading_change_deg", "gps.min_fix_mode", "gps.max_h_accuracy_m",
      "panic.resend_interval", "outbox.max_records", "outbox.max_bytes", "outbox.batch_records",
      "outbox.flush_interval", "outbox.sync_interval", "health.interval", "health.thermal_zone", "log.level"};
  return kLive.count(key) > 0;
}

bool ConfigUpdater::protectedKey(const std::string& key) { return key.rfind("device.", 0) == 0 || key == "outbox.path"; }

ConfigUpdateResult ConfigUpdater::apply(const v1::ConfigUpdate& update) {
  ConfigUpdateResult r;
  if (update.set().empty()) {
    r.detail = "config update sets no keys";
    return r;
  }
  if (!update.expected_config_hash().empty() && update.expected_config_hash() != current_.hash()) {
    r.detail = "config changed meanwhile: expected hash " + update.expected_config_hash() + ", device has " +
               current_.hash() + " (read the current config and retry)";
    return r;
  }
  const config::Schema schema = edgeSchema();
  auto existing = readOverrideFile(override_file_);
  if (!existing) {
    // A damaged override file is replaced by this update's values alone.
    kLog.warn("override file unreadable, replacing it", {{"path", override_file_}, {"error", existing.error().message}});
    existing = OverrideValues{};
  }
  OverrideValues merged = *existing;
  for (const auto& [key, value] : update.set()) {
    if (!schema.find(key)) {
      r.detail = "unknown key " + key + " (fleetlink-edge --help lists the keys)";
      return r;
    }
    if (protectedKey(key)) {
      r.detail = "key " + key + " cannot be changed remotely (set it in the device's configuration file)";
      return r;
    }
    merged[key] = unquoteValue(value);
  }
  auto text = renderOverrideToml(schema, merged);
  if (!text) {
    r.detail = text.error().message;
    return r;
  }
  if (auto alone = sources_.loadWith(*text, override_file_, /*with_cli=*/false); !alone) {
    r.detail = alone.error().message;
    return r;
  }
  auto candidate = sources_.loadWith(*text, override_file_);
  if (!candidate) {
    r.detail = candidate.error().message;
    return r;
  }
  if (auto st = config::writeFileAtomically(override_file_, *text); !st) {
    r.detail = st.error().message;
    return r;
  }
  for (const auto& [key, value] : update.set()) {
    if (!appliesLive(key)) r.restart_keys.push_back(key);
  }
  r.accepted = true;
  r.detail = r.restart_keys.empty() ? "applied" : "applied; takes effect at the next start:";
  for (const auto& k : r.restart_keys) r.detail += " " + k;
  for (const auto& o : sources_.cli()) {
    if (update.set().count(o.key)) r.detail += "; " + o.key + " is fixed by the command line and stays as set there";
  }
  current_ = *candidate;
  r.config = std::move(*candidate);
  return r;
}

}  // namespace fleetlink::edge
