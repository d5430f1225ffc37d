#pragma once
// Delivers alert changes to the configured webhooks: HTTP POST of a JSON document, retried with exponential
// backoff until a 2xx answer or the attempts run out. Its own thread; enqueue() never blocks on the network.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hub/alerts/alert_book.hpp"
#include "hub/notify/webhook_settings.hpp"

namespace fleetlink::hub::notify {

class WebhookNotifier {
 public:
  struct Options {
    std::chrono::milliseconds first_backoff{500};
    std::chrono::milliseconds max_backoff{60'000};
    std::size_t max_pending = 10'000;
  };
  WebhookNotifier(std::vector<Webhook> hooks, Options opts);
  explicit WebhookNotifier(std::vector<Webhook> hooks) : WebhookNotifier(std::move(hooks), Options{}) {}
  ~WebhookNotifier();
  void start();
  void stop();

  // Queues the change for every webhook whose fleets and severity match.
  void enqueue(const alerts::AlertChange& change);
  bool empty() const { return hooks_.empty(); }

 private:
  struct Job {
    std::size_t hook;
    std::string body;
    int attempt = 0;
    std::chrono::steady_clock::time_point due;
  };
  void run(std::stop_token st);
  bool post(const Webhook& w, const std::string& body, std::string& error) const;

  std::vector<Webhook> hooks_;
  Options opts_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Job> jobs_;
  std::jthread worker_;
};

}  // namespace fleetlink::hub::notify
