#pragma once
// The open WebSocket connections, so the server can close those whose token expires and all of them at
// shutdown. Holds weak references only: a connection lives through its own pending operations.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleetlink::hub::web {

class LiveConnection {
 public:
  virtual ~LiveConnection() = default;
  // Sends a WebSocket close with this code and reason. Thread-safe: the work runs on the connection's strand.
  virtual void closeWith(std::uint16_t code, std::string reason) = 0;
  // Messages queued for the client and not yet handed to the socket (stats: who is lagging).
  virtual std::size_t backlog() = 0;
};

class ConnectionRegistry {
 public:
  void add(const std::shared_ptr<LiveConnection>& c, std::int64_t expires_at_ms);
  void remove(const LiveConnection* c);
  // Removes and returns the connections whose token expired at `now_ms`.
  std::vector<std::shared_ptr<LiveConnection>> takeExpired(std::int64_t now_ms);
  std::vector<std::shared_ptr<LiveConnection>> all() const;
  std::size_t size() const;

 private:
  struct Item {
    std::weak_ptr<LiveConnection> conn;
    std::int64_t expires_at_ms;
  };
  mutable std::mutex mu_;
  std::unordered_map<const LiveConnection*, Item> items_;
};

}  // namespace fleetlink::hub::web
