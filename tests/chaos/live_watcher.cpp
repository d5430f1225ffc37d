#include "live_watcher.hpp"

#include "web_client.hpp"

namespace fleetlink::test::chaos {

using nlohmann::json;

LiveWatcher::LiveWatcher(int web_port, std::string token, std::string fleet)
    : port_(web_port), token_(std::move(token)), fleet_(std::move(fleet)) {}

LiveWatcher::~LiveWatcher() { stop(); }

void LiveWatcher::start() {
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

void LiveWatcher::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

LiveTally LiveWatcher::tally() const {
  std::lock_guard lock(mu_);
  return tally_;
}

void LiveWatcher::run(std::stop_token st) {
  while (!st.stop_requested()) {
    WsClient ws;
    WsClient::Options o;
    o.token = token_;
    if (!ws.connect(port_, o)) {
      // The hub is down or restarting: try again shortly, as a browser would.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    json sub = {{"type", "subscribe"}, {"fleets", {fleet_}}};
    {
      std::lock_guard lock(mu_);
      resuming_ = !epoch_.empty() && !last_.empty();
      if (resuming_) {
        sub["epoch"] = epoch_;
        sub["resume"] = json::object();
        for (const auto& [stream, offset] : last_) sub["resume"][stream] = offset;
        ++tally_.resumed;
      }
    }
    ws.send(sub);
    while (!st.stop_requested()) {
      // A read that times out closes the client (web_client.hpp): a quiet second means a reconnect that resumes
      // from the last offset, which this watcher is here to exercise anyway.
      auto m = ws.next(std::chrono::milliseconds(1000));
      if (!m) {
        if (ws.closed()) break;
        continue;
      }
      onMessage(*m);
    }
  }
}

void LiveWatcher::onMessage(const json& m) {
  const std::string type = m.value("type", "");
  std::lock_guard lock(mu_);
  if (type == "subscribed") {
    ++tally_.connects;
    conflated_credit_.clear();  // announcements describe one connection's queue
    const std::string epoch = m.value("epoch", "");
    // A first subscription (or one in a new epoch after a resync) starts from the offsets the hub names;
    // a resumed one continues from ours, and the hub replays what we missed.
    if (!resuming_) {
      epoch_ = epoch;
      last_.clear();
      for (const auto& [stream, offset] : m["offsets"].items()) last_[stream] = offset.get<std::uint64_t>();
    } else if (epoch != epoch_) {
      epoch_ = epoch;  // a "resync" for each resumed stream follows and names where the new numbering stands
    }
    return;
  }
  if (type == "resync") {
    ++tally_.announced_gaps;
    epoch_ = m.value("epoch", epoch_);
    last_[m.value("stream", "")] = m.value("offset", std::uint64_t{0});
    return;
  }
  if (type == "conflated") {
    // Replaced queued events of this stream: the offsets they held will be skipped, never sent.
    const auto n = m.value("count", std::uint64_t{0});
    tally_.conflated += n;
    conflated_credit_[m.value("stream", "")] += n;
    return;
  }
  if (type != "event") return;
  ++tally_.events;
  const std::string kind = m.value("kind", "");
  if (kind == "position") ++tally_.positions;
  if (kind == "alert") {
    ++tally_.alerts;
    const auto& data = m["data"];
    if (data.value("rule", "") == "panic") tally_.panic_alert_ids.insert(data.value("alertId", data.value("alert_id", "")));
  }
  const std::string stream = m.value("stream", "");
  const auto offset = m.value("offset", std::uint64_t{0});
  auto it = last_.find(stream);
  if (it == last_.end()) {
    // A stream that did not exist at subscription time starts at offset 1.
    it = last_.emplace(stream, 0).first;
  }
  if (offset <= it->second) {
    ++tally_.repeated;
    if (tally_.first_problem.empty())
      tally_.first_problem = "stream " + stream + ": offset " + std::to_string(offset) + " after " + std::to_string(it->second);
    return;
  }
  auto& credit = conflated_credit_[stream];
  const std::uint64_t skipped = offset - it->second - 1;
  if (skipped > 0 && skipped <= credit) {
    credit -= skipped;  // announced before it happened
  } else if (skipped > 0) {
    ++tally_.unannounced_gaps;
    tally_.unannounced_missing += offset - it->second - 1;
    if (tally_.first_problem.empty())
      tally_.first_problem = "stream " + stream + ": offset " + std::to_string(offset) + " after " +
                             std::to_string(it->second) + " with no resync";
  }
  it->second = offset;
}

}  // namespace fleetlink::test::chaos
