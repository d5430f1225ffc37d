#pragma once
// A size-limited tmpfs mounted on a test folder, so an edge's data folder can really run out of space
// (ENOSPC from the kernel, as on a full eMMC). fill() takes every free byte with a filler file, release()
// gives it back; the mount goes away with the object, even when the test fails. Needs root (CI runs as root).
#include <string>

namespace fleetlink::test::chaos {

class SmallDisk {
 public:
  SmallDisk(std::string mount_point, std::size_t bytes);
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  const std::string& path() const { return path_; }
  std::size_t fill();      // bytes the filler took
  void release();          // deletes the filler
  std::size_t freeBytes() const;

 private:
  std::string path_;
  std::string filler_;
};

}  // namespace fleetlink::test::chaos
