#include "chaos_rig.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "fleetlink/common/clock.hpp"
#include "history_check.hpp"
#include "web_fixture.hpp"

namespace fleetlink::test::chaos {
namespace {

// gpsfake's pace: three sentences (GGA, GSA, RMC) per fix at 50 ms each, so generated drives carry a fix every
// 150 ms of GPS time and the agents' clocks keep step with the wall clock (the hub rejects records from more
// than ten minutes in the future).
constexpr double kSentenceDelayS = 0.05;
constexpr std::int64_t kFixPeriodMs = 150;
const char* const kRoutes[] = {"deploy/routes/city-loop.toml", "deploy/routes/harbour-shuttle.toml",
                               "deploy/routes/ring-road.toml"};

std::vector<std::string> readLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// The first `fixes` fixes of a drive along `route` starting at `start_ms` (laps added until it is long enough).
std::vector<std::string> driveSegment(const std::string& route, std::int64_t start_ms, std::size_t fixes,
                                      const std::string& scratch) {
  for (int laps = 1; laps <= 512; laps *= 2) {
    auto r = run({binary("fleetlink-nmea-drive"), "--route", sourcePath(route), "--out", scratch, "--laps",
                  std::to_string(laps), "--start-ms", std::to_string(start_ms), "--period-ms",
                  std::to_string(kFixPeriodMs)});
    if (r.code != 0) throw std::runtime_error("fleetlink-nmea-drive failed: " + r.output);
    std::vector<std::string> out;
    std::size_t seen = 0;
    for (auto& line : readLines(scratch)) {
      if (line.rfind("$GPGGA", 0) == 0 && ++seen > fixes) return out;
      out.push_back(std::move(line));
    }
  }
  throw std::runtime_error("route " + route + " gives too few fixes");
}

std::int64_t wallMs() { return SystemClock().nowMs(); }

}  // namespace

ChaosRig::ChaosRig(std::string fault, RigOptions o)
    : fault_(std::move(fault)), opts_(std::move(o)), started_(std::chrono::steady_clock::now()) {
  broker_ = std::make_unique<Broker>();
  proxy_ = std::make_unique<TcpProxy>(broker_->port());
  hub_ = std::make_unique<HubRunner>(broker_->port(), kSecret);
  hub_->start();
  watcher_ = std::make_unique<LiveWatcher>(hub_->webPort(), token(hub::web::Role::Dispatcher, {kFleet}), kFleet);
  watcher_->start();
  for (int i = 0; i < opts_.edges; ++i) {
    auto u = std::make_unique<EdgeUnit>();
    u->vehicle = "van-" + std::to_string(i + 1);
    u->dir = std::make_unique<TempDir>("fleetlink-chaos-edge");
    const std::string data_dir = u->dir->file("data");
    if (i == 0 && opts_.small_disk_on_first_edge) u->disk = std::make_unique<SmallDisk>(data_dir, 16u << 20);
    u->gps = std::make_unique<GpsFake>(GpsFake::Options{makeDrive(i, *u->dir), kSentenceDelayS, true});
    edge::AgentOptions ao;
    ao.fleet = kFleet;
    ao.vehicle = u->vehicle;
    ao.data_dir = data_dir;
    ao.gps_port = u->gps->port();
    ao.mqtt_port = proxy_->port();
    ao.extra = opts_.edge_flags;
    u->agent = std::make_unique<edge::EdgeAgent>(ao);
    u->agent->start();
    edges_.push_back(std::move(u));
  }
}

ChaosRig::~ChaosRig() {
  if (watcher_) watcher_->stop();
  // Agents first (they hold files on the small disk), then the disks, then the folders they sit in.
  for (auto& e : edges_) {
    e->agent->kill9();
    e->gps.reset();
    e->disk.reset();
  }
}

std::string ChaosRig::makeDrive(int i, const TempDir& dir) {
  const std::string route = kRoutes[i % 3];
  const auto total = static_cast<std::size_t>(opts_.drive_length.count() * 1000 / kFixPeriodMs);
  std::vector<ClockJump> jumps = opts_.clock_jumps;
  jumps.push_back({total, 0});
  std::ofstream out(dir.file("drive.nmea"), std::ios::binary);
  std::int64_t start = wallMs();
  std::size_t done = 0;
  for (const auto& j : jumps) {
    if (j.after_fixes <= done) continue;
    const std::size_t n = j.after_fixes - done;
    for (const auto& line : driveSegment(route, start, n, dir.file("segment.nmea"))) out << line << '\n';
    done = j.after_fixes;
    start += static_cast<std::int64_t>(n) * kFixPeriodMs + j.jump_ms;
  }
  if (!out) throw std::runtime_error("cannot write " + dir.file("drive.nmea"));
  return dir.file("drive.nmea");
}

void ChaosRig::pressPanic(int i) {
  auto answer = edge(i).request({{"cmd", "panic"}});
  // On a full disk the agent holds the panic in memory and says so; it must still reach the hub once space returns.
  const bool held = answer.value("error", "").find("in memory") != std::string::npos;
  if (answer.value("ok", false) != true && !held) throw std::runtime_error("panic press refused: " + answer.dump());
  ++panics_;
}

void ChaosRig::pressPanicAll() {
  for (int i = 0; i < edgeCount(); ++i) pressPanic(i);
}

ChaosResult ChaosRig::finish() {
  ChaosResult res;
  res.fault = fault_;
  res.injected = injected_;
  res.panics = panics_;

  // Everything back as it should be.
  if (!broker_->running()) broker_->start();
  proxy_->restore();
  if (!hub_->running()) hub_->start();
  for (auto& e : edges_) {
    if (e->disk) e->disk->release();
    if (!e->agent->running()) e->agent->start();
  }
  // No new data from here on: what the edges hold now must reach the hub.
  for (auto& e : edges_) e->gps->stop();
  const bool drained = waitUntil(
      [&] {
        for (auto& e : edges_) {
          try {
            const auto s = e->agent->status();
            if (s["broker"]["connected"] != true || s["buffer"]["records"] != 0) return false;
          } catch (const std::exception&) {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(120));
  if (!drained) {
    for (auto& e : edges_) {
      try {
        res.problems.push_back(e->vehicle + " did not drain: " + e->agent->status().dump());
      } catch (const std::exception& ex) {
        res.problems.push_back(e->vehicle + " did not answer: " + ex.what());
      }
    }
  }
  for (auto& e : edges_) e->agent->stop();

  std::vector<EdgeLedger> ledgers;
  for (auto& e : edges_) ledgers.push_back(readOutbox(e->outbox(), e->device()));

  auto complete = [&](const HistoryCount& h) {
    for (const auto& l : ledgers) {
      auto it = h.seqs.find({l.device, l.epoch});
      const std::size_t have = it == h.seqs.end() ? 0 : it->second.size();
      if (have + l.dropped < l.last_seq) return false;
    }
    return true;
  };
  HistoryCount history;
  waitUntil(
      [&] {
        history = readHistory(hub_->historyPath());
        return complete(history);
      },
      std::chrono::seconds(15));  // the edges already hold PUBACKs for all of it: the hub commits within 200 ms

  res.duplicated = history.duplicated;
  for (const auto& l : ledgers) {
    res.dropped += l.dropped;
    res.sent += l.last_seq - l.dropped;
    std::uint64_t have = 0;
    for (const auto& [key, seqs] : history.seqs) {
      if (key.first != l.device) continue;
      if (key.second != l.epoch) {
        res.problems.push_back(l.device + ": stored records of epoch " + std::to_string(key.second) +
                               " while its outbox is epoch " + std::to_string(l.epoch));
        continue;
      }
      for (auto s : seqs) {
        if (s >= 1 && s <= l.last_seq) ++have;
        else res.problems.push_back(l.device + ": stored seq " + std::to_string(s) + " beyond last " + std::to_string(l.last_seq));
      }
    }
    res.stored += have;
    const std::uint64_t missing = l.last_seq - have;
    if (missing > l.dropped) {
      res.lost += missing - l.dropped;
      std::string first;
      auto it = history.seqs.find({l.device, l.epoch});
      for (std::uint64_t s = 1; s <= l.last_seq && first.empty(); ++s)
        if (it == history.seqs.end() || !it->second.count(s)) first = std::to_string(s);
      res.problems.push_back(l.device + ": " + std::to_string(missing - l.dropped) + " records lost (first missing seq " +
                             first + " of " + std::to_string(l.last_seq) + ", " + std::to_string(l.dropped) +
                             " dropped by policy)");
    }
    if (l.unsent != 0) res.problems.push_back(l.device + ": " + std::to_string(l.unsent) + " records left in its outbox");
  }
  if (res.duplicated) res.problems.push_back(std::to_string(res.duplicated) + " records stored more than once");

  const auto panics = readPanics(hub_->historyPath());
  res.panic_alerts = panics.with_alert;
  if (panics.panics != panics_)
    res.problems.push_back(std::to_string(panics_) + " panic presses but " + std::to_string(panics.panics) +
                           " panic records stored");
  for (const auto& m : panics.missing) res.problems.push_back("panic " + m + " has no alert");
  if (panics.extra_alerts) res.problems.push_back(std::to_string(panics.extra_alerts) + " panics raised more than one alert");

  auto seenLive = [&] {
    const auto t = watcher_->tally();
    std::uint64_t n = 0;
    for (const auto& id : panics.alert_ids) n += t.panic_alert_ids.count(id);
    return n;
  };
  waitUntil([&] { return seenLive() == panics.alert_ids.size(); }, std::chrono::seconds(10));
  res.panic_alerts_live = seenLive();
  watcher_->stop();
  res.live = watcher_->tally();
  if (res.live.unannounced_gaps || res.live.repeated)
    res.problems.push_back("live stream: " + std::to_string(res.live.unannounced_gaps) + " unannounced gaps (" +
                           std::to_string(res.live.unannounced_missing) + " events), " +
                           std::to_string(res.live.repeated) + " repeats; first: " + res.live.first_problem);
  // A client told to resync reloads current state instead; without a resync every alert must have arrived live.
  if (res.live.announced_gaps == 0 && res.panic_alerts_live != panics.alert_ids.size())
    res.problems.push_back("only " + std::to_string(res.panic_alerts_live) + " of " +
                           std::to_string(panics.alert_ids.size()) + " panic alerts reached the WebSocket client");
  if (res.live.events == 0) res.problems.push_back("the WebSocket client saw no event at all");
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return res;
}

std::string tableHeader() {
  return "| fault | faults injected | records sent | records stored | lost | duplicated | dropped by edge policy | "
         "panics → alerts (seen live) | live events | resyncs announced | unannounced gaps | seconds |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
}

std::string tableRow(const ChaosResult& r) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.0f", r.seconds);
  std::ostringstream o;
  o << "| " << r.fault << " | " << r.injected << " | " << r.sent << " | " << r.stored << " | " << r.lost << " | "
    << r.duplicated << " | " << r.dropped << " | " << r.panics << " → " << r.panic_alerts << " (" << r.panic_alerts_live
    << ") | " << r.live.events << " | " << r.live.announced_gaps << " | " << r.live.unannounced_gaps << " | " << secs
    << " |\n";
  return o.str();
}

void recordRow(const ChaosResult& r, const std::string& profile) {
  const std::string dir = std::string(FLEETLINK_BINARY_DIR) + "/tests/chaos";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/chaos-" + profile + ".md";
  // Scenarios of one profile run one at a time (RESOURCE_LOCK in CMakeLists.txt): the first writes the header.
  const bool fresh = !std::filesystem::exists(path);
  const std::string row = (fresh ? tableHeader() : std::string()) + tableRow(r);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd >= 0) {
    [[maybe_unused]] const auto n = ::write(fd, row.data(), row.size());
    ::close(fd);
  }
  std::cout << "\n" << tableHeader() << tableRow(r) << std::flush;
}

}  // namespace fleetlink::test::chaos
