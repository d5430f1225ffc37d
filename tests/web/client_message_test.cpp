#include <catch2/catch.hpp>

#include "hub/web/client_message.hpp"

using namespace fleetlink::hub::web;

TEST_CASE("subscribe messages name fleets, vehicles, kinds and resume offsets", "[web][client_message]") {
  auto m = parseClientMessage(R"({"type":"subscribe","fleets":["acme"],"vehicles":["v1","v2"],
      "kinds":["position","alert"],"epoch":"e1","resume":{"acme":41}})");
  REQUIRE(m.ok());
  CHECK(m->type == ClientMessage::Type::Subscribe);
  CHECK(m->fleets == std::vector<std::string>{"acme"});
  CHECK(m->vehicles == std::vector<std::string>{"v1", "v2"});
  CHECK(m->kinds == (kPosition | kAlert));
  CHECK(m->epoch == "e1");
  REQUIRE(m->resume.size() == 1);
  CHECK(m->resume[0] == std::pair<std::string, std::uint64_t>{"acme", 41});

  auto all = parseClientMessage(R"({"type":"subscribe","fleets":["*"]})");
  REQUIRE(all.ok());
  CHECK(all->kinds == kAllKinds);
}

TEST_CASE("ping and unsubscribe parse", "[web][client_message]") {
  auto p = parseClientMessage(R"({"type":"ping","id":7})");
  REQUIRE(p.ok());
  CHECK(p->type == ClientMessage::Type::Ping);
  CHECK(p->id == "7");
  auto u = parseClientMessage(R"({"type":"unsubscribe"})");
  REQUIRE(u.ok());
  CHECK(u->type == ClientMessage::Type::Unsubscribe);
}

TEST_CASE("bad client messages are refused with a reason", "[web][client_message]") {
  struct Case {
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {"not json", "not valid JSON"},
      {"[1,2]", "JSON object"},
      {R"({"fleets":["a"]})", "no 'type'"},
      {R"({"type":"launch"})", "unknown message type"},
      {R"({"type":"subscribe"})", "needs 'fleets'"},
      {R"({"type":"subscribe","fleets":"acme"})", "array of ids"},
      {R"({"type":"subscribe","fleets":["a/b"]})", "invalid id"},
      {R"({"type":"subscribe","fleets":["*","acme"]})", "either"},
      {R"({"type":"subscribe","fleets":["acme"],"kinds":["weather"]})", "unknown kind"},
      {R"({"type":"subscribe","fleets":["acme"],"kinds":[]})", "non-empty"},
      {R"({"type":"subscribe","fleets":["acme"],"resume":{"acme":1}})", "needs the 'epoch'"},
      {R"({"type":"subscribe","fleets":["acme"],"epoch":"e","resume":{"acme":-1}})", "non-negative"},
      {R"({"type":"subscribe","fleets":["acme"],"epoch":"e","resume":{"a+b":1}})", "invalid stream"},
      {R"({"type":"ping","id":{}})", "'id'"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto m = parseClientMessage(c.text);
    REQUIRE_FALSE(m.ok());
    CHECK_THAT(m.error().message, Catch::Contains(c.expect));
  }
}

TEST_CASE("subscriptions are bounded in size", "[web][client_message]") {
  std::string many = R"({"type":"subscribe","fleets":[)";
  for (std::size_t i = 0; i <= kMaxSubscriptionItems; ++i) many += (i ? ",\"f" : "\"f") + std::to_string(i) + "\"";
  many += "]}";
  auto m = parseClientMessage(many);
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().message, Catch::Contains("more than"));
}
