#pragma once
// The dashboard's files, served from one folder: no path may leave it, types by extension.
#include <optional>
#include <string>
#include <string_view>

namespace fleetlink::hub::web {

class StaticFiles {
 public:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  struct File {
    std::string content_type;
    std::string body;
  };
  // "/" is index.html; nullopt for anything missing or outside the folder.
  std::optional<File> get(std::string_view path) const;
  const std::string& root() const { return root_; }

  static std::string_view contentType(std::string_view path);

 private:
  std::string root_;
};

}  // namespace fleetlink::hub::web
