#include <catch2/catch.hpp>

#include "hub/web/client_queue.hpp"

using namespace fleetlink::hub::web;

namespace {
std::uint64_t next_offset = 0;
EventPtr ev(std::uint8_t kind, const std::string& vehicle) {
  auto e = std::make_shared<StreamEvent>();
  e->stream = "acme";
  e->offset = ++next_offset;
  e->kind = kind;
  e->vehicle = vehicle;
  e->json = "{\"offset\":" + std::to_string(e->offset) + "}";
  return e;
}
std::vector<EventPtr> drain(ClientQueue& q) {
  std::vector<EventPtr> out;
  while (!q.empty()) q.take(1 << 20, out);
  return out;
}
}  // namespace

TEST_CASE("a client keeping up gets every message in order", "[web][client_queue]") {
  ClientQueue q(8, 100);
  std::vector<std::uint64_t> sent;
  for (int i = 0; i < 5; ++i) {
    auto e = ev(kPosition, "v1");
    sent.push_back(e->offset);
    CHECK(q.push(e) == ClientQueue::Push::Queued);
  }
  auto got = drain(q);
  REQUIRE(got.size() == 5);
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i]->offset == sent[i]);
}

TEST_CASE("a lagging client gets the latest position per vehicle, and every alert", "[web][client_queue]") {
  ClientQueue q(4, 1000);
  std::vector<std::uint64_t> alerts;
  std::uint64_t last_v1 = 0, last_v2 = 0;
  for (int i = 0; i < 200; ++i) {
    auto p1 = ev(kPosition, "v1");
    last_v1 = p1->offset;
    q.push(p1);
    auto p2 = ev(kPosition, "v2");
    last_v2 = p2->offset;
    q.push(p2);
    if (i % 20 == 0) {
      auto a = ev(kAlert, "v1");
      alerts.push_back(a->offset);
      CHECK(q.push(a) == ClientQueue::Push::Queued);
    }
  }
  CHECK(q.size() < 30);
  auto got = drain(q);
  std::vector<std::uint64_t> got_alerts;
  std::uint64_t prev = 0, seen_v1 = 0, seen_v2 = 0;
  for (const auto& e : got) {
    CHECK(e->offset > prev);  // still in increasing order
    prev = e->offset;
    if (e->kind == kAlert) got_alerts.push_back(e->offset);
    if (e->kind == kPosition && e->vehicle == "v1") seen_v1 = e->offset;
    if (e->kind == kPosition && e->vehicle == "v2") seen_v2 = e->offset;
  }
  CHECK(got_alerts == alerts);
  CHECK(seen_v1 == last_v1);
  CHECK(seen_v2 == last_v2);
}

TEST_CASE("a client that cannot keep up even with conflation overflows", "[web][client_queue]") {
  ClientQueue q(4, 10);
  int queued = 0;
  ClientQueue::Push last = ClientQueue::Push::Queued;
  for (int i = 0; i < 50 && last != ClientQueue::Push::Overflow; ++i) {
    last = q.push(ev(kAlert, "v1"));
    if (last == ClientQueue::Push::Queued) ++queued;
  }
  CHECK(last == ClientQueue::Push::Overflow);
  CHECK(queued == 10);
  // Positions of vehicles already queued still conflate at the limit; new ones overflow.
  ClientQueue p(2, 3);
  p.push(ev(kPosition, "a"));
  p.push(ev(kPosition, "b"));
  p.push(ev(kPosition, "c"));
  CHECK(p.push(ev(kPosition, "a")) == ClientQueue::Push::Conflated);
  CHECK(p.push(ev(kPosition, "d")) == ClientQueue::Push::Overflow);
}

TEST_CASE("take hands out about max_bytes at a time and at least one message", "[web][client_queue]") {
  ClientQueue q(1000, 1000);
  for (int i = 0; i < 10; ++i) q.push(ev(kStatus, "v"));
  std::vector<EventPtr> out;
  q.take(1, out);
  CHECK(out.size() == 1);
  out.clear();
  q.take(30, out);
  CHECK(out.size() >= 2);
  CHECK(out.size() < 9);
  CHECK(q.size() == 9 - out.size());
}
