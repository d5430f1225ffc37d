// fleetlink-hub: ingests vehicle data from the broker, keeps live state and history, evaluates safety rules
// and serves dispatchers.
#include <csignal>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"
#include "fleetlink/common/program.hpp"
#include "hub/config/hub_config.hpp"
#include "hub/core/hub_core.hpp"
#include "hub/web/web_server.hpp"

int main(int argc, char** argv) {
  using namespace fleetlink;
  config::Config cfg;
  const int code = standardStartup(argc, argv, hub::hubSchema(),
                                   "Fleet hub: ingest, live state, history, safety alerts, dispatcher API.",
                                   "/etc/fleetlink/hub.toml", cfg);
  if (code >= 0) return code;
  const auto settings = hub::hubSettings(cfg);
  if (log::Level level; log::parseLevel(settings.log_level, level)) log::setLevel(level);
  const log::Logger logger("hub");

  // SIGTERM/SIGINT are taken synchronously below, so block them in every thread the hub starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  hub::HubCore core(settings, cfg);
  // Front ends: the web server registers here.
  hub::web::WebServer web(settings.web, core.admin(), core.healthSource(), metrics::global());
  core.addLiveSink(web);
  if (auto st = core.start(); !st) {
    logger.error("could not start", {{"error", st.error().message}});
    return 1;
  }
  if (auto st = web.start(); !st) {
    logger.error("could not start the web server", {{"error", st.error().message}});
    core.stop();
    return 1;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  logger.info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  web.stop();
  core.stop();
  return 0;
}
