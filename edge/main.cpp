// fleetlink-edge: the in-vehicle agent. Reads GPS and the panic button, buffers every record in SQLite and
// forwards it to the hub over MQTT.
#include "edge/config/edge_config.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/program.hpp"

int main(int argc, char** argv) {
  using namespace fleetlink;
  config::Config cfg;
  const int code = standardStartup(argc, argv, edge::edgeSchema(),
                                   "In-vehicle agent: GPS and panic button to the fleetlink hub, loss-free.",
                                   "/etc/fleetlink/edge.toml", cfg);
  if (code >= 0) return code;
  const auto settings = edge::edgeSettings(cfg);
  log::Logger("edge").info("configuration loaded", {{"fleet", settings.device.fleet}, {"vehicle", settings.device.vehicle}});
  return 0;
}
