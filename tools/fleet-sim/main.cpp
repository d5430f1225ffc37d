// fleetlink-sim: a simulated fleet speaking fleetlink's wire protocol to a real broker, for demos, benchmarks
// and chaos runs. docs/simulator.md describes the options and the figures measured with it.
#include <utility>  // before Asio: Boost 1.74 misses it under GCC 12 in C++20 mode

#include <iostream>

#include <boost/asio/io_context.hpp>

#include "fleetlink/common/version.hpp"
#include "tools/fleet-sim/fleet_runner.hpp"

int main(int argc, char** argv) {
  using namespace fleetlink::sim;
  auto opts = parseSimOptions(argc, argv);
  if (!opts) {
    std::cerr << "fleetlink-sim: " << opts.error().message << "\n";
    return 2;
  }
  if (opts->help) {
    std::cout << simUsage();
    return 0;
  }
  if (opts->version) {
    std::cout << "fleetlink-sim " << fleetlink::kVersion << " (" << fleetlink::kGitRevision << ")\n";
    return 0;
  }
  auto tracks = buildTracks(opts->tracks, opts->seed);
  if (!tracks) {
    std::cerr << "fleetlink-sim: " << tracks.error().message << "\n";
    return 2;
  }

  boost::asio::io_context io(1);
  auto runner = std::make_shared<FleetRunner>(io, *opts, std::move(*tracks), std::cout);
  if (auto st = runner->start(); !st) {
    std::cerr << "fleetlink-sim: " << st.error().message << "\n";
    return 1;
  }
  io.run();

  std::cout << runner->summaryText();
  if (!opts->report_path.empty()) {
    if (auto st = writeReport(opts->report_path, buildReport(runner->runInfo(), runner->vehicles())); !st) {
      std::cerr << "fleetlink-sim: cannot write report " << opts->report_path << ": " << st.error().message << "\n";
      return 1;
    }
    std::cout << "fleetlink-sim: report written to " << opts->report_path << "\n";
  }
  return 0;
}
