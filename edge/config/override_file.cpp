#include "edge/config/override_file.hpp"

#include <filesystem>
#include <sstream>

#include <toml++/toml.h>

namespace fleetlink::edge {

std::string unquoteValue(const std::string& value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') return value.substr(1, value.size() - 2);
  return value;
}

Expected<std::string> renderOverrideToml(const config::Schema& schema, const OverrideValues& values) {
  toml::table root;
  for (const auto& [key, text] : values) {
    const config::KeyDef* def = schema.find(key);
    if (!def) return Error{"unknown key " + key};
    const auto dot = key.find('.');
    if (dot == std::string::npos) return Error{"key " + key + " has no section"};
    const std::string section = key.substr(0, dot);
    const std::string name = key.substr(dot + 1);
    if (!root.contains(section)) root.insert(section, toml::table{});
    toml::table& t = *root.get_as<toml::table>(section);
    try {
      switch (def->type) {
        case config::Type::Int: {
          std::size_t used = 0;
          const long long v = std::stoll(text, &used);
          if (used != text.size()) return Error{"key " + key + ": expected an integer, got \"" + text + "\""};
          t.insert_or_assign(name, static_cast<std::int64_t>(v));
          break;
        }
        case config::Type::Double: {
          std::size_t used = 0;
          const double v = std::stod(text, &used);
          if (used != text.size()) return Error{"key " + key + ": expected a number, got \"" + text + "\""};
          t.insert_or_assign(name, v);
          break;
        }
        case config::Type::Bool:
          if (text != "true" && text != "false") return Error{"key " + key + ": expected true or false, got \"" + text + "\""};
          t.insert_or_assign(name, text == "true");
          break;
        case config::Type::Table:
          return Error{"key " + key + " holds a structured value and cannot be set remotely"};
        default:
          t.insert_or_assign(name, text);
      }
    } catch (const std::exception&) {
      return Error{"key " + key + ": \"" + text + "\" is not a number"};
    }
  }
  std::ostringstream out;
  out << "# Written by fleetlink-edge: configuration changed remotely (ConfigUpdate commands).\n"
         "# Loaded after the configuration files; command-line flags still win. Delete this file to undo.\n"
      << root << "\n";
  return out.str();
}

Expected<OverrideValues> readOverrideFile(const std::string& path) {
  OverrideValues values;
  if (!std::filesystem::exists(path)) return values;
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Error{path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description())};
  }
  for (auto&& [section, node] : doc) {
    const toml::table* t = node.as_table();
    if (!t) return Error{path + ": expected only [section] tables, found " + std::string(section.str())};
    for (auto&& [name, v] : *t) {
      const std::string key = std::string(section.str()) + "." + std::string(name.str());
      if (auto s = v.value<std::string>(); s && v.is_string()) values[key] = *s;
      else if (v.is_boolean()) values[key] = *v.value<bool>() ? "true" : "false";
      else if (v.is_integer()) values[key] = std::to_string(*v.value<std::int64_t>());
      else if (v.is_floating_point()) {
        std::ostringstream o;
        o << *v.value<double>();
        values[key] = o.str();
      } else return Error{path + ": key " + key + " has an unsupported value type"};
    }
  }
  return values;
}

}  // namespace fleetlink::edge
