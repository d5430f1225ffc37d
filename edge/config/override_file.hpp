#pragma once
// The override file: configuration keys changed remotely (ConfigUpdate commands), kept as a small TOML file in
// the data folder and loaded between the configuration files and the command line.
#include <map>
#include <string>

#include "fleetlink/common/config.hpp"
#include "fleetlink/common/expected.hpp"

namespace fleetlink::edge {

// key ("section.name") -> value as text, the way it is written on the command line ("5s", "42", "true", "abc").
using OverrideValues = std::map<std::string, std::string>;

// Renders values as TOML typed by the schema (numbers and booleans bare, everything else a quoted string).
// Fails on a key the schema does not know or a number that does not parse.
Expected<std::string> renderOverrideToml(const config::Schema& schema, const OverrideValues& values);

// Reads an override file back into values; a missing file is an empty set.
Expected<OverrideValues> readOverrideFile(const std::string& path);

// Strips one pair of surrounding double quotes ("\"abc\"" -> "abc"): ConfigUpdate values may be written either
// way, as in the config file or as on the command line.
std::string unquoteValue(const std::string& value);

}  // namespace fleetlink::edge
