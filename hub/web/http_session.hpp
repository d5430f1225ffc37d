#pragma once
// One HTTP connection: reads requests (with size limits and timeouts), answers the API off the network
// threads, serves the dashboard's files, and hands WebSocket upgrades with a valid token to a WebSocket
// session. Plain or TLS, decided by the server's settings.
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "hub/web/server_context.hpp"

namespace fleetlink::hub::web {

void runHttpSession(std::shared_ptr<ServerContext> ctx, boost::asio::ip::tcp::socket socket);

}  // namespace fleetlink::hub::web
