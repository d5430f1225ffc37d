// bench_edge: figures for the edge agent.
//   1. outbox insert rate (one commit per record, batched commits, fsynced panic commits), real SQLite file;
//   2. drain rate of a backlog of --records records through a real Mosquitto by the real fleetlink-edge binary;
//   3. the agent's RSS and CPU while reporting at 1 Hz from a real gpsd (gpsfake) for --idle-seconds.
// Prints a table and, with --json FILE, writes the figures. --enforce exits 1 when a target is missed.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../tests/edge/edge_harness.hpp"
#include "edge/outbox/outbox.hpp"
#include "fleetlink/common/log.hpp"
#include "fleetlink/common/topics.hpp"
#include "fleetlink/common/wire.hpp"
#include "support/broker.hpp"
#include "support/gps_feed.hpp"
#include "support/ports.hpp"
#include "support/proc_stat.hpp"

using fleetlink::test::binary;
using fleetlink::test::Broker;
using fleetlink::test::freePort;
using fleetlink::test::GpsFake;
using fleetlink::test::MqttProbe;
using fleetlink::test::Received;
using fleetlink::test::readProcStat;
using fleetlink::test::rssByMapping;
using fleetlink::test::run;
using fleetlink::test::sourcePath;
using fleetlink::test::TempDir;
using fleetlink::test::waitUntil;
using fleetlink::test::edge::EdgeAgent;
using fleetlink::test::edge::uplinkRecords;
namespace v1 = fleetlink::v1;
namespace topics = fleetlink::topics;
using Steady = std::chrono::steady_clock;

namespace {

constexpr double kTargetRssMiB = 10;
constexpr double kTargetCpuPercent = 1;
constexpr double kTargetDrainPerS = 20000;

double seconds(Steady::time_point a, Steady::time_point b) { return std::chrono::duration<double>(b - a).count(); }

v1::Record position(int i) {
  v1::Record r;
  r.set_boot_id(7);
  r.set_time_ms(1'790'000'000'000 + i * 1000LL);
  r.set_time_source(v1::TIME_SOURCE_GPS);
  auto* p = r.mutable_position();
  p->set_lat(52.37 + i * 1e-5);
  p->set_lon(4.89 + i * 1e-5);
  p->set_alt_m(12);
  p->set_speed_mps(13.9f);
  p->set_heading_deg(87);
  p->set_h_accuracy_m(4);
  p->set_fix_mode(v1::FIX_MODE_3D);
  p->set_satellites(9);
  return r;
}

std::unique_ptr<fleetlink::edge::Outbox> openOutbox(const std::string& path, const fleetlink::Clock& clock) {
  auto ob = fleetlink::edge::Outbox::open({path, 100'000'000, 1ull << 40, 10'000, 0}, clock);
  if (!ob) throw std::runtime_error(ob.error().message);
  return std::move(*ob);
}

nlohmann::json insertRates(int records) {
  TempDir dir("bench-edge-insert");
  fleetlink::SystemClock clock;
  auto ob = openOutbox(dir.file("outbox.db"), clock);
  const int singles = std::min(records, 20000);
  auto t0 = Steady::now();
  for (int i = 0; i < singles; ++i) ob->append({position(i)});
  auto t1 = Steady::now();
  const int batches = records / 500;
  for (int b = 0; b < batches; ++b) {
    std::vector<v1::Record> recs;
    for (int i = 0; i < 500; ++i) recs.push_back(position(i));
    ob->append(std::move(recs));
  }
  auto t2 = Steady::now();
  const int panics = 200;
  for (int i = 0; i < panics; ++i) {
    v1::Record r;
    r.mutable_panic()->set_source(v1::PANIC_SOURCE_CONTROL_SOCKET);
    ob->append({r}, fleetlink::edge::Durability::Immediate);
  }
  auto t3 = Steady::now();
  return {{"single_commit_records_per_s", singles / seconds(t0, t1)},
          {"batched_500_records_per_s", batches * 500 / seconds(t1, t2)},
          {"panic_fsync_commits_per_s", panics / seconds(t2, t3)},
          {"panic_commit_ms", seconds(t2, t3) * 1000 / panics}};
}

nlohmann::json drain(int records, const std::vector<std::string>& agent_flags) {
  TempDir dir("bench-edge-drain");
  const std::string data = dir.file("data");
  {
    fleetlink::SystemClock clock;
    auto ob = openOutbox(data + "/outbox.db", clock);
    for (int done = 0; done < records;) {
      std::vector<v1::Record> recs;
      for (int i = 0; i < 1000 && done < records; ++i, ++done) recs.push_back(position(done));
      ob->append(std::move(recs));
    }
  }
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp("bench", "van-1")});
  std::vector<std::string> flags = {"--log.level=warn"};
  flags.insert(flags.end(), agent_flags.begin(), agent_flags.end());
  EdgeAgent agent({"bench", "van-1", data, freePort(), broker.port(), flags});
  const auto t0 = Steady::now();
  agent.start();
  const std::size_t expected_msgs = static_cast<std::size_t>((records + 499) / 500);
  probe.waitFor([&](const std::vector<Received>& m) { return m.size() >= expected_msgs; }, std::chrono::seconds(300));
  const auto t1 = Steady::now();
  std::size_t got = 0;
  for (const auto& s : uplinkRecords(probe.messages())) got += s.historical ? 1 : 0;
  waitUntil([&] { return agent.status()["buffer"]["records"] == 0; }, std::chrono::seconds(30));
  const auto left = agent.status()["buffer"]["records"].get<int>();
  agent.stop();
  return {{"records", records},
          {"received", got},
          {"left_in_outbox", left},
          {"seconds_from_start", seconds(t0, t1)},
          {"records_per_s", got / seconds(t0, t1)},
          {"batches", probe.count()}};
}

struct ProcSample {
  double cpu_s;
  double rss_mib;
  double pss_mib = 0;      // shared library pages divided among the processes that map them
  double private_mib = 0;  // the agent's own pages (USS)
};
ProcSample sample(pid_t pid) {
  const auto st = readProcStat(pid);
  ProcSample out{st.cpu_s, static_cast<double>(st.rss_kib) / 1024.0};
  std::string line;
  std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
  double priv_kib = 0;
  while (std::getline(rollup, line)) {
    if (line.rfind("Pss:", 0) == 0) out.pss_mib = std::stod(line.substr(4)) / 1024.0;
    if (line.rfind("Private_Clean:", 0) == 0 || line.rfind("Private_Dirty:", 0) == 0)
      priv_kib += std::stod(line.substr(line.find(':') + 1));
  }
  out.private_mib = priv_kib / 1024.0;
  return out;
}

nlohmann::json idle(int secs) {
  TempDir dir("bench-edge-idle");
  const std::string drive = dir.file("drive.nmea");
  auto gen = run({binary("fleetlink-nmea-drive"), "--route", sourcePath("deploy/routes/city-loop.toml"), "--laps", "3",
                  "--out", drive});
  if (gen.code != 0) throw std::runtime_error(gen.output);
  Broker broker;
  MqttProbe probe(broker.uri(), {topics::vehicleUp("bench", "van-2")});
  GpsFake gps({drive, 0.333, false});  // three sentences per fix: one fix a second
  EdgeAgent agent({"bench", "van-2", dir.file("data"), gps.port(), broker.port(),
                   {"--report.moving_interval=1s", "--report.min_interval=1s", "--log.level=warn"}});
  agent.start();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // warm up: connected, first fixes
  const pid_t pid = agent.pid();
  const auto first = sample(pid);
  const auto before = probe.count();
  double max_rss = first.rss_mib;
  const auto t0 = Steady::now();
  for (int i = 0; i < secs; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    max_rss = std::max(max_rss, sample(pid).rss_mib);
  }
  const auto last = sample(pid);
  nlohmann::json mappings = nlohmann::json::array();
  for (const auto& m : rssByMapping(pid))
    if (mappings.size() < 12) mappings.push_back({{"name", m.name}, {"rss_kib", m.rss_kib}});
  const double elapsed = seconds(t0, Steady::now());
  const auto published = probe.count() - before;
  agent.stop();
  return {{"seconds", elapsed},
          {"rss_mib", last.rss_mib},
          {"rss_max_mib", max_rss},
          {"pss_mib", last.pss_mib},
          {"private_mib", last.private_mib},
          {"largest_mappings", mappings},
          {"cpu_percent", 100.0 * (last.cpu_s - first.cpu_s) / elapsed},
          {"messages_per_s", published / elapsed}};
}

}  // namespace

int main(int argc, char** argv) {
  int records = 100000;
  int idle_seconds = 30;
  bool enforce = false;
  std::string json_path;
  std::vector<std::string> agent_flags;  // e.g. --agent-flag --mqtt.max_inflight=16, to compare settings
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--records") records = std::stoi(next());
    else if (a == "--idle-seconds") idle_seconds = std::stoi(next());
    else if (a == "--enforce") enforce = true;
    else if (a == "--json") json_path = next();
    else if (a == "--agent-flag") agent_flags.push_back(next());
    else {
      std::cerr << "usage: bench_edge [--records N] [--idle-seconds S] [--enforce] [--json FILE] [--agent-flag F]...\n";
      return 2;
    }
  }
  fleetlink::log::setLevel(fleetlink::log::Level::Warn);
  nlohmann::json out;
  out["insert"] = insertRates(records);
  out["drain"] = drain(records, agent_flags);
  out["idle_1hz"] = idle(idle_seconds);
  const auto& ins = out["insert"];
  const auto& dr = out["drain"];
  const auto& id = out["idle_1hz"];
  const bool rss_ok = id["rss_max_mib"].get<double>() < kTargetRssMiB;
  const bool cpu_ok = id["cpu_percent"].get<double>() < kTargetCpuPercent;
  const bool drain_ok = dr["records_per_s"].get<double>() > kTargetDrainPerS && dr["received"] == records;
  std::printf("edge agent benchmark (%d records, %d s at 1 Hz)\n", records, idle_seconds);
  std::printf("  outbox insert, one commit per record   %10.0f records/s\n", ins["single_commit_records_per_s"].get<double>());
  std::printf("  outbox insert, 500 per commit          %10.0f records/s\n", ins["batched_500_records_per_s"].get<double>());
  std::printf("  panic commit with fsync                %10.2f ms\n", ins["panic_commit_ms"].get<double>());
  std::printf("  backlog drain through Mosquitto        %10.0f records/s  (%d of %d in %.2f s; target > %.0f)  %s\n",
              dr["records_per_s"].get<double>(), dr["received"].get<int>(), records,
              dr["seconds_from_start"].get<double>(), kTargetDrainPerS, drain_ok ? "ok" : "MISSED");
  std::printf("  agent RSS at 1 Hz                      %10.2f MiB (max; target < %.0f)  %s\n", id["rss_max_mib"].get<double>(),
              kTargetRssMiB, rss_ok ? "ok" : "MISSED");
  std::printf("    of which shared library pages         %10.2f MiB (PSS %.2f MiB, private %.2f MiB)\n",
              id["rss_mib"].get<double>() - id["private_mib"].get<double>(), id["pss_mib"].get<double>(),
              id["private_mib"].get<double>());
  std::printf("    largest mappings (RSS):");
  for (const auto& m : id["largest_mappings"])
    std::printf(" %s %.2f,", m["name"].get<std::string>().c_str(), m["rss_kib"].get<double>() / 1024.0);
  std::printf(" MiB\n");
  std::printf("  agent CPU at 1 Hz                      %10.3f %% of a core (target < %.0f)  %s\n",
              id["cpu_percent"].get<double>(), kTargetCpuPercent, cpu_ok ? "ok" : "MISSED");
  if (!json_path.empty()) std::ofstream(json_path) << out.dump(2) << "\n";
  return enforce && !(rss_ok && cpu_ok && drain_ok) ? 1 : 0;
}
