#include "fleetlink/common/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace fleetlink::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::Info)};
std::mutex g_write_mutex;

const char* name(Level l) {
  switch (l) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
    case Level::Off: return "off";
  }
  return "?";
}

void appendValue(std::string& out, std::string_view v) {
  bool needs_quotes = v.empty();
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) needs_quotes = true;
  if (!needs_quotes) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += '?';
        else out += c;
    }
  }
  out += '"';
}

}  // namespace

void setLevel(Level l) { g_level.store(static_cast<int>(l), std::memory_order_relaxed); }
Level level() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

bool parseLevel(std::string_view text, Level& out) {
  for (Level l : {Level::Debug, Level::Info, Level::Warn, Level::Error, Level::Off}) {
    if (text == name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

std::string format(Level l, std::string_view component, std::string_view message, Fields fields) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string out;
  out.reserve(128);
  out += "ts=";
  out += ts;
  out += " level=";
  out += name(l);
  out += " component=";
  appendValue(out, component);
  out += " msg=";
  appendValue(out, message);
  for (const auto& [k, v] : fields) {
    out += ' ';
    out += k;
    out += '=';
    appendValue(out, v);
  }
  out += '\n';
  return out;
}

void write(Level l, std::string_view component, std::string_view message, Fields fields) {
  const std::string line = format(l, component, message, fields);
  std::lock_guard lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace fleetlink::log
