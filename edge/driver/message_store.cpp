#include "edge/driver/message_store.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fleetlink/common/config.hpp"
#include "fleetlink/common/log.hpp"

namespace fleetlink::edge {
namespace {

const log::Logger kLog("edge.driver");

std::optional<nlohmann::json> readJsonFile(const std::string& path) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    const std::string aside = path + ".damaged";
    std::error_code ec;
    std::filesystem::rename(path, aside, ec);
    kLog.error("damaged file moved aside, starting empty", {{"path", path}, {"kept_as", aside}});
    return std::nullopt;
  }
  return j;
}

}  // namespace

MessageStore::MessageStore(std::string path) : path_(std::move(path)) {
  auto j = readJsonFile(path_);
  if (!j || !j->is_array()) return;
  for (const auto& m : *j) {
    if (!m.is_object()) continue;
    DriverMessageEntry e;
    e.id = m.value("id", "");
    e.text = m.value("text", "");
    e.from = m.value("from", "");
    e.sent_at_ms = m.value("sent_at_ms", std::int64_t{0});
    e.urgent = m.value("urgent", false);
    e.read = m.value("read", false);
    if (!e.id.empty()) messages_.push_back(std::move(e));
  }
}

Status MessageStore::saveLocked() const {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& m : messages_) {
    j.push_back({{"id", m.id}, {"text", m.text}, {"from", m.from}, {"sent_at_ms", m.sent_at_ms}, {"urgent", m.urgent},
                 {"read", m.read}});
  }
  return config::writeFileAtomically(path_, j.dump(1) + "\n");
}

Status MessageStore::add(const v1::DriverMessage& m) {
  if (m.message_id().empty()) return Error{"driver message has no message_id"};
  std::lock_guard lock(mu_);
  for (const auto& e : messages_)
    if (e.id == m.message_id()) return okStatus();
  auto before = messages_;
  messages_.push_back({m.message_id(), m.text(), m.from(), m.sent_at_ms(), m.urgent(), false});
  while (messages_.size() > kMaxMessages) {
    auto it = std::find_if(messages_.begin(), messages_.end(), [](const auto& e) { return e.read; });
    messages_.erase(it != messages_.end() ? it : messages_.begin());
  }
  if (auto st = saveLocked(); !st) {
    messages_ = std::move(before);
    return st.error().context("could not store driver message " + m.message_id());
  }
  return okStatus();
}

std::vector<DriverMessageEntry> MessageStore::list() const {
  std::lock_guard lock(mu_);
  return messages_;
}

Expected<bool> MessageStore::markRead(const std::string& id) {
  std::lock_guard lock(mu_);
  for (auto& e : messages_) {
    if (e.id != id) continue;
    if (e.read) return true;
    e.read = true;
    if (auto st = saveLocked(); !st) {
      e.read = false;
      return st.error();
    }
    return true;
  }
  return false;
}

std::size_t MessageStore::unread() const {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(std::count_if(messages_.begin(), messages_.end(), [](const auto& e) { return !e.read; }));
}

const char* dutyName(v1::DutyStatus s) {
  switch (s) {
    case v1::DUTY_STATUS_ON_DUTY: return "on_duty";
    case v1::DUTY_STATUS_DRIVING: return "driving";
    case v1::DUTY_STATUS_BREAK: return "break";
    default: return "off_duty";
  }
}

bool parseDuty(const std::string& text, v1::DutyStatus& out) {
  if (text == "off_duty") out = v1::DUTY_STATUS_OFF_DUTY;
  else if (text == "on_duty") out = v1::DUTY_STATUS_ON_DUTY;
  else if (text == "driving") out = v1::DUTY_STATUS_DRIVING;
  else if (text == "break") out = v1::DUTY_STATUS_BREAK;
  else return false;
  return true;
}

DutyState::DutyState(std::string path) : path_(std::move(path)) {
  auto j = readJsonFile(path_);
  if (!j || !j->is_object()) return;
  driver_ = j->value("driver", "");
  v1::DutyStatus s;
  if (parseDuty(j->value("duty", "off_duty"), s)) status_ = s;
}

Status DutyState::set(const std::string& driver_id, v1::DutyStatus status) {
  std::lock_guard lock(mu_);
  nlohmann::json j = {{"driver", driver_id}, {"duty", dutyName(status)}};
  if (auto st = config::writeFileAtomically(path_, j.dump() + "\n"); !st) return st.error();
  driver_ = driver_id;
  status_ = status;
  return okStatus();
}

std::string DutyState::driver() const {
  std::lock_guard lock(mu_);
  return driver_;
}

v1::DutyStatus DutyState::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

}  // namespace fleetlink::edge
