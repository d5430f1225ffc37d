#include <catch2/catch.hpp>

#include "fleetlink/common/log.hpp"
#include "fleetlink/common/metrics.hpp"

using namespace fleetlink;

TEST_CASE("counters, gauges and histograms render in Prometheus text format", "[metrics]") {
  metrics::Registry r;
  auto& ok = r.counter("fleetlink_ingest_records_total", "Records accepted", {{"fleet", "acme"}});
  auto& bad = r.counter("fleetlink_ingest_records_total", "Records accepted", {{"fleet", "beta"}});
  ok.inc(3);
  bad.inc();
  r.gauge("fleetlink_ws_clients", "Connected WebSocket clients").set(12);
  auto& h = r.histogram("fleetlink_store_latency_seconds", "Store write latency", {}, {0.01, 0.1});
  h.observe(0.005);
  h.observe(0.05);
  h.observe(3);
  const auto text = r.renderPrometheus();
  CHECK_THAT(text, Catch::Contains("# TYPE fleetlink_ingest_records_total counter"));
  CHECK_THAT(text, Catch::Contains("fleetlink_ingest_records_total{fleet=\"acme\"} 3"));
  CHECK_THAT(text, Catch::Contains("fleetlink_ingest_records_total{fleet=\"beta\"} 1"));
  CHECK_THAT(text, Catch::Contains("fleetlink_ws_clients 12"));
  CHECK_THAT(text, Catch::Contains("fleetlink_store_latency_seconds_bucket{le=\"0.01\"} 1"));
  CHECK_THAT(text, Catch::Contains("fleetlink_store_latency_seconds_bucket{le=\"0.1\"} 2"));
  CHECK_THAT(text, Catch::Contains("fleetlink_store_latency_seconds_bucket{le=\"+Inf\"} 3"));
  CHECK_THAT(text, Catch::Contains("fleetlink_store_latency_seconds_count 3"));
  CHECK(r.counterTotal("fleetlink_ingest_records_total") == 4);
  CHECK(h.quantile(0.5) == Approx(0.1));
}

TEST_CASE("the same series is returned for the same name and labels", "[metrics]") {
  metrics::Registry r;
  auto& a = r.counter("x_total", "x", {{"k", "v"}});
  auto& b = r.counter("x_total", "x", {{"k", "v"}});
  CHECK(&a == &b);
  CHECK_THROWS(r.gauge("x_total", "x"));  // one name, one kind
}

TEST_CASE("log lines are logfmt with component and fields, quoted where needed", "[log]") {
  const auto line = log::format(log::Level::Warn, "hub.ingest", "bad payload",
                                {{"fleet", "acme"}, {"vehicle", "t 7"}, {"error", "say \"hi\""}});
  CHECK_THAT(line, Catch::Contains("level=warn component=hub.ingest msg=\"bad payload\" fleet=acme"));
  CHECK_THAT(line, Catch::Contains("vehicle=\"t 7\""));
  CHECK_THAT(line, Catch::Contains("error=\"say \\\"hi\\\"\""));
  CHECK_THAT(line, Catch::StartsWith("ts=20"));
  CHECK(line.back() == '\n');
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);  // a newline in a value cannot forge a line
  const auto injected = log::format(log::Level::Info, "x", "a\nlevel=error", {});
  CHECK(std::count(injected.begin(), injected.end(), '\n') == 1);
}

TEST_CASE("log levels parse and filter", "[log]") {
  log::Level l;
  REQUIRE(log::parseLevel("debug", l));
  CHECK(l == log::Level::Debug);
  CHECK_FALSE(log::parseLevel("verbose", l));
  const auto before = log::level();
  log::setLevel(log::Level::Error);
  CHECK_FALSE(log::enabled(log::Level::Warn));
  CHECK(log::enabled(log::Level::Error));
  log::setLevel(before);
}
