#include "hub/web/listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "fleetlink/common/log.hpp"
#include "hub/web/http_session.hpp"

namespace fleetlink::hub::web {
namespace {
const log::Logger kLog("hub.web");
}

Listener::Listener(net::io_context& ioc, std::shared_ptr<ServerContext> ctx)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), retry_(acceptor_.get_executor()), ctx_(std::move(ctx)) {}

Status Listener::open(const std::string& address, int port) {
  boost::system::error_code ec;
  const auto addr = net::ip::make_address(address, ec);
  if (ec) return Error{"web.address '" + address + "' is not an IP address"};
  const net::ip::tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  const std::string where = address + ":" + std::to_string(port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Error{ec.message()}.context("could not listen on " + where + " (web.address, web.port)");
  port_ = acceptor_.local_endpoint().port();
  return okStatus();
}

void Listener::run() { doAccept(); }

void Listener::close() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
    self->retry_.cancel();
  });
}

void Listener::doAccept() {
  acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](boost::system::error_code ec,
                                                                             net::ip::tcp::socket socket) {
    self->onAccept(ec, std::move(socket));
  });
}

void Listener::onAccept(boost::system::error_code ec, net::ip::tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // Out of file descriptors or similar: log, pause briefly instead of spinning, keep serving.
    static std::atomic<int> logged{0};
    if (logged++ < 20) kLog.error("accept failed", {{"error", ec.message()}});
    ctx_->metrics.counter("fleetlink_web_accept_errors_total", "failed accepts (e.g. out of file descriptors)").inc();
    retry_.expires_after(std::chrono::milliseconds(100));
    retry_.async_wait([self = shared_from_this()](boost::system::error_code e) {
      if (!e) self->doAccept();
    });
    return;
  }
  runHttpSession(ctx_, std::move(socket));
  doAccept();
}

}  // namespace fleetlink::hub::web
