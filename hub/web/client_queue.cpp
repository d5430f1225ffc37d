#include "hub/web/client_queue.hpp"

#include <nlohmann/json.hpp>

namespace fleetlink::hub::web {

ClientQueue::ClientQueue(std::size_t conflate_after, std::size_t max_items)
    : conflate_after_(conflate_after),
      max_items_(max_items),
      // conflate_after: states queued before the client started lagging may repeat a vehicle.
      max_states_(conflate_after + kStatesPerItem * max_items) {}

std::string ClientQueue::keyOf(const StreamEvent& e) {
  std::string k;
  k.reserve(e.stream.size() + e.vehicle.size() + 3);
  k += e.stream;
  k += '/';
  k += e.vehicle;
  k += '/';
  k += static_cast<char>('0' + e.kind);
  return k;
}

void ClientQueue::buildIndex() {
  latest_ = std::make_unique<std::unordered_map<std::string, std::size_t>>();
  for (std::size_t i = head_; i < items_.size(); ++i)
    if (items_[i].event && !items_[i].counted && conflatable(*items_[i].event)) (*latest_)[keyOf(*items_[i].event)] = i;
}

ClientQueue::Push ClientQueue::push(EventPtr e, bool conflate) {
  const bool counts = !conflate || !conflatable(*e);
  if (!counts && live_ >= conflate_after_) {
    if (!latest_) buildIndex();
    auto [it, inserted] = latest_->try_emplace(keyOf(*e), items_.size());
    if (!inserted) {
      // The older state is superseded: drop it from its place and queue the newer one at the end, so offsets
      // still reach the client in increasing order.
      auto& old = items_[it->second];  // a live state: replayed ones are never in the index
      ++replaced_[old.event->stream];
      old = Slot{};
      it->second = items_.size();
      items_.push_back({std::move(e), false});
      if (items_.size() - head_ > 2 * live_ + 64) compact();
      return Push::Conflated;
    }
    // A vehicle not queued yet: bounded by the fleet, and by max_states_ should the fleet not bound it.
    if (live_ - counted_ >= max_states_) {
      latest_->erase(it);
      return Push::Overflow;
    }
    items_.push_back({std::move(e), false});
    ++live_;
    return Push::Queued;
  }
  if (counts && counted_ >= max_items_) return Push::Overflow;
  // A replay is exactly what a resuming client asked for: only live states are ever replaced.
  if (latest_ && !counts) (*latest_)[keyOf(*e)] = items_.size();
  items_.push_back({std::move(e), counts});
  ++live_;
  if (counts) ++counted_;
  return Push::Queued;
}

void ClientQueue::take(std::size_t max_bytes, std::vector<EventPtr>& out) {
  std::size_t bytes = 0;
  // Replaced events were queued after everything taken so far, so this reaches the client before the gap does.
  for (const auto& [stream, n] : replaced_) {
    out.push_back(makeControl(nlohmann::json{{"type", "conflated"}, {"stream", stream}, {"count", n}}.dump()));
    bytes += out.back()->json.size();
  }
  replaced_.clear();
  while (head_ < items_.size() && (bytes < max_bytes || bytes == 0)) {
    const std::size_t at = head_++;
    auto& s = items_[at];
    if (!s.event) continue;
    // Keep the index instead of rebuilding it on the next push: a lagging client's queue may hold a whole
    // fleet, and the fan-out thread waits for that rebuild.
    if (latest_ && conflatable(*s.event)) {
      if (auto it = latest_->find(keyOf(*s.event)); it != latest_->end() && it->second == at)
        latest_->erase(it);
    }
    bytes += s.event->json.size();
    if (s.counted) --counted_;
    out.push_back(std::move(s.event));
    --live_;
  }
  if (live_ < conflate_after_) latest_.reset();  // keeping up again
  if (head_ == items_.size()) {
    items_.clear();
    head_ = 0;
    // A burst may have grown the buffer: give the memory back once the client has caught up.
    if (items_.capacity() > 256) items_.shrink_to_fit();
  } else if (head_ > items_.size() / 2) {
    compact();
  }
}

void ClientQueue::compact() {
  std::vector<Slot> kept;
  kept.reserve(live_);
  // Where each queued slot moves, to update the index without rebuilding its keys.
  std::vector<std::size_t> moved_to(latest_ ? items_.size() - head_ : 0);
  for (std::size_t i = head_; i < items_.size(); ++i) {
    if (!items_[i].event) continue;
    if (latest_) moved_to[i - head_] = kept.size();
    kept.push_back(std::move(items_[i]));
  }
  if (latest_)
    for (auto& entry : *latest_) entry.second = moved_to[entry.second - head_];
  items_ = std::move(kept);
  head_ = 0;
}

void ClientQueue::clear() {
  items_.clear();
  items_.shrink_to_fit();
  head_ = 0;
  live_ = 0;
  counted_ = 0;
  latest_.reset();
  replaced_.clear();
}

}  // namespace fleetlink::hub::web
