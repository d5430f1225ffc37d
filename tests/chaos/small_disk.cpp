#include "small_disk.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace fleetlink::test::chaos {

SmallDisk::SmallDisk(std::string mount_point, std::size_t bytes)
    : path_(std::move(mount_point)), filler_(path_ + "/filler.bin") {
  std::filesystem::create_directories(path_);
  const std::string opts = "size=" + std::to_string(bytes) + ",mode=0777";
  if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) != 0)
    throw std::runtime_error("cannot mount a " + std::to_string(bytes) + "-byte tmpfs on " + path_ + ": " +
                             std::strerror(errno) + " (the disk-full scenario needs root)");
}

SmallDisk::~SmallDisk() {
  // Lazy unmount: a process that still has a file open there (a killed agent being reaped) cannot block it.
  ::umount2(path_.c_str(), MNT_DETACH);
}

std::size_t SmallDisk::fill() {
  const int fd = ::open(filler_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + filler_ + ": " + std::strerror(errno));
  std::vector<char> block(64 * 1024, 0);
  std::size_t total = 0;
  std::size_t size = block.size();
  // Large blocks first, then smaller ones, until not even one byte fits.
  while (size > 0) {
    const ssize_t n = ::write(fd, block.data(), size);
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != ENOSPC) {
      ::close(fd);
      throw std::runtime_error("writing " + filler_ + ": " + std::strerror(errno));
    }
    size /= 2;
  }
  ::close(fd);
  return total;
}

void SmallDisk::release() { ::unlink(filler_.c_str()); }

std::size_t SmallDisk::freeBytes() const {
  struct statvfs s {};
  if (::statvfs(path_.c_str(), &s) != 0) return 0;
  return static_cast<std::size_t>(s.f_bavail) * s.f_frsize;
}

}  // namespace fleetlink::test::chaos
