// Driver messages kept until read, and the duty state, across restarts.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "edge/driver/message_store.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using namespace fleetlink::edge;
using fleetlink::test::TempDir;

namespace {
v1::DriverMessage msg(const std::string& id, const std::string& text) {
  v1::DriverMessage m;
  m.set_message_id(id);
  m.set_text(text);
  m.set_from("dispatch");
  m.set_sent_at_ms(1);
  return m;
}
}  // namespace

TEST_CASE("driver messages survive a restart until read", "[driver]") {
  TempDir dir;
  {
    MessageStore s(dir.file("messages.json"));
    REQUIRE(s.add(msg("a", "Call the depot")).ok());
    REQUIRE(s.add(msg("b", "Road closed at the bridge")).ok());
    REQUIRE(s.add(msg("a", "duplicate delivery")).ok());  // QoS 1 may deliver twice
    CHECK(s.unread() == 2);
    CHECK(*s.markRead("a"));
    CHECK_FALSE(*s.markRead("zzz"));
  }
  MessageStore s(dir.file("messages.json"));
  auto all = s.list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].text == "Call the depot");
  CHECK(all[0].read);
  CHECK_FALSE(all[1].read);
  CHECK(s.unread() == 1);
}

TEST_CASE("the message store is bounded, read messages go first", "[driver]") {
  TempDir dir;
  MessageStore s(dir.file("m.json"));
  REQUIRE(s.add(msg("first-unread", "x")).ok());
  REQUIRE(s.add(msg("read-one", "x")).ok());
  REQUIRE(*s.markRead("read-one"));
  for (std::size_t i = 0; i < MessageStore::kMaxMessages - 1; ++i) REQUIRE(s.add(msg("n" + std::to_string(i), "x")).ok());
  auto all = s.list();
  CHECK(all.size() == MessageStore::kMaxMessages);
  CHECK(all.front().id == "first-unread");
}

TEST_CASE("a damaged message file is moved aside, not fatal", "[driver]") {
  TempDir dir;
  dir.write("m.json", "{{{ not json");
  MessageStore s(dir.file("m.json"));
  CHECK(s.list().empty());
  CHECK(std::filesystem::exists(dir.file("m.json.damaged")));
  REQUIRE(s.add(msg("a", "x")).ok());
}

TEST_CASE("the duty state survives a restart", "[driver]") {
  TempDir dir;
  {
    DutyState d(dir.file("driver.json"));
    CHECK(d.driver().empty());
    CHECK(d.status() == v1::DUTY_STATUS_OFF_DUTY);
    REQUIRE(d.set("d-17", v1::DUTY_STATUS_DRIVING).ok());
  }
  DutyState d(dir.file("driver.json"));
  CHECK(d.driver() == "d-17");
  CHECK(d.status() == v1::DUTY_STATUS_DRIVING);
}
