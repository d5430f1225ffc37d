#include "hub/web/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fleetlink::hub::web {

std::string_view StaticFiles::contentType(std::string_view path) {
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json";
  if (ends(".png")) return "image/png";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

std::optional<StaticFiles::File> StaticFiles::get(std::string_view path) const {
  if (root_.empty() || path.empty() || path.front() != '/') return std::nullopt;
  std::string rel(path == "/" ? std::string_view("/index.html") : path);
  // Only plain names below the root: no "..", no hidden files, no NUL or backslash.
  if (rel.find("..") != std::string::npos || rel.find("/.") != std::string::npos ||
      rel.find('\0') != std::string::npos || rel.find('\\') != std::string::npos)
    return std::nullopt;
  const std::filesystem::path file = std::filesystem::path(root_) / rel.substr(1);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream os;
  os << in.rdbuf();
  return File{std::string(contentType(rel)), os.str()};
}

}  // namespace fleetlink::hub::web
