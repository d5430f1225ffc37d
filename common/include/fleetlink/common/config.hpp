#pragma once
// Schema-driven configuration: TOML files (comments allowed), then command-line overrides, then validation.
// Every error names where the value came from (file and line, or the command-line flag) and the key.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleetlink/common/expected.hpp"

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace fleetlink::config {

enum class Type {
  String,
  Int,
  Double,
  Bool,
  Duration,  // "250ms", "30s", "5m", "2h", "1d" or a plain number of seconds; stored in milliseconds
  Size,      // "512", "64KiB", "10MiB", "1GiB"; stored in bytes
  Table,     // structured value (tables/arrays) checked by its own validator
};

// A validator returns an error text ("must be between 1 and 65535") or nothing.
using Check = std::function<std::optional<std::string>(const struct Value&)>;
using TableCheck = std::function<std::optional<std::string>(const toml::node&)>;

struct Value {
  std::string text;  // as written (typed values normalised)
  std::int64_t i = 0;
  double d = 0;
  bool b = false;
};

struct KeyDef {
  std::string key;  // "section.name"
  Type type = Type::String;
  std::string default_value;  // in the same syntax as the file; empty string allowed for String
  std::string help;
  Check check;            // optional
  TableCheck table_check; // for Type::Table
  bool secret = false;    // never printed (passwords)
};

// The keys one program accepts. Build it once at start; immutable afterwards.
class Schema {
 public:
  explicit Schema(std::string program) : program_(std::move(program)) {}
  Schema& add(KeyDef def);
  const KeyDef* find(std::string_view key) const;
  const std::vector<KeyDef>& keys() const { return keys_; }
  const std::string& program() const { return program_; }
  // A block for --help: every key, its type, default and help.
  std::string describe() const;

 private:
  std::string program_;
  std::vector<KeyDef> keys_;
};

// Common checks.
Check inRange(double lo, double hi);
Check oneOf(std::vector<std::string> allowed);
Check durationRange(std::string lo, std::string hi);  // e.g. durationRange("100ms", "1d")
Check validId();   // fleetlink::isValidId
Check nonEmpty();

// A loaded, validated configuration.
class Config {
 public:
  Config();
  ~Config();
  Config(const Config&);
  Config& operator=(const Config&);
  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;

  const std::string& str(std::string_view key) const;
  std::int64_t integer(std::string_view key) const;
  double number(std::string_view key) const;
  bool flag(std::string_view key) const;
  std::chrono::milliseconds duration(std::string_view key) const;
  std::uint64_t bytes(std::string_view key) const;
  // Structured values (Type::Table); nullptr when unset.
  const toml::node* table(std::string_view key) const;

  // Where the effective value came from: "path:line", "--set", "default".
  std::string origin(std::string_view key) const;
  // A stable hash of every effective value (hex, 16 chars); changes exactly when the configuration does.
  std::string hash() const;
  // The effective configuration as TOML text (secrets masked), for --print-config and diagnostics.
  std::string dump(bool mask_secrets = true) const;

  const Schema& schema() const { return *schema_; }

 private:
  friend class Loader;
  struct Entry {
    Value value;
    std::string origin;
    std::shared_ptr<toml::table> node;  // Type::Table: a holder table whose key "v" is the value
  };
  const Entry& entry(std::string_view key) const;
  std::shared_ptr<const Schema> schema_;
  std::map<std::string, Entry, std::less<>> entries_;
};

struct Override {
  std::string key;
  std::string value;
  std::string origin = "--set";
};

// Loads files in order (later files override earlier ones; a missing optional file is skipped), then applies
// overrides, then fills defaults and validates. Unknown keys are errors: a typo must not pass silently.
class Loader {
 public:
  explicit Loader(Schema schema);
  Loader& file(std::string path, bool optional = false);
  Loader& text(std::string toml_text, std::string origin);  // e.g. a ConfigUpdate from the hub
  Loader& set(std::string key, std::string value, std::string origin = "--set");
  Expected<Config> load() const;

 private:
  struct Source {
    bool is_file;
    std::string path_or_text;
    std::string origin;
    bool optional;
  };
  std::shared_ptr<const Schema> schema_;
  std::vector<Source> sources_;
  std::vector<Override> overrides_;
};

// Parses "30s"-style durations and "10MiB"-style sizes; nullopt when malformed.
std::optional<std::int64_t> parseDurationMs(std::string_view text);
std::optional<std::uint64_t> parseSizeBytes(std::string_view text);

// Writes `contents` to `path` atomically: temp file in the same folder, fsync, rename, fsync the folder.
Status writeFileAtomically(const std::string& path, std::string_view contents);

}  // namespace fleetlink::config
