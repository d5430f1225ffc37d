#pragma once
// One fuzz target, two drivers. Built with clang and FLEETLINK_LIBFUZZER, FLEETLINK_FUZZ_TARGET becomes
// libFuzzer's entry point (fuzz/CMakeLists.txt); built with the normal gcc build it registers the function so
// the corpus-replay test (tests/fuzz) runs the same code over the seed corpus and mutations under ASan/UBSan.
//
// A target returns 0 and calls fuzzCheck() for properties that must hold for every input; a failed check
// aborts, which both drivers report as a finding with the input that caused it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/stubs/logging.h>

namespace fleetlink::fuzz {

using TargetFn = int (*)(const std::uint8_t*, std::size_t);

struct Target {
  const char* name;
  TargetFn fn;
};

inline std::vector<Target>& registry() {
  static std::vector<Target> r;
  return r;
}

struct Registrar {
  Registrar(const char* name, TargetFn fn) { registry().push_back({name, fn}); }
};

inline void fuzzCheck(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

// Protobuf logs every invalid UTF-8 string it parses; millions of inputs would drown the fuzzer's output.
inline void quietProtobuf() {
  static const bool done = (google::protobuf::SetLogHandler(nullptr), true);
  (void)done;
}

inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace fleetlink::fuzz

#ifdef FLEETLINK_LIBFUZZER
#define FLEETLINK_FUZZ_TARGET(name)                                                   \
  static int fuzz_##name(const std::uint8_t* data, std::size_t size);                 \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    return fuzz_##name(data, size);                                                   \
  }                                                                                   \
  static int fuzz_##name(const std::uint8_t* data, std::size_t size)
#else
#define FLEETLINK_FUZZ_TARGET(name)                                                          \
  static int fuzz_##name(const std::uint8_t* data, std::size_t size);                        \
  static const ::fleetlink::fuzz::Registrar registrar_##name(#name, &fuzz_##name);          \
  static int fuzz_##name(const std::uint8_t* data, std::size_t size)
#endif
