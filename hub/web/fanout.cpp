#include "hub/web/fanout.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/thread_name.hpp"

namespace fleetlink::hub::web {
namespace {

using nlohmann::json;
const log::Logger kLog("hub.web.fanout");

json kindNames(std::uint8_t mask) {
  json out = json::array();
  for (auto k : {kPosition, kStatus, kAlert, kRoute})
    if (mask & k) out.push_back(std::string(kindName(k)));
  return out;
}

std::string vehicleKey(const std::string& fleet, const std::string& vehicle) { return fleet + "/" + vehicle; }

}  // namespace

Fanout::Fanout(Options opts, EventLog* log, metrics::Registry& m)
    : opts_(opts),
      log_(log),
      events_(m.counter("fleetlink_web_events_total", "live events received from the core for fan-out")),
      delivered_(m.counter("fleetlink_web_deliveries_total", "live events queued to WebSocket clients")),
      conflated_(m.counter("fleetlink_web_messages_dropped_total", "messages not delivered to a client",
                           {{"reason", "conflated"}})),
      overflow_(m.counter("fleetlink_web_messages_dropped_total", "messages not delivered to a client",
                          {{"reason", "client_overflow"}})),
      inbound_dropped_(m.counter("fleetlink_web_messages_dropped_total", "messages not delivered to a client",
                                 {{"reason", "fanout_queue_full"}})),
      resumes_(m.counter("fleetlink_web_resumes_total", "streams resumed from an offset by reconnecting clients")),
      resyncs_(m.counter("fleetlink_web_resyncs_total", "streams a client had to resync (too far behind or new epoch)")),
      subscribers_(m.gauge("fleetlink_web_subscribers", "WebSocket clients with a subscription")),
      wait_(m.histogram("fleetlink_web_fanout_wait_seconds",
                        "how long the oldest event of a fan-out batch waited between the core and the fan-out")),
      batch_(m.histogram("fleetlink_web_fanout_batch_seconds",
                         "processing time of one fan-out batch (numbering, JSON, client queues, wake-ups)")) {
  if (log_) {
    epoch_ = log_->epoch();
    for (const auto& [stream, last] : log_->lastOffsets()) streams_[stream].last = last;
  } else {
    // Memory only: a fresh epoch per run, so offsets from before a restart are never mistaken for these.
    epoch_ = "m" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  }
}

Fanout::~Fanout() { stop(); }

void Fanout::start() {
  thread_ = std::jthread([this](std::stop_token st) {
    nameThisThread("web-fanout");
    run(st);
  });
}

void Fanout::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  cv_.notify_all();
  thread_.join();
  // Release the connections now, while their I/O context still exists.
  all_fleets_.clear();
  by_fleet_.clear();
  by_vehicle_.clear();
  entries_.clear();
  to_wake_.clear();
  std::lock_guard lk(mu_);
  inbound_.clear();
}

std::map<std::string, std::uint64_t> Fanout::lastOffsets() const {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [k, s] : streams_) out[k] = s.last;
  return out;
}

void Fanout::enqueue(Command c, bool droppable) {
  {
    std::lock_guard lk(mu_);
    if (droppable && inbound_events_ >= opts_.inbound_max) {
      inbound_dropped_.inc();
      return;
    }
    if (std::holds_alternative<LiveEvent>(c)) ++inbound_events_;
    if (inbound_.empty()) inbound_since_ = std::chrono::steady_clock::now();
    inbound_.push_back(std::move(c));
  }
  cv_.notify_one();
}

void Fanout::publish(const LiveEvent& e) { enqueue(e, e.kind == LiveEvent::Kind::Position); }

void Fanout::subscribe(std::shared_ptr<ClientChannel> client, Subscription sub) {
  enqueue(SubscribeCmd{std::move(client), std::move(sub)}, false);
}

void Fanout::unsubscribe(const std::shared_ptr<ClientChannel>& client) { enqueue(RemoveCmd{client}, false); }

void Fanout::remove(const std::shared_ptr<ClientChannel>& client) { enqueue(RemoveCmd{client}, false); }

void Fanout::drain() {
  auto done = std::make_shared<std::promise<void>>();
  auto f = done->get_future();
  enqueue(DrainCmd{done}, false);
  if (thread_.joinable()) f.wait();
}

void Fanout::run(std::stop_token st) {
  std::deque<Command> work;
  std::vector<std::shared_ptr<std::promise<void>>> drained;
  std::chrono::steady_clock::time_point since;
  while (!st.stop_requested()) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, st, [&] { return !inbound_.empty(); });
      if (st.stop_requested()) break;
      work.swap(inbound_);
      inbound_events_ = 0;
      since = inbound_since_;
    }
    const auto t0 = std::chrono::steady_clock::now();
    wait_.observe(std::chrono::duration<double>(t0 - since).count());
    // Clients with new messages are woken after every kWakeEvery commands and at the end of the batch (a client
    // already woken is not woken again until it has taken its queue, see ClientChannel). A connection writes
    // everything queued for it as one frame, so a long batch (after a burst) sends its first events while it is
    // still handling its last.
    std::size_t handled = 0;
    for (auto& c : work) {
      if (auto* e = std::get_if<LiveEvent>(&c)) handle(*e);
      else if (auto* s = std::get_if<SubscribeCmd>(&c)) handle(*s);
      else if (auto* r = std::get_if<RemoveCmd>(&c)) detach(r->client.get());
      else if (auto* d = std::get_if<DrainCmd>(&c)) drained.push_back(d->done);
      if (++handled % kWakeEvery == 0) wakeClients();
    }
    work.clear();
    wakeClients();
    batch_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    for (auto& d : drained) d->set_value();
    drained.clear();
  }
  for (auto& c : work)
    if (auto* d = std::get_if<DrainCmd>(&c)) d->done->set_value();
}

void Fanout::wakeClients() {
  for (auto& c : to_wake_) c->wake();
  to_wake_.clear();
}

bool Fanout::matches(const Subscription& sub, const std::string& stream, std::uint8_t kind,
                     const std::string& vehicle) const {
  if (!(sub.kinds & kind)) return false;
  if (!sub.all_fleets && std::find(sub.fleets.begin(), sub.fleets.end(), stream) == sub.fleets.end()) return false;
  if (!sub.vehicles.empty() && std::find(sub.vehicles.begin(), sub.vehicles.end(), vehicle) == sub.vehicles.end())
    return false;
  return true;
}

void Fanout::deliver(Entry& entry, const EventPtr& ev) {
  if (!(entry.sub.kinds & ev->kind)) return;
  const auto r = entry.client->offer(ev);
  switch (r.result) {
    case ClientQueue::Push::Queued: delivered_.inc(); break;
    case ClientQueue::Push::Conflated: delivered_.inc(); conflated_.inc(); break;
    case ClientQueue::Push::Overflow: overflow_.inc(); break;
  }
  if (r.wake) to_wake_.push_back(entry.client);
}

void Fanout::handle(LiveEvent& e) {
  if (e.fleet.empty()) return;
  events_.inc();
  auto& s = streams_[e.fleet];
  const auto offset = ++s.last;
  auto ev = makeEvent(e.fleet, offset, e);
  s.recent.push_back({offset, e.time_ms, ev->kind, e.vehicle, ev->payload});
  if (s.recent.size() > opts_.history_events) s.recent.pop_front();
  if (log_) log_->append({e.fleet, offset, ev->kind, e.vehicle, e.time_ms, ev->payload});

  for (auto* entry : all_fleets_) deliver(*entry, ev);
  if (auto it = by_fleet_.find(e.fleet); it != by_fleet_.end())
    for (auto* entry : it->second) deliver(*entry, ev);
  if (!e.vehicle.empty())
    if (auto it = by_vehicle_.find(vehicleKey(e.fleet, e.vehicle)); it != by_vehicle_.end())
      for (auto* entry : it->second) deliver(*entry, ev);
}

void Fanout::handle(SubscribeCmd& c) {
  auto* key = c.client.get();
  detach(key);
  auto& entry = entries_[key];
  entry.client = std::move(c.client);
  entry.sub = std::move(c.sub);
  const auto& sub = entry.sub;

  json offsets = json::object();
  if (sub.all_fleets) {
    for (const auto& [name, s] : streams_) offsets[name] = s.last;
  } else {
    for (const auto& f : sub.fleets) offsets[f] = streams_.count(f) ? streams_[f].last : 0;
  }
  json msg = {{"type", "subscribed"},
              {"epoch", epoch_},
              {"fleets", sub.all_fleets ? json::array({"*"}) : json(sub.fleets)},
              {"vehicles", sub.vehicles},
              {"kinds", kindNames(sub.kinds)},
              {"offsets", offsets}};
  const auto r = entry.client->offer(makeControl(msg.dump()));
  if (r.wake) to_wake_.push_back(entry.client);

  for (const auto& [stream, after] : sub.resume) {
    if (!sub.all_fleets && std::find(sub.fleets.begin(), sub.fleets.end(), stream) == sub.fleets.end()) continue;
    replay(entry, stream, after);
  }

  if (sub.all_fleets) {
    all_fleets_.insert(&entry);
  } else if (sub.vehicles.empty()) {
    for (const auto& f : sub.fleets) by_fleet_[f].insert(&entry);
  } else {
    for (const auto& f : sub.fleets)
      for (const auto& v : sub.vehicles) by_vehicle_[vehicleKey(f, v)].insert(&entry);
  }
  subscriber_count_.store(entries_.size());
  subscribers_.set(static_cast<double>(entries_.size()));
}

void Fanout::replay(Entry& entry, const std::string& stream, std::uint64_t after) {
  auto& s = streams_[stream];
  auto resync = [&](const std::string& reason) {
    resyncs_.inc();
    json msg = {{"type", "resync"}, {"stream", stream}, {"epoch", epoch_}, {"offset", s.last}, {"reason", reason}};
    const auto r = entry.client->offer(makeControl(msg.dump()));
    if (r.wake) to_wake_.push_back(entry.client);
  };
  if (entry.sub.epoch != epoch_) return resync("the hub's event numbering changed (epoch " + epoch_ + "); reload the current state and continue from offset " + std::to_string(s.last));
  if (after > s.last) return resync("offset " + std::to_string(after) + " is ahead of the stream (last " + std::to_string(s.last) + "); reload the current state");
  if (after == s.last) return;
  resumes_.inc();
  if (s.last - after > opts_.resume_max_events)
    return resync(std::to_string(s.last - after) + " events missed, more than the " +
                  std::to_string(opts_.resume_max_events) + " replayed at most; reload the current state");
  const std::uint64_t mem_first = s.recent.empty() ? s.last + 1 : s.recent.front().offset;
  std::vector<EventPtr> older;
  if (after + 1 < mem_first) {
    if (!log_) return resync("offset " + std::to_string(after) + " is older than the history kept; reload the current state");
    auto rows = log_->read(stream, after + 1, mem_first - 1);
    if (!rows) {
      kLog.error("could not read live event log", {{"stream", stream}, {"error", rows.error().message}});
      return resync("history could not be read; reload the current state");
    }
    if (rows->size() != mem_first - 1 - after || rows->front().offset != after + 1)
      return resync("offset " + std::to_string(after) + " is older than the history kept; reload the current state");
    for (auto& row : *rows) {
      auto ev = makeStoredEvent(row.stream, row.offset, row.kind, std::move(row.vehicle), row.time_ms,
                                std::move(row.payload));
      if (!ev) return resync("history could not be decoded; reload the current state");
      older.push_back(std::move(ev));
    }
  }
  auto send = [&](const EventPtr& ev) {
    if (!matches(entry.sub, ev->stream, ev->kind, ev->vehicle)) return true;
    const auto r = entry.client->offer(ev, /*conflate=*/false);
    if (r.wake) to_wake_.push_back(entry.client);
    if (r.result == ClientQueue::Push::Overflow) {
      overflow_.inc();
      return false;
    }
    delivered_.inc();
    return true;
  };
  for (const auto& ev : older)
    if (!send(ev)) return;
  const std::size_t start = after + 1 > mem_first ? static_cast<std::size_t>(after + 1 - mem_first) : 0;
  for (std::size_t i = start; i < s.recent.size(); ++i) {
    const auto& r = s.recent[i];
    if (!matches(entry.sub, stream, r.kind, r.vehicle)) continue;
    auto ev = makeStoredEvent(stream, r.offset, r.kind, r.vehicle, r.time_ms, r.payload);
    if (!ev) return resync("history could not be decoded; reload the current state");
    if (!send(ev)) return;
  }
}

void Fanout::detach(ClientChannel* key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  auto* entry = &it->second;
  auto erase = [entry](std::unordered_map<std::string, ClientSet>& index, const std::string& k) {
    if (auto i = index.find(k); i != index.end()) {
      i->second.erase(entry);
      if (i->second.empty()) index.erase(i);
    }
  };
  all_fleets_.erase(entry);
  for (const auto& f : entry->sub.fleets) {
    erase(by_fleet_, f);
    for (const auto& v : entry->sub.vehicles) erase(by_vehicle_, vehicleKey(f, v));
  }
  entries_.erase(it);
  subscriber_count_.store(entries_.size());
  subscribers_.set(static_cast<double>(entries_.size()));
}

}  // namespace fleetlink::hub::web
