#include "tools/fleet-sim/sim_options.hpp"

#include <charconv>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>

#include "fleetlink/common/config.hpp"
#include "fleetlink/common/ids.hpp"

namespace fleetlink::sim {
namespace {

template <typename T>
bool toNumber(const std::string& s, T& v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

std::optional<std::int64_t> duration(const std::string& s) { return config::parseDurationMs(s); }

}  // namespace

std::optional<std::int64_t> parseStartTime(const std::string& text) {
  std::int64_t ms;
  if (toNumber(text, ms)) return ms;
  std::tm tm{};
  int y, mo, d, h, mi, sec;
  char z = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z) < 6) return std::nullopt;
  if (z != 0 && z != 'Z') return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const std::time_t t = timegm(&tm);
  if (t == -1) return std::nullopt;
  return static_cast<std::int64_t>(t) * 1000;
}

std::string simUsage() {
  return R"(Usage: fleetlink-sim [options]
Simulates a fleet of vehicles speaking fleetlink's wire protocol (docs/protocol.md) to a real MQTT broker:
Uplink batches with per-vehicle seq, retained birth and last will, driver log-in, health, panics re-sent until
the hub's PanicAck, and CommandAck answers to commands. Runs until --duration or Ctrl-C.

Broker and fleet
  --broker HOST:PORT            broker to connect to (default 127.0.0.1:1883)
  --username U, --password P    MQTT credentials (plain TCP; no TLS)
  --fleet NAME                  fleet id (default sim); with --fleets K > 1 the fleets are NAME-1..NAME-K
  --fleets K                    split the vehicles across K fleets (default 1)
  --vehicles N                  number of vehicles, 1..20000 (default 10)
  --vehicle-prefix P            vehicle ids are P-00001, P-00002, ... (default sim)
  --vehicles-per-connection K   vehicles sharing one MQTT connection (default: 1, or as many as keep the
                                connection count under --max-connections, 15000)
  --qos 0|1                     QoS of Uplink publishes (default 1)
  --keepalive S                 MQTT keep-alive in seconds (default 30)
  --connect-rate N              new connections per second while starting (default 1000)

Traffic
  --rate-hz R                   position fixes per vehicle per second (default 1)
  --records-per-message N       live records per Uplink (default 1: each fix sent as taken)
  --backlog-batch N             records per historical Uplink when draining a backlog (default 500, max 2000)
  --health-every DUR            DeviceHealth record period (default 60s; 0 = none)
  --panic-every DUR             each vehicle presses the panic button this often (default: never)
  --panic-resend DUR            re-send an unacknowledged panic this often (default 10s)
  --outage LEN[/EVERY]          vehicles lose their link for LEN (every EVERY), buffer, then drain the
                                backlog as historical batches (e.g. 30s/5m)
  --outage-share F              fraction of vehicles that have outages (default 1)
  --offline-before DUR          vehicles come back after DUR offline: each starts holding DUR x rate records
                                of backlog and drains them as historical batches (e.g. 24h)
  --clock-skew-ms N             each vehicle's board clock is off by up to N ms either way (GPS time is not)
  --start-time T                simulated UTC start, ISO 8601 (2026-03-01T08:00:00Z) or ms (default now)
  --duration DUR                run time, e.g. 90s, 10m (default 0: until Ctrl-C)
  --drain-timeout DUR           at the end, wait this long for unacknowledged records (default 15s)

Routes
  --routes PATH                 route file or folder of *.toml routes (deploy/routes); repeatable
  --nmea FILE                   replay a recorded NMEA log (RMC/GGA); repeatable
  --centre LAT,LON              centre of generated routes (default 52.3702,4.8952)
  --radius-km R                 radius of generated routes (default 6)
  --spread-m M                  vehicles sharing a route are shifted by up to M metres (default 150)
  --seed N                      random seed for routes, phases and offsets (default 1)

Output
  --report FILE                 JSON summary: per vehicle the epoch, seqs sent and acknowledged, panics
  --epoch N                     epoch of every record (default: the start time in seconds, new per run)
  --progress DUR                progress line period (default 10s; 0 = none)
  --help, --version
)";
}

int effectiveVehiclesPerConnection(const SimOptions& o) {
  if (o.vehicles_per_connection > 0) return o.vehicles_per_connection;
  const int max_conn = std::max(1, o.max_connections);
  return std::max(1, (o.vehicles + max_conn - 1) / max_conn);
}

Expected<SimOptions> parseSimOptions(int argc, const char* const* argv) {
  SimOptions o;
  using Setter = std::function<std::optional<std::string>(const std::string&)>;
  auto durationInto = [](std::int64_t& field) -> Setter {
    return [&field](const std::string& v) -> std::optional<std::string> {
      auto d = duration(v);
      if (!d || *d < 0) return "expected a duration such as 500ms, 30s, 5m";
      field = *d;
      return std::nullopt;
    };
  };
  auto intInto = [](int& field, int lo, int hi) -> Setter {
    return [&field, lo, hi](const std::string& v) -> std::optional<std::string> {
      int n;
      if (!toNumber(v, n) || n < lo || n > hi)
        return "expected a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
      field = n;
      return std::nullopt;
    };
  };
  auto doubleInto = [](double& field, double lo, double hi) -> Setter {
    return [&field, lo, hi](const std::string& v) -> std::optional<std::string> {
      double d;
      if (!toNumber(v, d) || !std::isfinite(d) || d < lo || d > hi) return "expected a number in range";
      field = d;
      return std::nullopt;
    };
  };
  auto idInto = [](std::string& field) -> Setter {
    return [&field](const std::string& v) -> std::optional<std::string> {
      if (!isValidId(v)) return "expected 1-64 characters of A-Z a-z 0-9 _ - (not starting with _ or -)";
      field = v;
      return std::nullopt;
    };
  };
  std::map<std::string, Setter> opts = {
      {"--broker", [&](const std::string& v) -> std::optional<std::string> {
         const auto colon = v.rfind(':');
         int port;
         if (colon == std::string::npos || colon == 0 || !toNumber(v.substr(colon + 1), port) || port < 1 ||
             port > 65535)
           return "expected HOST:PORT, e.g. 127.0.0.1:1883";
         o.broker_host = v.substr(0, colon);
         o.broker_port = port;
         return std::nullopt;
       }},
      {"--username", [&](const std::string& v) { o.username = v; return std::optional<std::string>{}; }},
      {"--password", [&](const std::string& v) { o.password = v; return std::optional<std::string>{}; }},
      {"--fleet", idInto(o.fleet)},
      {"--fleets", intInto(o.fleets, 1, 1000)},
      {"--vehicles", intInto(o.vehicles, 1, 20'000)},
      {"--vehicle-prefix", idInto(o.vehicle_prefix)},
      {"--vehicles-per-connection", intInto(o.vehicles_per_connection, 1, 20'000)},
      {"--max-connections", intInto(o.max_connections, 1, 19'000)},
      {"--qos", intInto(o.qos, 0, 1)},
      {"--keepalive", intInto(o.keepalive_s, 2, 3600)},
      {"--connect-rate", intInto(o.connect_rate, 1, 100'000)},
      {"--rate-hz", doubleInto(o.rate_hz, 0.001, 50)},
      {"--records-per-message", intInto(o.records_per_message, 1, 2000)},
      {"--backlog-batch", intInto(o.backlog_batch, 1, 2000)},
      {"--health-every", durationInto(o.health_every_ms)},
      {"--panic-every", durationInto(o.panic_every_ms)},
      {"--panic-resend", durationInto(o.panic_resend_ms)},
      {"--outage", [&](const std::string& v) -> std::optional<std::string> {
         const auto slash = v.find('/');
         auto len = duration(v.substr(0, slash));
         std::optional<std::int64_t> every = std::int64_t{0};
         if (slash != std::string::npos) every = duration(v.substr(slash + 1));
         if (!len || !every || *len <= 0 || *every < 0 || (*every > 0 && *every <= *len))
           return "expected LENGTH or LENGTH/EVERY with EVERY longer than LENGTH, e.g. 30s/5m";
         o.outage_length_ms = *len;
         o.outage_every_ms = *every;
         return std::nullopt;
       }},
      {"--outage-share", doubleInto(o.outage_share, 0, 1)},
      {"--offline-before", [&](const std::string& v) -> std::optional<std::string> {
         auto d = duration(v);
         if (!d || *d < 0 || *d > 7LL * 86'400'000) return "expected a duration up to 7d, e.g. 24h";
         o.offline_before_ms = *d;
         return std::nullopt;
       }},
      {"--clock-skew-ms", [&](const std::string& v) -> std::optional<std::string> {
         std::int64_t n;
         if (!toNumber(v, n) || n < 0 || n > 10LL * 365 * 86'400'000) return "expected milliseconds >= 0";
         o.clock_skew_ms = n;
         return std::nullopt;
       }},
      {"--start-time", [&](const std::string& v) -> std::optional<std::string> {
         o.start_time_ms = parseStartTime(v);
         if (!o.start_time_ms) return "expected 2026-03-01T08:00:00Z or milliseconds since 1970";
         return std::nullopt;
       }},
      {"--duration", durationInto(o.duration_ms)},
      {"--drain-timeout", durationInto(o.drain_timeout_ms)},
      {"--report", [&](const std::string& v) { o.report_path = v; return std::optional<std::string>{}; }},
      {"--routes", [&](const std::string& v) { o.tracks.route_files.push_back(v); return std::optional<std::string>{}; }},
      {"--nmea", [&](const std::string& v) { o.tracks.nmea_files.push_back(v); return std::optional<std::string>{}; }},
      {"--centre", [&](const std::string& v) -> std::optional<std::string> {
         const auto comma = v.find(',');
         double lat, lon;
         if (comma == std::string::npos || !toNumber(v.substr(0, comma), lat) || !toNumber(v.substr(comma + 1), lon) ||
             !geo::isValid({lat, lon}))
           return "expected LAT,LON in degrees, e.g. 52.37,4.89";
         o.tracks.centre = {lat, lon};
         return std::nullopt;
       }},
      {"--radius-km", [&](const std::string& v) -> std::optional<std::string> {
         double km;
         if (!toNumber(v, km) || km < 0.1 || km > 500) return "expected 0.1 to 500";
         o.tracks.radius_m = km * 1000;
         return std::nullopt;
       }},
      {"--spread-m", doubleInto(o.spread_m, 0, 100'000)},
      {"--seed", [&](const std::string& v) -> std::optional<std::string> {
         if (!toNumber(v, o.seed)) return "expected a whole number";
         return std::nullopt;
       }},
      {"--epoch", [&](const std::string& v) -> std::optional<std::string> {
         std::uint64_t e;
         if (!toNumber(v, e) || e == 0) return "expected a whole number > 0";
         o.epoch = e;
         return std::nullopt;
       }},
      {"--progress", durationInto(o.progress_every_ms)},
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    if (a == "--version") {
      o.version = true;
      continue;
    }
    std::string value;
    bool has_value = false;
    if (const auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    const auto it = opts.find(a);
    if (it == opts.end()) return Error{"unknown option " + a + " (see --help)"};
    if (!has_value) {
      if (i + 1 >= argc) return Error{"option " + a + " needs a value"};
      value = argv[++i];
    }
    if (auto err = it->second(value)) return Error{"option " + a + " " + value + ": " + *err};
  }
  if (o.fleets > o.vehicles) return Error{"--fleets " + std::to_string(o.fleets) + " is more than --vehicles"};
  if (o.vehicles_per_connection > 0 &&
      (o.vehicles + o.vehicles_per_connection - 1) / o.vehicles_per_connection > o.max_connections)
    return Error{"--vehicles-per-connection " + std::to_string(o.vehicles_per_connection) + " needs more than " +
                 std::to_string(o.max_connections) + " connections; raise it"};
  return o;
}

}  // namespace fleetlink::sim
