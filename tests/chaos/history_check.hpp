#pragma once
// Reads what the hub stored (its SQLite history file, opened read-only beside the running hub) and what each
// edge numbered (its outbox file), and compares them record by record.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace fleetlink::test::chaos {

// What one edge's outbox says it numbered: every seq 1..last_seq of `epoch` was buffered, less what its drop
// policy removed (counted in `dropped`, reported in its health records).
struct EdgeLedger {
  std::string device;
  std::uint64_t epoch = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t dropped = 0;
  std::uint64_t unsent = 0;  // rows still to deliver (panics waiting for their ack stay; delivered copies kept for re-sending do not count)
};
EdgeLedger readOutbox(const std::string& outbox_path, const std::string& device);

struct HistoryCount {
  std::uint64_t rows = 0;        // records stored (positions and events tables together)
  std::uint64_t distinct = 0;    // distinct (device, epoch, seq)
  std::uint64_t duplicated = 0;  // rows beyond the first of any (device, epoch, seq)
  std::map<std::pair<std::string, std::uint64_t>, std::set<std::uint64_t>> seqs;  // (device, epoch) -> seqs
};
HistoryCount readHistory(const std::string& history_path);

struct PanicCheck {
  std::uint64_t panics = 0;           // panic records stored
  std::uint64_t with_alert = 0;       // of those, how many have an alert of rule "panic" for exactly them
  std::uint64_t extra_alerts = 0;     // panic alerts beyond one per panic record
  std::vector<std::string> alert_ids;
  std::vector<std::string> missing;   // "device:epoch:seq" of panics without an alert
};
PanicCheck readPanics(const std::string& history_path);

}  // namespace fleetlink::test::chaos
