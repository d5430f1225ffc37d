#pragma once
// One dispatcher's WebSocket: reads its subscribe/ping messages, and writes what the fan-out queued for it,
// one frame at a time, each frame carrying the messages waiting: a JSON array, or a FeedFrame for clients of the
// binary subprotocol. Runs on its connection's strand and lives through the handlers it has pending
// (shared_from_this).
#include <cstdint>
#include <memory>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "hub/web/auth.hpp"
#include "hub/web/server_context.hpp"

namespace fleetlink::hub::web {

// Close codes the server sends (docs/api.md).
inline constexpr std::uint16_t kCloseGoingAway = 1001;     // hub shutting down: reconnect with backoff
inline constexpr std::uint16_t kCloseTokenExpired = 4001;  // get a new token, reconnect, resume
inline constexpr std::uint16_t kCloseTooSlow = 4008;       // the client fell too far behind: reconnect, resume

// Takes over an upgraded HTTP connection (Stream: beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>).
template <class Stream>
void runWebSocketSession(std::shared_ptr<ServerContext> ctx, Stream&& stream,
                         boost::beast::http::request<boost::beast::http::string_body> upgrade, Principal principal);

}  // namespace fleetlink::hub::web
