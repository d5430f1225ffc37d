#include "hub/web/stream_event.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/wire_format_lite.h>
#include <nlohmann/json.hpp>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/wire_json.hpp"
#include "fleetlink/v1/feed.pb.h"

namespace fleetlink::hub::web {
namespace {

const log::Logger kLog("hub.web.feed");
using google::protobuf::internal::WireFormatLite;

std::string envelope(const std::string& stream, std::uint64_t offset, std::uint8_t kind, const std::string& vehicle,
                     std::int64_t time_ms, const std::string& data_json) {
  std::string out;
  out.reserve(data_json.size() + stream.size() + vehicle.size() + 96);
  out += R"({"type":"event","stream":)";
  out += nlohmann::json(stream).dump();
  out += R"(,"offset":)";
  out += std::to_string(offset);
  out += R"(,"kind":")";
  out += kindName(static_cast<KindBit>(kind));
  out += R"(","vehicle":)";
  out += nlohmann::json(vehicle).dump();
  out += R"(,"time_ms":)";
  out += std::to_string(time_ms);
  out += R"(,"data":)";
  out += data_json.empty() ? std::string("{}") : data_json;
  out += '}';
  return out;
}

// Writes `bytes` as the length-delimited field `field` (an embedded message already serialised), with the
// protobuf library's own stream.
void writeEmbedded(google::protobuf::io::CodedOutputStream& out, int field, const std::string& bytes) {
  out.WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  out.WriteVarint32(static_cast<std::uint32_t>(bytes.size()));
  out.WriteString(bytes);
}

// An event's v1::FeedMessage. The data field is appended as the payload's bytes: a serialised message followed
// by more fields is the same message with those fields (protobuf's merge on concatenation), so the payload the
// hub serialised once is never parsed again.
std::string eventFeedMessage(const StreamEvent& e) {
  v1::FeedMessage m;
  m.set_type("event");
  m.set_stream(e.stream);
  m.set_offset(e.offset);
  m.set_kind(std::string(kindName(static_cast<KindBit>(e.kind))));
  m.set_vehicle(e.vehicle);
  m.set_time_ms(e.time_ms);
  const int field = e.kind == kAlert  ? v1::FeedMessage::kAlertFieldNumber
                    : e.kind == kRoute ? v1::FeedMessage::kRouteFieldNumber
                                       : v1::FeedMessage::kUpdateFieldNumber;
  std::string out = m.SerializeAsString();
  {
    google::protobuf::io::StringOutputStream sink(&out);
    google::protobuf::io::CodedOutputStream coded(&sink);
    writeEmbedded(coded, field, e.payload);
  }
  return out;
}

// A control message's v1::FeedMessage, from its JSON: every control message the hub writes maps field for field
// onto FeedMessage (the tests compare both forms of each). One that does not is reported to the client rather
// than dropped without a word.
std::string controlFeedMessage(const std::string& json) {
  v1::FeedMessage m;
  if (auto st = google::protobuf::util::JsonStringToMessage(json, &m); !st.ok()) {
    kLog.error("control message has no binary form", {{"error", std::string(st.message())}, {"json", json}});
    m.Clear();
    m.set_type("error");
    m.set_error("the hub could not encode a control message in binary: " + json);
  }
  return m.SerializeAsString();
}

}  // namespace

KindBit kindOf(LiveEvent::Kind k) {
  switch (k) {
    case LiveEvent::Kind::Position: return kPosition;
    case LiveEvent::Kind::VehicleStatus: return kStatus;
    case LiveEvent::Kind::Alert: return kAlert;
    case LiveEvent::Kind::RouteProgress: return kRoute;
  }
  return kPosition;
}

EventPtr makeEvent(std::string stream, std::uint64_t offset, const LiveEvent& e) {
  const google::protobuf::Message* data = &e.update;
  if (e.kind == LiveEvent::Kind::Alert) data = &e.alert;
  if (e.kind == LiveEvent::Kind::RouteProgress) data = &e.route;
  auto ev = std::make_shared<StreamEvent>();
  ev->kind = kindOf(e.kind);
  ev->json = envelope(stream, offset, ev->kind, e.vehicle, e.time_ms, wire::toJson(*data));
  ev->payload = data->SerializeAsString();
  ev->stream = std::move(stream);
  ev->offset = offset;
  ev->vehicle = e.vehicle;
  ev->time_ms = e.time_ms;
  return ev;
}

EventPtr makeStoredEvent(std::string stream, std::uint64_t offset, std::uint8_t kind, std::string vehicle,
                         std::int64_t time_ms, std::string payload) {
  v1::LiveUpdate update;
  v1::Alert alert;
  v1::RouteProgress route;
  google::protobuf::Message* data = &update;
  if (kind == kAlert) data = &alert;
  if (kind == kRoute) data = &route;
  if (kind != kPosition && kind != kStatus && kind != kAlert && kind != kRoute) return nullptr;
  if (!data->ParseFromString(payload)) return nullptr;
  auto ev = std::make_shared<StreamEvent>();
  ev->kind = kind;
  ev->json = envelope(stream, offset, kind, vehicle, time_ms, wire::toJson(*data));
  ev->stream = std::move(stream);
  ev->offset = offset;
  ev->vehicle = std::move(vehicle);
  ev->time_ms = time_ms;
  ev->payload = std::move(payload);
  return ev;
}

const std::string& StreamEvent::protobuf() const {
  std::call_once(protobuf_once_,
                 [this] { protobuf_ = offset != 0 ? eventFeedMessage(*this) : controlFeedMessage(json); });
  return protobuf_;
}

void appendFeedFrame(const std::vector<EventPtr>& batch, std::string& frame) {
  google::protobuf::io::StringOutputStream sink(&frame);
  google::protobuf::io::CodedOutputStream out(&sink);
  for (const auto& e : batch) writeEmbedded(out, v1::FeedFrame::kMessagesFieldNumber, e->protobuf());
}

EventPtr makeControl(std::string json) {
  auto ev = std::make_shared<StreamEvent>();
  ev->json = std::move(json);
  return ev;
}

}  // namespace fleetlink::hub::web
