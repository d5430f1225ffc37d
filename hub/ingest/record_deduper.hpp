#pragma once
// De-duplication by (device, epoch, seq): the edge re-sends after reconnects, and each record must count once.
// Seen sequence numbers are kept per device epoch as merged ranges, so memory grows with the number of gaps,
// not of records. After a restart a stream's ranges are rebuilt from the store on first sight.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleetlink::hub::ingest {

class RecordDeduper {
 public:
  using Loader = std::function<std::vector<std::uint64_t>(const std::string& device, std::uint64_t epoch)>;

  explicit RecordDeduper(Loader loader = {}, std::size_t max_ranges = 4096);

  // True the first time (device, epoch, seq) is offered; it is then remembered.
  bool firstTime(const std::string& device, std::uint64_t epoch, std::uint64_t seq);
  std::size_t streams() const { return streams_.size(); }

 private:
  struct Stream {
    std::map<std::uint64_t, std::uint64_t> ranges;  // first -> last seen seq, disjoint, not adjacent
  };
  Stream& stream(const std::string& device, std::uint64_t epoch);
  static bool insert(Stream& s, std::uint64_t seq);

  Loader loader_;
  std::size_t max_ranges_;
  std::unordered_map<std::string, Stream> streams_;
  std::string last_key_;
  Stream* last_ = nullptr;
};

}  // namespace fleetlink::hub::ingest
