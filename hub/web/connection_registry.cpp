#include "hub/web/connection_registry.hpp"

namespace fleetlink::hub::web {

void ConnectionRegistry::add(const std::shared_ptr<LiveConnection>& c, std::int64_t expires_at_ms) {
  std::lock_guard lk(mu_);
  items_[c.get()] = {c, expires_at_ms};
}

void ConnectionRegistry::remove(const LiveConnection* c) {
  std::lock_guard lk(mu_);
  items_.erase(c);
}

std::vector<std::shared_ptr<LiveConnection>> ConnectionRegistry::takeExpired(std::int64_t now_ms) {
  std::vector<std::shared_ptr<LiveConnection>> out;
  std::lock_guard lk(mu_);
  for (auto it = items_.begin(); it != items_.end();) {
    if (it->second.expires_at_ms <= now_ms) {
      if (auto c = it->second.conn.lock()) out.push_back(std::move(c));
      it = items_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<std::shared_ptr<LiveConnection>> ConnectionRegistry::all() const {
  std::vector<std::shared_ptr<LiveConnection>> out;
  std::lock_guard lk(mu_);
  for (const auto& [k, item] : items_)
    if (auto c = item.conn.lock()) out.push_back(std::move(c));
  return out;
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lk(mu_);
  return items_.size();
}

}  // namespace fleetlink::hub::web
