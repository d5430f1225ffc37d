#include "hub/notify/webhook_notifier.hpp"

#include <algorithm>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"
#include "fleetlink/common/program.hpp"
#include "fleetlink/common/thread_name.hpp"
#include "fleetlink/common/wire_json.hpp"

namespace fleetlink::hub::notify {
namespace {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

const log::Logger kLog("hub.webhooks");

metrics::Counter& deliveries(const char* result) {
  return metrics::global().counter("fleetlink_hub_webhook_deliveries_total", "webhook delivery attempts",
                                   {{"result", result}});
}
}  // namespace

WebhookNotifier::WebhookNotifier(std::vector<Webhook> hooks, Options opts) : hooks_(std::move(hooks)), opts_(opts) {}

WebhookNotifier::~WebhookNotifier() { stop(); }

void WebhookNotifier::start() {
  if (hooks_.empty() || worker_.joinable()) return;
  worker_ = std::jthread([this](std::stop_token st) {
    nameThisThread("webhooks");
    run(st);
  });
}

void WebhookNotifier::stop() {
  if (!worker_.joinable()) return;
  worker_.request_stop();
  cv_.notify_all();
  worker_.join();
}

void WebhookNotifier::enqueue(const alerts::AlertChange& change) {
  if (hooks_.empty()) return;
  const std::string body = "{\"event\":\"alert\",\"transition\":\"" + change.transition + "\",\"alert\":" +
                           wire::toJson(change.alert) + "}";
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < hooks_.size(); ++i) {
    const auto& w = hooks_[i];
    if (change.alert.severity() < w.min_severity) continue;
    if (!w.fleets.empty() && std::find(w.fleets.begin(), w.fleets.end(), change.alert.fleet_id()) == w.fleets.end())
      continue;
    if (jobs_.size() >= opts_.max_pending) {
      jobs_.pop_front();  // a receiver down for long must not grow memory without bound
      deliveries("dropped").inc();
    }
    jobs_.push_back({i, body, 0, std::chrono::steady_clock::now()});
  }
  cv_.notify_one();
}

bool WebhookNotifier::post(const Webhook& w, const std::string& body, std::string& error) const {
  try {
    net::io_context ioc;
    net::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(w.timeout_s));
    stream.connect(resolver.resolve(w.host, w.port));
    http::request<http::string_body> req{http::verb::post, w.target, 11};
    req.set(http::field::host, w.host);
    req.set(http::field::user_agent, "fleetlink-hub/" + versionString());
    req.set(http::field::content_type, "application/json");
    if (!w.token.empty()) req.set(http::field::authorization, "Bearer " + w.token);
    req.body() = body;
    req.prepare_payload();
    stream.expires_after(std::chrono::seconds(w.timeout_s));
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    if (res.result_int() / 100 == 2) return true;
    error = "HTTP " + std::to_string(res.result_int());
    return false;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

void WebhookNotifier::run(std::stop_token st) {
  while (!st.stop_requested()) {
    Job job;
    {
      std::unique_lock lock(mu_);
      if (jobs_.empty()) {
        cv_.wait(lock, st, [&] { return !jobs_.empty(); });
        continue;
      }
      auto it = std::min_element(jobs_.begin(), jobs_.end(), [](const Job& a, const Job& b) { return a.due < b.due; });
      if (it->due > std::chrono::steady_clock::now()) {
        cv_.wait_until(lock, st, it->due, [] { return false; });
        continue;
      }
      job = std::move(*it);
      jobs_.erase(it);
    }
    const auto& w = hooks_[job.hook];
    std::string error;
    if (post(w, job.body, error)) {
      deliveries("ok").inc();
      continue;
    }
    ++job.attempt;
    if (job.attempt >= w.attempts) {
      deliveries("failed").inc();
      kLog.error("webhook delivery failed for good", {{"url", w.url}, {"attempts", std::to_string(job.attempt)},
                                                      {"error", error}});
      continue;
    }
    deliveries("retry").inc();
    auto backoff = opts_.first_backoff * (1LL << std::min(job.attempt - 1, 16));
    job.due = std::chrono::steady_clock::now() + std::min<std::chrono::milliseconds>(backoff, opts_.max_backoff);
    kLog.warn("webhook delivery failed; will retry", {{"url", w.url}, {"attempt", std::to_string(job.attempt)},
                                                      {"error", error}});
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
}

}  // namespace fleetlink::hub::notify
