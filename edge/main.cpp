// fleetlink-edge: the in-vehicle agent. Reads GPS and the panic button, buffers every record in SQLite and
// forwards it to the hub over MQTT.
#include "edge/agent/agent.hpp"
#include "edge/agent/stop_signals.hpp"
#include "edge/config/edge_startup.hpp"
#include "fleetlink/common/log.hpp"

int main(int argc, char** argv) {
  using namespace fleetlink;
  auto startup = edge::edgeStartup(argc, argv);
  if (startup.exit_code >= 0) return startup.exit_code;

  edge::StopSignals signals;  // before any other thread, so every thread inherits the blocked signals
  edge::Agent agent(std::move(*startup.sources), std::move(startup.loaded->config));
  if (auto st = agent.start(); !st) {
    log::Logger("edge").error("could not start", {{"error", st.error().message}});
    return 1;
  }
  signals.onStop([&agent] { agent.requestStop(); });
  const int code = agent.run();
  signals.finish();  // the stop request may still be returning on the signal thread: it uses the agent
  return code;
}
