#pragma once
// What a cross-built ELF file is and links against, read with the host's readelf.
#include <string>
#include <vector>

namespace fleetlink::test::cross {

struct ElfInfo {
  std::string machine;              // "AArch64", "ARM", "Advanced Micro Devices X86-64"
  std::vector<std::string> needed;  // DT_NEEDED sonames
  std::string interpreter;          // program interpreter (dynamic loader)
};

ElfInfo readElf(const std::string& path);

// Where each needed library resolves among the target's multiarch folders (empty when it does not); a library
// that only exists for the host is reported as missing.
struct Resolved {
  std::string soname;
  std::string path;
  std::string machine;
};
std::vector<Resolved> resolveNeeded(const ElfInfo& elf, const std::string& triplet);

}  // namespace fleetlink::test::cross
