#include "tools/fleet-sim/sim_report.hpp"

#include "fleetlink/common/config.hpp"

namespace fleetlink::sim {

nlohmann::json buildReport(const RunInfo& run, const std::vector<SimVehicle>& vehicles) {
  using nlohmann::json;
  json per = json::array();
  std::uint64_t created = 0, acked = 0, live = 0, hist = 0, requeued = 0, outages = 0, panics = 0, panics_acked = 0,
                panic_sends = 0, cmd_ok = 0, cmd_rejected = 0, cmd_bad = 0, unacked = 0;
  for (const auto& v : vehicles) {
    const auto& s = v.stats();
    json ps = json::array();
    for (const auto& p : v.panics()) {
      ps.push_back({{"seq", p.seq}, {"pressed_at_ms", p.pressed_at_ms}, {"sends", p.sends}, {"acked", p.acked},
                    {"acked_at_ms", p.acked_at_ms}});
      ++panics;
      panic_sends += static_cast<std::uint64_t>(p.sends);
      if (p.acked) ++panics_acked;
    }
    json gaps = json::array();
    for (const auto& [a, b] : v.unackedRanges()) {
      gaps.push_back({a, b});
      unacked += b - a + 1;
    }
    per.push_back({{"fleet", v.identity().fleet},
                   {"vehicle", v.identity().vehicle},
                   {"device", v.identity().device_id},
                   {"epoch", v.identity().epoch},
                   {"boot_id", v.identity().boot_id},
                   {"clock_skew_ms", v.clockSkewMs()},
                   {"started", v.started()},
                   {"seq_first", v.lastSeq() > 0 ? 1 : 0},
                   {"seq_last", v.lastSeq()},
                   {"acked_through", v.ackedThrough()},
                   {"acked", s.records_acked},
                   {"unacked", gaps},
                   {"live_records_sent", s.live_records_sent},
                   {"historical_records_sent", s.historical_records_sent},
                   {"records_requeued", s.records_requeued},
                   {"messages_sent", s.messages_sent},
                   {"outages", s.outages},
                   {"outage_records", s.outage_records},
                   {"panics", ps},
                   {"commands_accepted", s.commands_accepted},
                   {"commands_rejected", s.commands_rejected},
                   {"commands_malformed", s.commands_malformed}});
    created += s.records_created;
    acked += s.records_acked;
    live += s.live_records_sent;
    hist += s.historical_records_sent;
    requeued += s.records_requeued;
    outages += s.outages;
    cmd_ok += s.commands_accepted;
    cmd_rejected += s.commands_rejected;
    cmd_bad += s.commands_malformed;
  }
  const double active = run.active_s > 0 ? run.active_s : 1;
  return json{
      {"run",
       {{"broker", run.broker}, {"fleets", run.fleets}, {"vehicles", run.vehicles}, {"connections", run.connections},
        {"vehicles_per_connection", run.vehicles_per_connection}, {"qos", run.qos}, {"rate_hz", run.rate_hz},
        {"records_per_message", run.records_per_message}, {"epoch", run.epoch},
        {"start_time_ms", run.start_time_ms}, {"active_s", run.active_s}, {"elapsed_s", run.elapsed_s}}},
      {"totals",
       {{"records_created", created}, {"records_acked", acked}, {"records_unacked", unacked},
        {"live_records_sent", live}, {"historical_records_sent", hist}, {"records_requeued", requeued},
        {"messages_published", run.messages_published}, {"messages_acked", run.messages_acked},
        {"messages_failed", run.messages_failed}, {"outages", outages}, {"panics", panics},
        {"panics_acked", panics_acked}, {"panic_sends", panic_sends}, {"commands_accepted", cmd_ok},
        {"commands_rejected", cmd_rejected}, {"commands_malformed", cmd_bad}, {"connects", run.connects},
        {"disconnects", run.disconnects}, {"unknown_command_topics", run.unknown_command_topics}}},
      {"throughput",
       {{"records_per_s", static_cast<double>(run.records_published) / active},
        {"messages_per_s", static_cast<double>(run.messages_published) / active},
        {"cpu_percent_of_one_core", run.elapsed_s > 0 ? 100.0 * run.cpu_s / run.elapsed_s : 0.0}}},
      {"vehicles", per}};
}

Status writeReport(const std::string& path, const nlohmann::json& report) {
  return config::writeFileAtomically(path, report.dump(1) + "\n");
}

}  // namespace fleetlink::sim
