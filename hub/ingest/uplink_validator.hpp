#pragma once
// Checks one uplink message before anything uses it: the topic's shape, the protobuf, that the payload speaks
// for the fleet and vehicle of its topic, and each record's sequence, time, coordinates and body. A bad
// record is rejected alone; the good records next to it go on.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/v1/fleetlink.pb.h"

namespace fleetlink::hub::ingest {

struct RecordRejection {
  std::uint64_t seq = 0;
  std::string reason;   // short label for metrics: "time", "position", "seq", "body"
  std::string detail;   // for the log
};

struct ValidatedUplink {
  std::string fleet, vehicle, device;  // device = Uplink.device_id, or the vehicle id when empty
  bool historical = false;
  std::int64_t sent_at_ms = 0;
  std::vector<v1::Record> records;     // accepted, in message order
  std::vector<RecordRejection> rejected;
};

struct ValidationLimits {
  std::int64_t min_time_ms = 946'684'800'000;  // 2000-01-01: older means a receiver without a real date
  std::int64_t max_future_ms = 10 * 60'000;    // clocks a little ahead are tolerated
};

// Whole-message problems (topic, protobuf, identity) are errors; record problems land in `rejected`.
Expected<ValidatedUplink> validateUplink(const topics::Parsed& topic, std::string_view payload, std::int64_t now_ms,
                                         const ValidationLimits& limits = {});

// Empty when the record is acceptable, else the reason label and the detail.
std::optional<RecordRejection> checkRecord(const v1::Record& r, std::int64_t now_ms, const ValidationLimits& limits);
bool plausiblePosition(const v1::Position& p);

}  // namespace fleetlink::hub::ingest
