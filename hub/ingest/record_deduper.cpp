#include "hub/ingest/record_deduper.hpp"

#include <iterator>

namespace fleetlink::hub::ingest {

RecordDeduper::RecordDeduper(Loader loader, std::size_t max_ranges)
    : loader_(std::move(loader)), max_ranges_(max_ranges) {}

RecordDeduper::Stream& RecordDeduper::stream(const std::string& device, std::uint64_t epoch) {
  std::string key = device;
  key += '\0';
  key += std::to_string(epoch);
  if (last_ && key == last_key_) return *last_;  // consecutive records of one message share a stream
  auto [it, fresh] = streams_.try_emplace(key);
  if (fresh && loader_)
    for (std::uint64_t seq : loader_(device, epoch)) insert(it->second, seq);
  last_key_ = std::move(key);
  last_ = &it->second;
  return it->second;
}

bool RecordDeduper::insert(Stream& s, std::uint64_t seq) {
  auto& r = s.ranges;
  if (!r.empty()) {
    auto last = std::prev(r.end());
    if (seq == last->second + 1 && seq > last->first) {  // the common case: the next record in order
      last->second = seq;
      return true;
    }
  }
  auto next = r.upper_bound(seq);
  if (next != r.begin()) {
    auto prev = std::prev(next);
    if (seq <= prev->second) return false;
    if (seq == prev->second + 1) {
      prev->second = seq;
      if (next != r.end() && next->first == seq + 1) {
        prev->second = next->second;
        r.erase(next);
      }
      return true;
    }
  }
  if (next != r.end() && next->first == seq + 1) {
    const std::uint64_t last = next->second;
    r.erase(next);
    r.emplace(seq, last);
    return true;
  }
  r.emplace(seq, seq);
  return true;
}

bool RecordDeduper::firstTime(const std::string& device, std::uint64_t epoch, std::uint64_t seq) {
  Stream& s = stream(device, epoch);
  if (!insert(s, seq)) return false;
  if (s.ranges.size() > max_ranges_) {
    // Too many gaps (records the device dropped for good): close the oldest gap. A record from that old gap
    // arriving later would be taken as a duplicate; the bound keeps memory fixed per device.
    auto first = s.ranges.begin();
    auto second = std::next(first);
    const std::uint64_t begin = first->first;
    const std::uint64_t end = second->second;
    s.ranges.erase(first, std::next(second));
    s.ranges.emplace(begin, end);
  }
  return true;
}

}  // namespace fleetlink::hub::ingest
