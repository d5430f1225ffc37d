#pragma once
// Driver messages from dispatch, kept until the driver has read them (a JSON file in the data folder, written
// atomically on every change), and the current driver and duty status.
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::edge {

struct DriverMessageEntry {
  std::string id, text, from;
  std::int64_t sent_at_ms = 0;
  bool urgent = false;
  bool read = false;
};

class MessageStore {
 public:
  static constexpr std::size_t kMaxMessages = 200;  // beyond this the oldest read (then oldest) message goes

  // Loads `path` if it exists; a damaged file is renamed aside and the store starts empty.
  explicit MessageStore(std::string path);
  // Stores a message; storing an id already present is a success and changes nothing (re-delivery).
  Status add(const v1::DriverMessage& m);
  std::vector<DriverMessageEntry> list() const;
  // false when there is no such message.
  Expected<bool> markRead(const std::string& id);
  std::size_t unread() const;

 private:
  Status saveLocked() const;
  std::string path_;
  mutable std::mutex mu_;
  std::vector<DriverMessageEntry> messages_;
};

// Who drives and in which duty status; survives restarts (a JSON file written atomically).
class DutyState {
 public:
  explicit DutyState(std::string path);
  Status set(const std::string& driver_id, v1::DutyStatus status);
  std::string driver() const;
  v1::DutyStatus status() const;

 private:
  std::string path_;
  mutable std::mutex mu_;
  std::string driver_;
  v1::DutyStatus status_ = v1::DUTY_STATUS_OFF_DUTY;
};

const char* dutyName(v1::DutyStatus s);                      // "off_duty", "on_duty", "driving", "break"
bool parseDuty(const std::string& text, v1::DutyStatus& out);

}  // namespace fleetlink::edge
