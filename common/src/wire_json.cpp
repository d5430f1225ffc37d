#include "fleetlink/common/wire_json.hpp"

#include <utility>

#include <google/protobuf/util/json_util.h>

#include "fleetlink/common/proto_json_printer.hpp"

namespace fleetlink::wire {

Encoding detectEncoding(std::string_view content_type, std::string_view payload) {
  if (content_type == kContentTypeJson) return Encoding::Json;
  if (content_type == kContentTypeProtobuf) return Encoding::Protobuf;
  for (char c : payload) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{' ? Encoding::Json : Encoding::Protobuf;
  }
  return Encoding::Protobuf;
}

Expected<v1::AdminRequest> decodeAdminRequest(std::string_view payload, Encoding enc) {
  if (payload.size() > kMaxAdminBytes)
    return Error{"admin request of " + std::to_string(payload.size()) + " bytes exceeds the limit of " +
                 std::to_string(kMaxAdminBytes)};
  v1::AdminRequest req;
  if (enc == Encoding::Json) {
    if (auto st = fromJson(payload, req); !st) return st.error().context("admin request is not valid JSON");
  } else if (!req.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Error{"admin request is not a valid protobuf message"};
  }
  if (req.action().empty()) return Error{"admin request has no \"action\""};
  return req;
}

std::string encodeAdminResponse(const v1::AdminResponse& r, Encoding enc) {
  if (enc == Encoding::Json) return toJson(r);
  return r.SerializeAsString();
}

std::string toJson(const google::protobuf::Message& m) {
  if (auto fast = printProtoJson(m)) return std::move(*fast);
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  return out;
}

Status fromJson(std::string_view json, google::protobuf::Message& m) {
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;  // newer clients may send fields this version does not know
  auto st = google::protobuf::util::JsonStringToMessage(std::string(json), &m, opts);
  if (!st.ok()) return Error{std::string(st.message())};
  return okStatus();
}

}  // namespace fleetlink::wire
