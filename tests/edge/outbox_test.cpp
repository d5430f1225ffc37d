// The SQLite outbox on real files: seq numbering and resume, ordering and batching, panics kept until the hub
// acknowledges them, limits, corrupt files, a full disk.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "edge/outbox/outbox.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using namespace fleetlink::edge;
using fleetlink::test::TempDir;

namespace {

v1::Record position(double lat) {
  v1::Record r;
  r.set_time_ms(1'700'000'000'000);
  r.mutable_position()->set_lat(lat);
  r.mutable_position()->set_lon(4.9);
  return r;
}
v1::Record panic() {
  v1::Record r;
  r.mutable_panic()->set_source(v1::PANIC_SOURCE_CONTROL_SOCKET);
  return r;
}
v1::Record ack(const std::string& id) {
  v1::Record r;
  r.mutable_command_ack()->set_command_id(id);
  r.mutable_command_ack()->set_status(v1::ACK_STATUS_ACCEPTED);
  return r;
}

std::unique_ptr<Outbox> openAt(const std::string& path, const Clock& clock, OutboxOptions o = {}) {
  o.path = path;
  auto ob = Outbox::open(o, clock);
  REQUIRE(ob.ok());
  return std::move(*ob);
}

std::vector<std::uint64_t> seqsOf(const std::vector<StoredRecord>& rows) {
  std::vector<std::uint64_t> s;
  for (const auto& r : rows) s.push_back(r.seq);
  return s;
}

}  // namespace

TEST_CASE("seq numbers start at 1, increase strictly and survive reopening", "[outbox]") {
  TempDir dir;
  ManualClock clock;
  std::uint64_t epoch = 0;
  {
    auto ob = openAt(dir.file("o.db"), clock);
    epoch = ob->epoch();
    CHECK(epoch != 0);
    auto r = ob->append({position(1), position(2)});
    CHECK(r.seqs == std::vector<std::uint64_t>{1, 2});
    CHECK(ob->append({position(3)}).seqs == std::vector<std::uint64_t>{3});
    // Even once everything is published and the table is empty, numbers are not reused.
    REQUIRE(ob->published(epoch, {1, 2, 3}).ok());
    CHECK(ob->stats().records == 0);
  }
  auto ob = openAt(dir.file("o.db"), clock);
  CHECK(ob->epoch() == epoch);
  CHECK(ob->stats().last_seq == 3);
  CHECK(ob->append({position(4)}).seqs == std::vector<std::uint64_t>{4});
}

TEST_CASE("unpublished records are there after reopening, oldest first, in batches", "[outbox]") {
  TempDir dir;
  ManualClock clock;
  {
    auto ob = openAt(dir.file("o.db"), clock);
    std::vector<v1::Record> recs;
    for (int i = 0; i < 25; ++i) recs.push_back(position(i));
    ob->append(std::move(recs));
    REQUIRE(ob->published(ob->epoch(), {2, 4}).ok());
  }
  auto ob = openAt(dir.file("o.db"), clock);
  CHECK(ob->stats().records == 23);
  auto first = ob->readAfter(0, 10, 1 << 20);
  CHECK(seqsOf(first) == std::vector<std::uint64_t>{1, 3, 5, 6, 7, 8, 9, 10, 11, 12});
  auto next = ob->readAfter(first.back().seq, 10, 1 << 20);
  CHECK(next.front().seq == 13);
  v1::Record back;
  REQUIRE(back.ParseFromString(next.front().body));
  CHECK(back.position().lat() == 12);
  CHECK(back.seq() == 0);  // seq and epoch are set when a batch is built, not stored in the body
  SECTION("a batch also stops at its byte budget") {
    CHECK(ob->readAfter(0, 100, 1).size() == 1);
  }
  SECTION("read() fetches given seqs and skips missing ones") {
    CHECK(seqsOf(ob->read({5, 2, 7})) == std::vector<std::uint64_t>{5, 7});
  }
}

TEST_CASE("panics stay after PUBACK until the hub acknowledges them", "[outbox][panic]") {
  TempDir dir;
  ManualClock clock;
  auto ob = openAt(dir.file("o.db"), clock);
  ob->append({position(1)});
  const auto p = ob->append({panic()}, Durability::Immediate);
  REQUIRE(p.seqs == std::vector<std::uint64_t>{2});
  REQUIRE(ob->published(ob->epoch(), {1, 2}).ok());
  auto panics = ob->panics();
  REQUIRE(panics.size() == 1);
  CHECK(panics[0].delivered);
  CHECK(ob->readAfter(0, 10, 1 << 20).empty());  // delivered panics are not part of the backlog
  CHECK_FALSE(ob->panicAcknowledged(ob->epoch() + 1, 2));  // another epoch's ack
  CHECK_FALSE(ob->panicAcknowledged(ob->epoch(), 1));      // not a panic
  CHECK(ob->panicAcknowledged(ob->epoch(), 2));
  CHECK(ob->panics().empty());
  CHECK(ob->stats().records == 0);
}

TEST_CASE("acknowledgements of another epoch change nothing", "[outbox]") {
  TempDir dir;
  ManualClock clock;
  auto ob = openAt(dir.file("o.db"), clock);
  ob->append({position(1)});
  REQUIRE(ob->published(ob->epoch() ^ 1, {1}).ok());
  CHECK(ob->stats().records == 1);
}

TEST_CASE("over its limits the outbox thins old positions and keeps panics and acks", "[outbox][drop]") {
  TempDir dir;
  ManualClock clock;
  OutboxOptions o;
  o.max_records = 100;
  auto ob = openAt(dir.file("o.db"), clock, o);
  ob->append({panic()}, Durability::Immediate);
  ob->append({ack("c-1")});
  for (int i = 0; i < 150; ++i) ob->append({position(i)});
  const auto st = ob->stats();
  CHECK(st.records <= 100);
  CHECK(st.dropped > 0);
  CHECK(st.usage[static_cast<std::size_t>(RecordClass::Panic)].records == 1);
  CHECK(st.usage[static_cast<std::size_t>(RecordClass::CommandAck)].records == 1);
  // The newest positions are all there; the thinned ones are among the oldest.
  auto rows = ob->readAfter(0, 1000, 1 << 30);
  REQUIRE(rows.size() == st.records);
  CHECK(rows.back().seq == 152);
  CHECK(rows[rows.size() - 50].seq == 103);
  SECTION("the dropped count survives a restart") {
    const auto dropped = st.dropped;
    ob.reset();
    auto again = openAt(dir.file("o.db"), clock, o);
    CHECK(again->stats().dropped == dropped);
    CHECK(again->stats().records == st.records);
  }
}

TEST_CASE("a corrupt outbox is moved aside, kept, and a new epoch starts", "[outbox][corrupt]") {
  TempDir dir;
  ManualClock clock;
  const auto path = dir.file("o.db");
  std::uint64_t old_epoch;
  {
    auto ob = openAt(path, clock);
    old_epoch = ob->epoch();
    std::vector<v1::Record> recs;
    for (int i = 0; i < 2000; ++i) recs.push_back(position(i));
    ob->append(std::move(recs));
    REQUIRE(ob->sync().ok());
  }
  // Checkpoint the WAL into the main file, then overwrite the middle of the file with garbage.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 3);
    const std::string junk(4096 * 4, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const auto size_before = std::filesystem::file_size(path);
  auto ob = openAt(path, clock);
  CHECK(ob->epoch() != old_epoch);
  CHECK(ob->stats().records == 0);
  const auto aside = ob->movedAside();
  REQUIRE_FALSE(aside.empty());
  CHECK(std::filesystem::exists(aside));
  CHECK(std::filesystem::file_size(aside) == size_before);
  CHECK(ob->append({position(1)}).seqs == std::vector<std::uint64_t>{1});
  SECTION("a file that is not a database at all is treated the same") {
    ob.reset();
    std::ofstream(path, std::ios::trunc) << "this is not an sqlite file, it is a note left by someone";
    std::filesystem::remove(path + "-wal");
    auto again = openAt(path, clock);
    CHECK_FALSE(again->movedAside().empty());
    CHECK(again->append({position(1)}).seqs == std::vector<std::uint64_t>{1});
  }
}

TEST_CASE("a full disk is survived: positions make room, the rest waits in memory", "[outbox][diskfull]") {
  TempDir dir;
  ManualClock clock;
  OutboxOptions o;
  o.max_page_count = 16;  // a 64 KiB database: SQLite reports SQLITE_FULL beyond it
  auto ob = openAt(dir.file("o.db"), clock, o);
  std::string big(400, 'x');
  auto bulky = [&](int i) {
    v1::Record r = ack("command-" + std::to_string(i) + big);
    return r;
  };
  SECTION("positions are thinned to make room for new records") {
    int written = 0;
    for (int i = 0; i < 2000; ++i) written += !ob->append({position(i)}).seqs.empty();
    CHECK(written == 2000);  // every append committed
    CHECK(ob->stats().dropped > 0);
    CHECK(ob->stats().healthy);
  }
  SECTION("records that cannot be dropped are held, then written when space returns") {
    std::uint64_t last_committed = 0;
    bool held = false;
    for (int i = 0; i < 400 && !held; ++i) {
      auto r = ob->append({bulky(i)});
      if (r.held) held = true;
      else last_committed = r.seqs.back();
    }
    REQUIRE(held);
    const auto st = ob->stats();
    CHECK_FALSE(st.healthy);
    CHECK_THAT(st.problem, Catch::Contains("disk full"));
    CHECK(st.pending == 1);
    // More records queue behind it, in order; retrying without space changes nothing.
    CHECK(ob->append({bulky(1000)}).held);
    CHECK(ob->retryHeld().seqs.empty());
    CHECK(ob->stats().pending == 2);
    // Space returns.
    ob->setMaxPageCount(0);
    auto r = ob->retryHeld();
    CHECK(r.seqs == std::vector<std::uint64_t>{last_committed + 1, last_committed + 2});
    CHECK(ob->stats().healthy);
    CHECK(ob->stats().pending == 0);
    CHECK(ob->append({position(1)}).seqs.back() == last_committed + 3);
  }
}

TEST_CASE("records held in memory are bounded, positions thinned first", "[outbox][diskfull]") {
  TempDir dir;
  ManualClock clock;
  OutboxOptions o;
  o.max_page_count = 8;
  o.max_pending = 100;
  auto ob = openAt(dir.file("o.db"), clock, o);
  std::string big(1000, 'y');
  // Fill the file with acks so nothing can be dropped.
  while (!ob->append({ack(big)}).held) {
  }
  ob->append({panic()}, Durability::Immediate);
  for (int i = 0; i < 300; ++i) ob->append({position(i)});
  const auto st = ob->stats();
  CHECK(st.pending == 100);
  CHECK(st.dropped >= 202);
  ob->setMaxPageCount(0);
  auto r = ob->retryHeld();
  CHECK(r.seqs.size() == 100);
  CHECK(ob->panics().size() == 1);  // the panic was never a candidate
}
