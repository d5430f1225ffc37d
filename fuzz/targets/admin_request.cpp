// Admin requests as they arrive on fl/v1/{fleet}/admin/req: JSON (proto3 mapping) or protobuf.
#include "fleetlink/common/wire_json.hpp"
#include "fuzz/fuzz_target.hpp"

using namespace fleetlink;

FLEETLINK_FUZZ_TARGET(admin_request) {
  fuzz::quietProtobuf();
  const auto payload = fuzz::asText(data, size);
  for (auto enc : {wire::detectEncoding("", payload), wire::Encoding::Json, wire::Encoding::Protobuf}) {
    auto req = wire::decodeAdminRequest(payload, enc);
    if (req) {
      fuzz::fuzzCheck(!req->action().empty(), "accepted request has an action");
      v1::AdminResponse res;
      res.set_ok(false);
      res.set_action(req->action());
      res.set_error("unknown action " + req->action());
      (void)wire::encodeAdminResponse(res, enc);
    } else {
      fuzz::fuzzCheck(!req.error().message.empty(), "decode error has a message");
    }
  }
  return 0;
}
