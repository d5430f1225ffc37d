#pragma once
#include <string>
namespace fleetlink::test {
// A fresh folder under /tmp, removed with everything in it when the object goes away
// (kept when FLEETLINK_KEEP_TEST_DIRS is set, for post-mortems).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "fleetlink-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& contents) const;

 private:
  std::string path_;
};
}  // namespace fleetlink::test
