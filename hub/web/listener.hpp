#pragma once
// Accepts TCP connections on the web port and starts an HTTP session for each, on its own strand.
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "fleetlink/common/expected.hpp"
#include "hub/web/server_context.hpp"

namespace fleetlink::hub::web {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, std::shared_ptr<ServerContext> ctx);
  Status open(const std::string& address, int port);
  void run();
  void close();  // thread-safe
  int port() const { return port_; }

 private:
  void doAccept();
  void onAccept(boost::system::error_code ec, net::ip::tcp::socket socket);

  net::io_context& ioc_;
  net::ip::tcp::acceptor acceptor_;
  net::steady_timer retry_;
  std::shared_ptr<ServerContext> ctx_;
  int port_ = 0;
};

}  // namespace fleetlink::hub::web
