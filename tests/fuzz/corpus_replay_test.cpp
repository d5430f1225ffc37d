// The fuzz targets (fuzz/targets) built with the normal compiler and sanitizers: every seed file, then
// deterministic mutations of each, must run without a crash, a sanitizer report or a violated property.
// The libFuzzer runs (label "fuzz", scripts/post-test.d/30-fuzz.sh) explore far more; this keeps every finding
// they were seeded with, and the targets themselves, checked in each ordinary test run.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "fleetlink/common/wire_json.hpp"
#include "fuzz/fuzz_target.hpp"
#include "support/process.hpp"

using namespace fleetlink;
namespace fs = std::filesystem;

namespace {

constexpr int kMutationsPerSeed = 300;

std::vector<std::string> seeds(const std::string& target) {
  std::vector<std::string> out;
  const fs::path dir = test::sourcePath("fuzz/corpus/" + target);
  if (!fs::is_directory(dir)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

// libFuzzer-like edits: flip, insert, erase, overwrite with an interesting byte, duplicate a slice, splice.
std::string mutate(std::string s, const std::string& other, std::mt19937& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const std::size_t pos = s.empty() ? 0 : rng() % s.size();
    switch (rng() % 6) {
      case 0:
        if (!s.empty()) s[pos] = static_cast<char>(s[pos] ^ (1 << (rng() % 8)));
        break;
      case 1: s.insert(pos, 1, static_cast<char>(rng())); break;
      case 2:
        if (!s.empty()) s.erase(pos, 1 + rng() % std::min<std::size_t>(8, s.size() - pos));
        break;
      case 3: {
        static const char interesting[] = {0, 1, 0x7f, static_cast<char>(0x80), static_cast<char>(0xff), '{', '"', '['};
        if (!s.empty()) s[pos] = interesting[rng() % sizeof interesting];
        break;
      }
      case 4:
        if (!s.empty()) s.insert(pos, s.substr(pos, 1 + rng() % 16));
        break;
      default:
        if (!other.empty()) s = s.substr(0, pos) + other.substr(rng() % other.size());
        break;
    }
  }
  return s;
}

fuzz::TargetFn find(const std::string& name) {
  for (const auto& t : fuzz::registry())
    if (name == t.name) return t.fn;
  return nullptr;
}

void replay(const std::string& target) {
  const auto fn = find(target);
  REQUIRE(fn != nullptr);
  const auto corpus = seeds(target);
  REQUIRE(corpus.size() >= 2);
  std::mt19937 rng(12345);
  std::size_t runs = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const auto& seed = corpus[i];
    CHECK(fn(reinterpret_cast<const std::uint8_t*>(seed.data()), seed.size()) == 0);
    for (int m = 0; m < kMutationsPerSeed; ++m) {
      const auto input = mutate(seed, corpus[(i + 1) % corpus.size()], rng);
      fn(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
      ++runs;
    }
  }
  fn(nullptr, 0);
  CHECK(runs == corpus.size() * kMutationsPerSeed);
}

}  // namespace

TEST_CASE("fuzz target uplink_decoder survives its corpus and mutations", "[fuzz]") { replay("uplink_decoder"); }
TEST_CASE("fuzz target admin_request survives its corpus and mutations", "[fuzz]") { replay("admin_request"); }
TEST_CASE("fuzz target config_parser survives its corpus and mutations", "[fuzz]") { replay("config_parser"); }
TEST_CASE("fuzz target client_message survives its corpus and mutations", "[fuzz]") { replay("client_message"); }
TEST_CASE("fuzz target mqtt5_reader survives its corpus and mutations", "[fuzz]") { replay("mqtt5_reader"); }

TEST_CASE("the uplink seeds are real messages the decoder accepts", "[fuzz]") {
  int valid = 0;
  for (const auto& s : seeds("uplink_decoder"))
    if (wire::decodeUplink(s)) ++valid;
  CHECK(valid >= 4);
  int admin = 0;
  for (const auto& s : seeds("admin_request"))
    if (wire::decodeAdminRequest(s, wire::detectEncoding("", s))) ++admin;
  CHECK(admin == 4);
}

TEST_CASE("every fuzz target has a seed corpus", "[fuzz]") {
  CHECK(fuzz::registry().size() == 5);
  for (const auto& t : fuzz::registry()) {
    INFO(t.name);
    CHECK(seeds(t.name).size() >= 2);
  }
}
