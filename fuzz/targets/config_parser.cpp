// Configuration text (a file, or a ConfigUpdate from the hub) against the edge's and the hub's schemas.
#include "edge/config/edge_config.hpp"
#include "fleetlink/common/config.hpp"
#include "fuzz/fuzz_target.hpp"
#include "hub/config/hub_config.hpp"

using namespace fleetlink;

FLEETLINK_FUZZ_TARGET(config_parser) {
  const std::string text(fuzz::asText(data, size));
  static const config::Schema edge_schema = edge::edgeSchema();
  static const config::Schema hub_schema = hub::hubSchema();
  for (const auto* schema : {&edge_schema, &hub_schema}) {
    auto cfg = config::Loader(*schema).text(text, "fuzz.toml").load();
    if (cfg) {
      fuzz::fuzzCheck(cfg->hash().size() == 16, "config hash is 16 hex digits");
      (void)cfg->dump();
    } else {
      fuzz::fuzzCheck(!cfg.error().message.empty(), "config error has a message");
    }
  }
  return 0;
}
