// Text frames a dashboard sends over the hub's WebSocket (hub/web/client_message).
#include "fuzz/fuzz_target.hpp"
#include "hub/web/client_message.hpp"

using namespace fleetlink;

FLEETLINK_FUZZ_TARGET(client_message) {
  auto m = hub::web::parseClientMessage(fuzz::asText(data, size));
  if (m) {
    fuzz::fuzzCheck(m->fleets.size() <= hub::web::kMaxSubscriptionItems, "fleet list limit");
    fuzz::fuzzCheck(m->vehicles.size() <= hub::web::kMaxSubscriptionItems, "vehicle list limit");
    fuzz::fuzzCheck(m->resume.size() <= hub::web::kMaxSubscriptionItems, "resume list limit");
    if (m->type == hub::web::ClientMessage::Type::Subscribe)
      fuzz::fuzzCheck(!m->fleets.empty() && m->kinds != 0, "subscription names fleets and kinds");
  } else {
    fuzz::fuzzCheck(!m.error().message.empty(), "parse error has a message");
  }
  return 0;
}
