#pragma once
// Recovery after an unclean stop. The broker counts a message as delivered when the hub's MQTT client has
// acknowledged it, which happens before the hub has committed it to the history; a kill -9 or a crash in that
// moment would lose it. The edge therefore keeps acknowledged records for a while (outbox.keep_delivered), and
// after an unclean stop the hub asks every vehicle it hears from to re-send what the broker confirmed since shortly
// before the hub was last known alive. Re-sent records the history already holds are dropped as duplicates.
//
// The hub writes a liveness marker every few seconds and a clean-shutdown marker on stop; on start the marker
// says whether the last run ended cleanly. Pure logic: the caller stores the marker and sends the commands.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace fleetlink::hub::ingest {

class CrashRecovery {
 public:
  struct Options {
    std::int64_t margin_ms = 30'000;        // asked for before the last liveness marker
    std::int64_t period_ms = 3'600'000;     // vehicles first heard this long after the start are still asked
    std::int64_t heartbeat_ms = 5'000;      // liveness marker interval
  };

  struct Marker {
    std::int64_t alive_at_ms = 0;
    bool clean = false;
  };
  static std::string encode(const Marker& m);
  static std::optional<Marker> decode(const std::string& text);  // nullopt when unreadable

  // `previous`: the marker the last run left (nullopt: first run, nothing to recover).
  CrashRecovery(Options opts, const std::optional<Marker>& previous, std::int64_t started_at_ms);

  bool recovering() const { return recover_since_ms_ != 0; }
  std::int64_t since_ms() const { return recover_since_ms_; }

  // The re-send window (milliseconds back from `now_ms`) to ask this vehicle for, once per vehicle while
  // recovering; nullopt when it was already asked, or recovery is over or not needed.
  std::optional<std::int64_t> windowFor(const std::string& fleet, const std::string& vehicle, std::int64_t now_ms);

  // The marker to store now, when one is due (at start, then every heartbeat_ms); nullopt otherwise.
  std::optional<Marker> heartbeat(std::int64_t now_ms);
  static Marker cleanStop(std::int64_t now_ms) { return {now_ms, true}; }

  std::size_t asked() const { return asked_.size(); }

 private:
  Options opts_;
  std::int64_t started_at_ms_;
  std::int64_t recover_since_ms_ = 0;  // 0 = not recovering
  std::int64_t last_heartbeat_ms_ = INT64_MIN;
  std::set<std::pair<std::string, std::string>> asked_;
};

}  // namespace fleetlink::hub::ingest
