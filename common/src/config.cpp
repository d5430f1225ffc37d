#include "fleetlink/common/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <toml++/toml.h>

#include "fleetlink/common/ids.hpp"

namespace fleetlink::config {
namespace {

std::string typeName(Type t) {
  switch (t) {
    case Type::String: return "string";
    case Type::Int: return "integer";
    case Type::Double: return "number";
    case Type::Bool: return "true/false";
    case Type::Duration: return "duration";
    case Type::Size: return "size";
    case Type::Table: return "table";
  }
  return "?";
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string nodeText(const toml::node& n) {
  if (auto s = n.value_exact<std::string>()) return quote(*s);
  std::ostringstream os;
  n.visit([&os](const auto& v) { os << v; });
  return os.str();
}

// Converts the text form of a scalar to a Value of the key's type; error text on failure.
Expected<Value> parseText(const KeyDef& def, std::string_view text) {
  Value v;
  v.text = std::string(text);
  switch (def.type) {
    case Type::String:
      return v;
    case Type::Int: {
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v.i);
      if (ec != std::errc() || p != text.data() + text.size()) return Error{"expected an integer, got " + quote(text)};
      v.d = static_cast<double>(v.i);
      return v;
    }
    case Type::Double: {
      std::string s(text);
      char* end = nullptr;
      errno = 0;
      v.d = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || errno != 0 || !std::isfinite(v.d))
        return Error{"expected a number, got " + quote(text)};
      return v;
    }
    case Type::Bool:
      if (text == "true" || text == "yes" || text == "on" || text == "1") v.b = true;
      else if (text == "false" || text == "no" || text == "off" || text == "0") v.b = false;
      else return Error{"expected true or false, got " + quote(text)};
      v.text = v.b ? "true" : "false";
      return v;
    case Type::Duration: {
      auto ms = parseDurationMs(text);
      if (!ms) return Error{"expected a duration like \"500ms\", \"30s\", \"5m\", \"2h\" or \"1d\", got " + quote(text)};
      v.i = *ms;
      return v;
    }
    case Type::Size: {
      auto b = parseSizeBytes(text);
      if (!b) return Error{"expected a size like \"4096\", \"64KiB\", \"10MiB\" or \"1GiB\", got " + quote(text)};
      v.i = static_cast<std::int64_t>(*b);
      return v;
    }
    case Type::Table:
      return Error{"expected a table or array"};
  }
  return Error{"unsupported type"};
}

// Converts a TOML node to the key's type.
Expected<Value> parseNode(const KeyDef& def, const toml::node& n) {
  switch (def.type) {
    case Type::String:
      if (auto s = n.value_exact<std::string>()) return parseText(def, *s);
      return Error{"expected a string in quotes, got " + nodeText(n)};
    case Type::Int:
      if (auto i = n.value_exact<std::int64_t>()) return parseText(def, std::to_string(*i));
      return Error{"expected an integer, got " + nodeText(n)};
    case Type::Double:
      if (n.is_integer() || n.is_floating_point()) {
        Value v;
        v.d = *n.value<double>();
        v.text = nodeText(n);
        return v;
      }
      return Error{"expected a number, got " + nodeText(n)};
    case Type::Bool:
      if (auto b = n.value_exact<bool>()) return parseText(def, *b ? "true" : "false");
      return Error{"expected true or false, got " + nodeText(n)};
    case Type::Duration:
    case Type::Size:
      if (auto s = n.value_exact<std::string>()) return parseText(def, *s);
      if (auto i = n.value_exact<std::int64_t>()) return parseText(def, std::to_string(*i));
      return Error{"expected a " + typeName(def.type) + ", got " + nodeText(n)};
    case Type::Table:
      if (n.is_table() || n.is_array()) return Value{nodeText(n)};
      return Error{"expected a table or array, got " + nodeText(n)};
  }
  return Error{"unsupported type"};
}

std::string fnv1a64(std::string_view data) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

// ---- Schema ---------------------------------------------------------------------------------------

Schema& Schema::add(KeyDef def) {
  keys_.push_back(std::move(def));
  return *this;
}

const KeyDef* Schema::find(std::string_view key) const {
  for (const auto& k : keys_)
    if (k.key == key) return &k;
  return nullptr;
}

std::string Schema::describe() const {
  std::ostringstream os;
  for (const auto& k : keys_) {
    os << "  " << k.key << " (" << typeName(k.type) << ")";
    if (k.type != Type::Table && !k.secret) os << " = " << (k.default_value.empty() ? "\"\"" : k.default_value);
    os << "\n      " << k.help << "\n";
  }
  return os.str();
}

Check inRange(double lo, double hi) {
  return [lo, hi](const Value& v) -> std::optional<std::string> {
    const double x = v.d != 0 ? v.d : static_cast<double>(v.i);
    if (x < lo || x > hi) {
      std::ostringstream os;
      os << "must be between " << lo << " and " << hi << ", got " << v.text;
      return os.str();
    }
    return std::nullopt;
  };
}

Check oneOf(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const Value& v) -> std::optional<std::string> {
    for (const auto& a : allowed)
      if (a == v.text) return std::nullopt;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return "must be one of " + list + ", got " + quote(v.text);
  };
}

Check durationRange(std::string lo, std::string hi) {
  const std::int64_t lo_ms = parseDurationMs(lo).value_or(0), hi_ms = parseDurationMs(hi).value_or(INT64_MAX);
  return [=](const Value& v) -> std::optional<std::string> {
    if (v.i < lo_ms || v.i > hi_ms) return "must be between " + lo + " and " + hi + ", got " + v.text;
    return std::nullopt;
  };
}

Check validId() {
  return [](const Value& v) -> std::optional<std::string> {
    if (isValidId(v.text)) return std::nullopt;
    return "must be 1-64 characters of letters, digits, '_' or '-' (not starting with '_' or '-'), got " +
           quote(v.text);
  };
}

Check nonEmpty() {
  return [](const Value& v) -> std::optional<std::string> {
    if (v.text.empty()) return "must not be empty";
    return std::nullopt;
  };
}

// ---- Config ---------------------------------------------------------------------------------------

Config::Config() = default;
Config::~Config() = default;
Config::Config(const Config&) = default;
Config& Config::operator=(const Config&) = default;
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;

const Config::Entry& Config::entry(std::string_view key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) throw std::logic_error("config key not in schema: " + std::string(key));
  return it->second;
}

const std::string& Config::str(std::string_view key) const { return entry(key).value.text; }
std::int64_t Config::integer(std::string_view key) const { return entry(key).value.i; }
double Config::number(std::string_view key) const { return entry(key).value.d; }
bool Config::flag(std::string_view key) const { return entry(key).value.b; }
std::chrono::milliseconds Config::duration(std::string_view key) const {
  return std::chrono::milliseconds(entry(key).value.i);
}
std::uint64_t Config::bytes(std::string_view key) const { return static_cast<std::uint64_t>(entry(key).value.i); }
const toml::node* Config::table(std::string_view key) const {
  const auto& e = entry(key);
  return e.node ? e.node->get("v") : nullptr;
}
std::string Config::origin(std::string_view key) const { return entry(key).origin; }

std::string Config::dump(bool mask_secrets) const {
  std::ostringstream os;
  for (const auto& def : schema_->keys()) {
    const auto& e = entry(def.key);
    os << def.key << " = ";
    if (def.secret && mask_secrets) {
      os << "\"***\"";
    } else if (def.type == Type::Table) {
      if (e.node) os << nodeText(*e.node->get("v")); else os << "[]";
    } else if (def.type == Type::String || def.type == Type::Duration || def.type == Type::Size) {
      os << quote(e.value.text);
    } else {
      os << e.value.text;
    }
    os << "\n";
  }
  return os.str();
}

std::string Config::hash() const { return fnv1a64(dump(false)); }

// ---- Loader ---------------------------------------------------------------------------------------

Loader::Loader(Schema schema) : schema_(std::make_shared<const Schema>(std::move(schema))) {}

Loader& Loader::file(std::string path, bool optional) {
  sources_.push_back({true, std::move(path), {}, optional});
  return *this;
}
Loader& Loader::text(std::string toml_text, std::string origin) {
  sources_.push_back({false, std::move(toml_text), std::move(origin), false});
  return *this;
}
Loader& Loader::set(std::string key, std::string value, std::string origin) {
  overrides_.push_back({std::move(key), std::move(value), std::move(origin)});
  return *this;
}

Expected<Config> Loader::load() const {
  Config cfg;
  cfg.schema_ = schema_;
  const Schema& schema = *schema_;

  auto assign = [&](const KeyDef& def, const toml::node& n, const std::string& where) -> std::optional<Error> {
    auto v = parseNode(def, n);
    if (!v) return Error{where + ": key " + def.key + ": " + v.error().message};
    Config::Entry e{*v, where, nullptr};
    if (def.type == Type::Table) {
      toml::table holder;
      holder.insert("v", n);
      e.node = std::make_shared<toml::table>(std::move(holder));
    }
    cfg.entries_[def.key] = std::move(e);
    return std::nullopt;
  };

  // Walks a parsed document; tables are descended into unless the schema declares a Table key there.
  std::function<std::optional<Error>(const toml::table&, const std::string&, const std::string&)> walk =
      [&](const toml::table& t, const std::string& prefix, const std::string& origin) -> std::optional<Error> {
    for (auto&& [k, node] : t) {
      const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      const std::string where = origin + ":" + std::to_string(node.source().begin.line);
      if (const KeyDef* def = schema.find(key)) {
        if (auto err = assign(*def, node, where)) return err;
        continue;
      }
      if (node.is_table()) {
        bool is_prefix = false;
        for (const auto& d : schema.keys())
          if (d.key.rfind(key + ".", 0) == 0) is_prefix = true;
        if (is_prefix) {
          if (auto err = walk(*node.as_table(), key, origin)) return err;
          continue;
        }
      }
      return Error{where + ": unknown key " + key + " (see " + schema.program() + " --help for the keys)"};
    }
    return std::nullopt;
  };

  for (const auto& src : sources_) {
    const std::string origin = src.is_file ? src.path_or_text : src.origin;
    if (src.is_file && !std::filesystem::exists(src.path_or_text)) {
      if (src.optional) continue;
      return Error{origin + ": config file not found"};
    }
    toml::table doc;
    try {
      doc = src.is_file ? toml::parse_file(src.path_or_text) : toml::parse(src.path_or_text, origin);
    } catch (const toml::parse_error& e) {
      return Error{origin + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description())};
    }
    if (auto err = walk(doc, "", origin)) return *err;
  }

  for (const auto& o : overrides_) {
    const KeyDef* def = schema.find(o.key);
    if (!def) return Error{o.origin + " " + o.key + ": unknown key (see " + schema.program() + " --help)"};
    if (def->type == Type::Table) {
      toml::table doc;
      try {
        doc = toml::parse("v = " + o.value, o.origin);
      } catch (const toml::parse_error& e) {
        return Error{o.origin + " " + o.key + ": " + std::string(e.description())};
      }
      if (auto err = assign(*def, *doc.get("v"), o.origin)) return *err;
      continue;
    }
    auto v = parseText(*def, o.value);
    if (!v) return Error{o.origin + " " + o.key + ": " + v.error().message};
    cfg.entries_[def->key] = Config::Entry{*v, o.origin, nullptr};
  }

  for (const auto& def : schema.keys()) {
    if (cfg.entries_.count(def.key)) continue;
    if (def.type == Type::Table) {
      Config::Entry e{Value{def.default_value}, "default", nullptr};
      if (!def.default_value.empty()) {
        toml::table doc = toml::parse("v = " + def.default_value, std::string_view{"default"});
        e.node = std::make_shared<toml::table>(std::move(doc));
      }
      cfg.entries_[def.key] = std::move(e);
      continue;
    }
    auto v = parseText(def, def.default_value);
    if (!v) return Error{"default for " + def.key + ": " + v.error().message};
    cfg.entries_[def.key] = Config::Entry{*v, "default", nullptr};
  }

  for (const auto& def : schema.keys()) {
    const auto& e = cfg.entries_.at(def.key);
    std::optional<std::string> problem;
    if (def.check) problem = def.check(e.value);
    if (!problem && def.table_check && e.node) problem = def.table_check(*e.node->get("v"));
    if (problem) return Error{e.origin + ": key " + def.key + ": " + *problem};
  }
  return cfg;
}

// ---- helpers --------------------------------------------------------------------------------------

std::optional<std::int64_t> parseDurationMs(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double number = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || number < 0) return std::nullopt;
  const std::string_view unit(p, static_cast<std::size_t>(text.data() + text.size() - p));
  double mult = 0;
  if (unit.empty() || unit == "s") mult = 1000;
  else if (unit == "ms") mult = 1;
  else if (unit == "m" || unit == "min") mult = 60'000;
  else if (unit == "h") mult = 3'600'000;
  else if (unit == "d") mult = 86'400'000;
  else return std::nullopt;
  return static_cast<std::int64_t>(std::llround(number * mult));
}

std::optional<std::uint64_t> parseSizeBytes(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double number = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || number < 0) return std::nullopt;
  const std::string_view unit(p, static_cast<std::size_t>(text.data() + text.size() - p));
  double mult = 0;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "KiB" || unit == "K" || unit == "KB") mult = 1024.0;
  else if (unit == "MiB" || unit == "M" || unit == "MB") mult = 1024.0 * 1024;
  else if (unit == "GiB" || unit == "G" || unit == "GB") mult = 1024.0 * 1024 * 1024;
  else return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(number * mult));
}

Status writeFileAtomically(const std::string& path, std::string_view contents) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmpl = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return Error{std::string(std::strerror(errno))}.context("could not create a temporary file in " + dir.string());
  auto fail = [&](const char* what) {
    Error e{std::string(what) + ": " + std::strerror(errno)};
    ::close(fd);
    ::unlink(tmpl.c_str());
    return e.context("could not write " + path);
  };
  std::size_t off = 0;
  while (off < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + off, contents.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) return fail("chmod");
  if (::fsync(fd) != 0) return fail("fsync");
  ::close(fd);
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    Error e{std::string("rename: ") + std::strerror(errno)};
    ::unlink(tmpl.c_str());
    return e.context("could not write " + path);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);  // make the rename itself durable
    ::close(dfd);
  }
  return okStatus();
}

}  // namespace fleetlink::config
