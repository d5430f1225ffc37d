#pragma once
// Real clients of the hub's web port for tests and benchmarks: a WebSocket client (Beast) that collects the
// server's messages, and a one-shot HTTP request. Every wait has a timeout; a timeout fails the wait.
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fleetlink/v1/feed.pb.h"

namespace fleetlink::test {

// A binary-subprotocol message as the JSON message of the same type (numbers as numbers, data in the proto3
// JSON mapping), so tests read both feeds the same way. Fields left at their defaults are left out.
nlohmann::json feedMessageJson(const v1::FeedMessage& m);
// The top-level fields of a JSON message that are not at their default ("", 0, [], {}): what
// feedMessageJson of the same message's binary form holds.
nlohmann::json withoutDefaults(nlohmann::json m);

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// One request on a fresh connection; status 0 when the connection failed.
HttpResult httpRequest(int port, const std::string& method, const std::string& target, const std::string& token = "",
                       const std::string& body = "",
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

class WsClient {
 public:
  struct Options {
    std::string token;
    bool token_in_query = false;  // ?access_token= (as browsers do) instead of the Authorization header
    std::string path = "/ws";
    int receive_buffer = 0;       // SO_RCVBUF before connecting (small = a slow reader fills up quickly)
    bool tls = false;
    std::string subprotocols;     // Sec-WebSocket-Protocol offered, e.g. "fleetlink.v1.protobuf"
  };
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Connects and upgrades. On refusal returns false and sets refusedStatus()/refusedBody().
  bool connect(int port, const Options& opts);
  int refusedStatus() const { return refused_status_; }
  const std::string& refusedBody() const { return refused_body_; }

  // The subprotocol the hub answered with ("" when none).
  const std::string& subprotocol() const { return subprotocol_; }

  void send(const nlohmann::json& msg);
  void sendBinary(const std::string& bytes);
  // The next server message (frames are arrays of messages); nullopt on timeout or when the socket closed.
  std::optional<nlohmann::json> next(std::chrono::milliseconds timeout);
  // Reads until `pred` holds for a message; returns every message read, the matching one last. Empty
  // optional on timeout/close.
  std::optional<std::vector<nlohmann::json>> until(const std::function<bool(const nlohmann::json&)>& pred,
                                                   std::chrono::milliseconds timeout);
  // After the server closed: its close code (0 if none was received).
  int closeCode() const { return close_code_; }
  std::string closeReason() const { return close_reason_; }
  bool closed() const { return closed_; }
  void close();
  std::size_t framesReceived() const { return frames_; }
  // Binary frames received, and how many of them were not a valid v1::FeedFrame.
  std::size_t binaryFrames() const { return binary_frames_; }
  std::size_t badBinaryFrames() const { return bad_binary_frames_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::deque<nlohmann::json> pending_;
  int refused_status_ = 0;
  std::string refused_body_;
  int close_code_ = 0;
  std::string close_reason_;
  bool closed_ = false;
  std::size_t frames_ = 0;
  std::size_t binary_frames_ = 0;
  std::size_t bad_binary_frames_ = 0;
  std::string subprotocol_;
};

}  // namespace fleetlink::test
