// fleetlink-hub: ingests vehicle data from the broker, keeps live state and history, evaluates safety rules
// and serves dispatchers.
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/program.hpp"
#include "hub/config/hub_config.hpp"

int main(int argc, char** argv) {
  using namespace fleetlink;
  config::Config cfg;
  const int code = standardStartup(argc, argv, hub::hubSchema(),
                                   "Fleet hub: ingest, live state, history, safety alerts, dispatcher API.",
                                   "/etc/fleetlink/hub.toml", cfg);
  if (code >= 0) return code;
  const auto settings = hub::hubSettings(cfg);
  log::Logger("hub").info("configuration loaded", {{"instance", settings.instance}});
  return 0;
}
