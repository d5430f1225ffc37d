#include <catch2/catch.hpp>

#include <map>

#include "fleetlink/v1/feed.pb.h"
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
bool isNotice(const EventPtr& e) { return e->offset == 0; }
// The queued events in delivery order, without the "conflated" notices (see the test on those).
std::vector<EventPtr> drain(ClientQueue& q) {
  std::vector<EventPtr> out;
  while (!q.empty()) q.take(1 << 20, out);
  std::erase_if(out, isNotice);
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
}

TEST_CASE("a lagging client with more vehicles than max_items is not cut off by their positions",
          "[web][client_queue]") {
  // A control room watching 50 vehicles (positions and route progress) with room for 20 messages that
  // cannot be conflated: it lags far behind, yet only its alerts count toward the limit.
  ClientQueue q(4, 20);
  const int kVehicles = 50, kRounds = 30;
  std::map<std::string, std::uint64_t> last_position, last_route;
  std::vector<std::uint64_t> alerts;
  for (int r = 0; r < kRounds; ++r) {
    for (int v = 0; v < kVehicles; ++v) {
      const auto vehicle = "v" + std::to_string(v);
      auto p = ev(kPosition, vehicle);
      last_position[vehicle] = p->offset;
      CHECK(q.push(p) != ClientQueue::Push::Overflow);
      if (v % 5 == 0) {
        auto rp = ev(kRoute, vehicle);
        last_route[vehicle] = rp->offset;
        CHECK(q.push(rp) != ClientQueue::Push::Overflow);
      }
    }
    if (r % 4 == 0) {  // 8 alerts in all: under the limit
      auto a = ev(kAlert, "v" + std::to_string(r));
      alerts.push_back(a->offset);
      CHECK(q.push(a) == ClientQueue::Push::Queued);
    }
  }
  CHECK(q.size() > 50);
  CHECK(q.counted() == alerts.size());
  // One state per vehicle and kind, plus the few queued before it lagged.
  CHECK(q.size() <= 4 + kVehicles + kVehicles / 5 + alerts.size());

  auto got = drain(q);
  std::uint64_t prev = 0;
  std::vector<std::uint64_t> got_alerts;
  std::map<std::string, std::uint64_t> seen_position, seen_route;
  for (const auto& e : got) {
    CHECK(e->offset > prev);  // positions and alerts in the order they happened
    prev = e->offset;
    if (e->kind == kAlert) got_alerts.push_back(e->offset);
    if (e->kind == kPosition) seen_position[e->vehicle] = e->offset;
    if (e->kind == kRoute) seen_route[e->vehicle] = e->offset;
  }
  CHECK(got_alerts == alerts);
  CHECK(seen_position == last_position);
  CHECK(seen_route == last_route);
  CHECK(q.counted() == 0);
}

TEST_CASE("alerts beyond max_items cut off a lagging client, whatever its positions", "[web][client_queue]") {
  ClientQueue q(4, 20);
  for (int v = 0; v < 50; ++v)
    REQUIRE(q.push(ev(kPosition, "v" + std::to_string(v))) == ClientQueue::Push::Queued);
  int queued = 0;
  ClientQueue::Push last = ClientQueue::Push::Queued;
  for (int i = 0; i < 50 && last != ClientQueue::Push::Overflow; ++i) {
    last = q.push(ev(kAlert, "v1"));
    if (last == ClientQueue::Push::Queued) ++queued;
    CHECK(q.push(ev(kPosition, "v" + std::to_string(i))) == ClientQueue::Push::Conflated);
  }
  CHECK(last == ClientQueue::Push::Overflow);
  CHECK(queued == 20);
  CHECK(q.counted() == 20);

  SECTION("status changes and control messages count like alerts") {
    ClientQueue s(4, 10);
    for (int i = 0; i < 5; ++i)
      CHECK(s.push(ev(kStatus, "v" + std::to_string(i))) == ClientQueue::Push::Queued);
    for (int i = 0; i < 5; ++i) CHECK(s.push(ev(0, "")) == ClientQueue::Push::Queued);
    CHECK(s.push(ev(kStatus, "v0")) == ClientQueue::Push::Overflow);
  }
  SECTION("replays count, and a live state never replaces one: the resuming client gets all it asked for") {
    ClientQueue s(2, 3);
    std::vector<EventPtr> replay;
    for (const char* v : {"a", "b", "c"}) {
      replay.push_back(ev(kPosition, v));
      CHECK(s.push(replay.back(), /*conflate=*/false) == ClientQueue::Push::Queued);
    }
    CHECK(s.push(ev(kPosition, "d"), /*conflate=*/false) == ClientQueue::Push::Overflow);
    const auto live_a = ev(kPosition, "a");
    CHECK(s.push(live_a) == ClientQueue::Push::Queued);  // lagging, but only replays of "a" are queued
    const auto live_a2 = ev(kPosition, "a");
    CHECK(s.push(live_a2) == ClientQueue::Push::Conflated);  // replaces the live one
    CHECK(s.counted() == 3);
    CHECK(s.push(ev(kAlert, "a")) == ClientQueue::Push::Overflow);
    auto got = drain(s);
    REQUIRE(got.size() == 4);
    for (std::size_t i = 0; i < 3; ++i) CHECK(got[i] == replay[i]);
    CHECK(got[3] == live_a2);
  }
}

TEST_CASE("a lagging client holding more vehicle states than the safeguard allows is cut off",
          "[web][client_queue]") {
  ClientQueue q(2, 3);
  const std::size_t cap = 2 + ClientQueue::kStatesPerItem * 3;
  for (std::size_t v = 0; v < cap; ++v)
    REQUIRE(q.push(ev(kPosition, "v" + std::to_string(v))) == ClientQueue::Push::Queued);
  CHECK(q.push(ev(kPosition, "v0")) == ClientQueue::Push::Conflated);
  CHECK(q.push(ev(kPosition, "one-too-many")) == ClientQueue::Push::Overflow);
  CHECK(q.push(ev(kAlert, "v0")) == ClientQueue::Push::Queued);
}

TEST_CASE("a lagging client read in small batches still gets each vehicle's latest state once",
          "[web][client_queue]") {
  // Reads between pushes move the queue's head and compact it: the index of queued states must follow.
  ClientQueue q(8, 16);
  const int kVehicles = 40;
  std::map<std::string, std::uint64_t> last_position;
  std::map<std::string, std::uint64_t> seen;
  std::uint64_t prev = 0;
  std::vector<EventPtr> out;
  auto read = [&](std::size_t max_bytes) {
    out.clear();
    q.take(max_bytes, out);
    for (const auto& e : out) {
      if (isNotice(e)) continue;
      CHECK(e->offset > prev);
      prev = e->offset;
      if (e->kind == kPosition) seen[e->vehicle] = e->offset;
    }
  };
  for (int r = 0; r < 200; ++r) {
    for (int v = 0; v < kVehicles; ++v) {
      const auto vehicle = "v" + std::to_string((v * 7 + r) % kVehicles);
      auto p = ev(kPosition, vehicle);
      last_position[vehicle] = p->offset;
      REQUIRE(q.push(p) != ClientQueue::Push::Overflow);
    }
    if (r % 3 == 0) REQUIRE(q.push(ev(kAlert, "v0")) == ClientQueue::Push::Queued);
    read(static_cast<std::size_t>(30 * (1 + r % 7)));
    CHECK(q.size() <= static_cast<std::size_t>(8 + kVehicles + 16));
  }
  while (!q.empty()) read(1 << 20);
  CHECK(seen == last_position);
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

TEST_CASE("every replaced event is announced before the client reaches the offsets it skips", "[web][client_queue]") {
  ClientQueue q(4, 100);
  // Lagging from the fifth message on: 3 vehicles send 10 positions each, interleaved with an alert.
  std::vector<EventPtr> sent;
  for (int round = 0; round < 10; ++round) {
    for (int v = 0; v < 3; ++v) sent.push_back(ev(kPosition, "v" + std::to_string(v)));
    if (round == 5) sent.push_back(ev(kAlert, "v0"));
  }
  std::size_t conflated = 0;
  for (const auto& e : sent) conflated += q.push(e) == ClientQueue::Push::Conflated;
  REQUIRE(conflated > 0);

  // A client reading in small batches: the announced count must always cover the offsets skipped so far.
  std::vector<EventPtr> out;
  std::uint64_t announced = 0, skipped = 0, last = sent.front()->offset - 1;
  while (!q.empty()) {
    out.clear();
    q.take(40, out);
    for (const auto& e : out) {
      if (isNotice(e)) {
        CHECK(e->json.find("\"type\":\"conflated\"") != std::string::npos);
        CHECK(e->json.find("\"stream\":\"acme\"") != std::string::npos);
        const auto at = e->json.find("\"count\":");
        REQUIRE(at != std::string::npos);
        announced += std::stoull(e->json.substr(at + 8));
        // The same notice in the binary subprotocol.
        fleetlink::v1::FeedMessage binary;
        REQUIRE(binary.ParseFromString(e->protobuf()));
        CHECK(binary.type() == "conflated");
        CHECK(binary.stream() == "acme");
        CHECK(binary.count() == std::stoull(e->json.substr(at + 8)));
        continue;
      }
      skipped += e->offset - last - 1;
      last = e->offset;
      CHECK(skipped <= announced);
    }
  }
  CHECK(last == sent.back()->offset);
  CHECK(announced == conflated);
  CHECK(skipped == conflated);
  // Nothing further to announce once drained; a client that keeps up gets no notices.
  q.push(ev(kPosition, "v0"));
  out.clear();
  q.take(1 << 20, out);
  REQUIRE(out.size() == 1);
  CHECK_FALSE(isNotice(out[0]));
}
