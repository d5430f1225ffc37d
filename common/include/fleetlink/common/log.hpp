#pragma once
// Structured logging in logfmt: `ts=... level=warn component=hub.ingest fleet=acme vehicle=v7 msg="..." k=v`.
// One line per event on stderr (journald keeps it); thread-safe; cheap when the level is filtered out.
#include <atomic>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace fleetlink::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3, Off = 4 };

void setLevel(Level level);
Level level();
bool parseLevel(std::string_view text, Level& out);
inline bool enabled(Level l) { return l >= level(); }

using Field = std::pair<std::string_view, std::string>;
using Fields = std::initializer_list<Field>;

void write(Level level, std::string_view component, std::string_view message, Fields fields = {});

// A component's logger, e.g. Logger log("edge.outbox"); log.warn("disk full", {{"free", "0"}}).
class Logger {
 public:
  explicit Logger(std::string component) : component_(std::move(component)) {}
  void debug(std::string_view msg, Fields f = {}) const { if (enabled(Level::Debug)) write(Level::Debug, component_, msg, f); }
  void info(std::string_view msg, Fields f = {}) const { if (enabled(Level::Info)) write(Level::Info, component_, msg, f); }
  void warn(std::string_view msg, Fields f = {}) const { if (enabled(Level::Warn)) write(Level::Warn, component_, msg, f); }
  void error(std::string_view msg, Fields f = {}) const { if (enabled(Level::Error)) write(Level::Error, component_, msg, f); }
  const std::string& component() const { return component_; }

 private:
  std::string component_;
};

// Formats one logfmt line (exposed for tests).
std::string format(Level level, std::string_view component, std::string_view message, Fields fields);

}  // namespace fleetlink::log
