#pragma once
// Command lines of the fleet benchmarks: --key value pairs and bare flags, nothing more.
#include <map>
#include <stdexcept>
#include <string>

namespace fleetlink::bench {

inline std::map<std::string, std::string> parseArgs(int argc, char** argv) {
  std::map<std::string, std::string> a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument " + k);
    if (const auto eq = k.find('='); eq != std::string::npos) a[k.substr(0, eq)] = k.substr(eq + 1);
    else if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) a[k] = argv[++i];
    else a[k] = "";
  }
  return a;
}

inline std::string argOr(const std::map<std::string, std::string>& a, const std::string& k, const std::string& d) {
  const auto it = a.find(k);
  return it == a.end() ? d : it->second;
}

}  // namespace fleetlink::bench
