#include "hub/web/client_queue.hpp"

namespace fleetlink::hub::web {

ClientQueue::ClientQueue(std::size_t conflate_after, std::size_t max_items)
    : conflate_after_(conflate_after), max_items_(max_items) {}

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
    if (items_[i] && conflatable(*items_[i])) (*latest_)[keyOf(*items_[i])] = i;
}

ClientQueue::Push ClientQueue::push(EventPtr e, bool conflate) {
  if (conflate && live_ >= conflate_after_ && conflatable(*e)) {
    if (!latest_) buildIndex();
    auto [it, inserted] = latest_->try_emplace(keyOf(*e), items_.size());
    if (!inserted) {
      // The older state is superseded: drop it from its place and queue the newer one at the end, so offsets
      // still reach the client in increasing order.
      items_[it->second] = nullptr;
      it->second = items_.size();
      items_.push_back(std::move(e));
      if (items_.size() - head_ > 2 * max_items_ + 64) compact();
      return Push::Conflated;
    }
    if (live_ >= max_items_) {
      latest_->erase(it);
      return Push::Overflow;
    }
  }
  if (live_ >= max_items_) return Push::Overflow;
  if (latest_ && conflatable(*e)) (*latest_)[keyOf(*e)] = items_.size();
  items_.push_back(std::move(e));
  ++live_;
  return Push::Queued;
}

void ClientQueue::take(std::size_t max_bytes, std::vector<EventPtr>& out) {
  std::size_t bytes = 0;
  while (head_ < items_.size() && (bytes < max_bytes || bytes == 0)) {
    auto& e = items_[head_++];
    if (!e) continue;
    bytes += e->json.size();
    out.push_back(std::move(e));
    --live_;
  }
  latest_.reset();  // indices move; rebuilt on the next push that needs it
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
  std::vector<EventPtr> kept;
  kept.reserve(live_);
  for (std::size_t i = head_; i < items_.size(); ++i)
    if (items_[i]) kept.push_back(std::move(items_[i]));
  items_ = std::move(kept);
  head_ = 0;
  latest_.reset();
}

void ClientQueue::clear() {
  items_.clear();
  items_.shrink_to_fit();
  head_ = 0;
  live_ = 0;
  latest_.reset();
}

}  // namespace fleetlink::hub::web
