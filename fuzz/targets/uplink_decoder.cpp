// Uplink payloads as the hub receives them: the wire decoder, then the hub's validation of the message and of
// every record (hub/ingest/uplink_validator).
#include "fleetlink/common/topics.hpp"
#include "fleetlink/common/wire.hpp"
#include "fuzz/fuzz_target.hpp"
#include "hub/ingest/uplink_validator.hpp"

using namespace fleetlink;

FLEETLINK_FUZZ_TARGET(uplink_decoder) {
  fuzz::quietProtobuf();
  const auto payload = fuzz::asText(data, size);
  auto up = wire::decodeUplink(payload);
  if (up) {
    fuzz::fuzzCheck(static_cast<std::size_t>(up->records_size()) <= wire::kMaxRecordsPerUplink, "record limit");
    for (const auto& r : up->records()) (void)wire::recordKind(r);
    // What decoded once decodes again after re-encoding (nothing the decoder accepted is lost on the way).
    fuzz::fuzzCheck(wire::decodeUplink(up->SerializeAsString()).ok(), "re-encoded uplink decodes");
  } else {
    fuzz::fuzzCheck(!up.error().message.empty(), "decode error has a message");
  }
  static const auto topic = *topics::parse("fl/v1/acme/v/truck-1/up");
  const std::int64_t now = 1'780'000'000'000;
  auto v = hub::ingest::validateUplink(topic, payload, now);
  if (!up) fuzz::fuzzCheck(!v.ok(), "validator accepts what the decoder rejects");
  if (v) {
    fuzz::fuzzCheck(v->fleet == "acme" && v->vehicle == "truck-1", "validated identity is the topic's");
    fuzz::fuzzCheck(v->records.size() + v->rejected.size() <= static_cast<std::size_t>(up->records_size()),
                    "validator invents records");
    for (const auto& r : v->records) fuzz::fuzzCheck(!hub::ingest::checkRecord(r, now, {}).has_value(),
                                                     "accepted record fails its own check");
  }
  return 0;
}
