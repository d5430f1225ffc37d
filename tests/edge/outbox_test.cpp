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

TEST_CASE("published records are kept as delivered copies, out of the drain, until keep_delivered", "[outbox][kept]") {
  TempDir dir;
  ManualClock clock;
  const std::int64_t t0 = clock.nowMs();
  auto ob = openAt(dir.file("o.db"), clock);
  for (int i = 0; i < 5; ++i) ob->append({position(i)});
  clock.advance(1000);
  ob->append({position(5)});
  REQUIRE(ob->published(ob->epoch(), {1, 2, 3}).ok());
  // Nothing changes for the drain: the copies are neither read nor counted as unsent.
  CHECK(seqsOf(ob->readAfter(0, 100, 1 << 20)) == std::vector<std::uint64_t>{4, 5, 6});
  auto st = ob->stats();
  CHECK(st.records == 3);
  CHECK(st.delivered_kept == 3);
  CHECK(st.delivered_kept_bytes > 3 * Outbox::kRowOverhead);
  CHECK(st.oldest_unsent_ms == t0);
  CHECK(ob->read({1, 2, 3, 4}).size() == 1);  // copies are not read either
  // An acknowledgement that arrives twice changes nothing.
  REQUIRE(ob->published(ob->epoch(), {2}).ok());
  CHECK(ob->stats().delivered_kept == 3);

  SECTION("copies older than keep_delivered are pruned, younger ones stay") {
    clock.advance(30 * 60'000);
    REQUIRE(ob->published(ob->epoch(), {4}).ok());  // delivered 30 minutes after 1-3
    clock.advance(31 * 60'000);                       // 1-3: 61 minutes ago; 4: 31 minutes ago
    REQUIRE(ob->published(ob->epoch(), {5}).ok());
    CHECK(ob->stats().delivered_kept == 2);
    CHECK(seqsOf(ob->readAfter(0, 100, 1 << 20)) == std::vector<std::uint64_t>{6});
    CHECK(ob->stats().records == 1);
    CHECK(ob->redeliver(0) == 2);
    CHECK(seqsOf(ob->readAfter(0, 100, 1 << 20)) == std::vector<std::uint64_t>{4, 5, 6});
  }
  SECTION("the copies survive a restart, and opening prunes the expired ones") {
    ob.reset();
    auto again = openAt(dir.file("o.db"), clock);
    CHECK(again->stats().delivered_kept == 3);
    CHECK(again->stats().records == 3);
    CHECK(seqsOf(again->readAfter(0, 100, 1 << 20)) == std::vector<std::uint64_t>{4, 5, 6});
    again.reset();
    clock.advance(2 * 3'600'000);
    again = openAt(dir.file("o.db"), clock);
    CHECK(again->stats().delivered_kept == 0);
    CHECK(again->redeliver(0) == 0);
    CHECK(again->stats().records == 3);
  }
  SECTION("with keep_delivered 0 acknowledged rows are deleted at once, and older copies go at the next open") {
    ob.reset();
    OutboxOptions o;
    o.keep_delivered = std::chrono::milliseconds(0);
    auto again = openAt(dir.file("o.db"), clock, o);
    CHECK(again->stats().delivered_kept == 0);
    REQUIRE(again->published(again->epoch(), {4, 5}).ok());
    CHECK(again->stats().delivered_kept == 0);
    CHECK(again->redeliver(0) == 0);
    CHECK(seqsOf(again->readAfter(0, 100, 1 << 20)) == std::vector<std::uint64_t>{6});
  }
}

TEST_CASE("redeliver makes exactly the copies acknowledged in the window unsent again", "[outbox][kept]") {
  TempDir dir;
  ManualClock clock;
  auto ob = openAt(dir.file("o.db"), clock);
  std::vector<v1::Record> recs;
  for (int i = 0; i < 10; ++i) recs.push_back(position(i));
  ob->append(std::move(recs));
  const auto p = ob->append({panic()}, Durability::Immediate);
  REQUIRE(p.seqs == std::vector<std::uint64_t>{11});
  REQUIRE(ob->published(ob->epoch(), {1, 2, 3}).ok());
  clock.advance(10 * 60'000);
  const std::int64_t second = clock.nowMs();
  REQUIRE(ob->published(ob->epoch(), {4, 5, 6, 11}).ok());
  clock.advance(10 * 60'000);
  REQUIRE(ob->published(ob->epoch(), {7}).ok());
  REQUIRE(ob->readAfter(0, 100, 1 << 20).size() == 3);  // 8, 9, 10

  // The window starts exactly at the second batch's ack: 4-7 come back, 1-3 stay delivered, the panic is not a copy.
  CHECK(ob->redeliver(second) == 4);
  const auto rows = ob->readAfter(0, 100, 1 << 20);
  CHECK(seqsOf(rows) == std::vector<std::uint64_t>{4, 5, 6, 7, 8, 9, 10});
  for (const auto& r : rows) CHECK_FALSE(r.delivered);
  auto st = ob->stats();
  CHECK(st.delivered_kept == 3);
  CHECK(st.records == 8);  // 4-10 and the delivered panic
  CHECK(ob->panics().size() == 1);
  CHECK(ob->panics()[0].delivered);
  // Nothing twice: the same window again finds nothing more.
  CHECK(ob->redeliver(second) == 0);

  SECTION("sent again, they are kept again, and a window older than every copy covers them all") {
    REQUIRE(ob->published(ob->epoch(), {4, 5, 6, 7, 8, 9, 10}).ok());
    CHECK(ob->stats().delivered_kept == 10);
    CHECK(ob->readAfter(0, 100, 1 << 20).empty());
    CHECK(ob->redeliver(0) == 10);
    CHECK(ob->readAfter(0, 100, 1 << 20).size() == 10);
    CHECK(ob->stats().delivered_kept == 0);
  }
  SECTION("a window in the future finds nothing") {
    CHECK(ob->redeliver(clock.nowMs() + 1) == 0);
    CHECK(ob->stats().delivered_kept == 3);
  }
}

TEST_CASE("at the limits delivered copies go first, before any record still to send", "[outbox][kept][drop]") {
  TempDir dir;
  ManualClock clock;
  OutboxOptions o;
  o.max_records = 100;
  auto ob = openAt(dir.file("o.db"), clock, o);
  std::vector<v1::Record> recs;
  for (int i = 0; i < 90; ++i) recs.push_back(position(i));
  ob->append(std::move(recs));
  std::vector<std::uint64_t> all(90);
  for (std::uint64_t i = 0; i < 90; ++i) all[i] = i + 1;
  REQUIRE(ob->published(ob->epoch(), all).ok());
  REQUIRE(ob->stats().delivered_kept == 90);

  // 50 new records would make 140 rows: each time the file goes over the limit the oldest copies go, 5 % below
  // it; nothing still to send is touched.
  for (int i = 0; i < 50; ++i) ob->append({position(100 + i)});
  auto st = ob->stats();
  CHECK(st.dropped == 0);
  CHECK(st.records == 50);
  CHECK(st.records + st.delivered_kept <= 100);
  CHECK(st.delivered_kept >= 40);
  CHECK(seqsOf(ob->readAfter(0, 1000, 1 << 30)).size() == 50);

  SECTION("the copies left are the newest") {
    const auto kept = st.delivered_kept;
    REQUIRE(ob->redeliver(0) == kept);
    std::vector<std::uint64_t> expected;
    for (std::uint64_t seq = 91 - kept; seq <= 140; ++seq) expected.push_back(seq);
    CHECK(seqsOf(ob->readAfter(0, 1000, 1 << 30)) == expected);
  }

  SECTION("once no copy is left the drop policy thins unsent positions as before") {
    for (int i = 0; i < 60; ++i) ob->append({position(200 + i)});
    st = ob->stats();
    CHECK(st.delivered_kept == 0);
    CHECK(st.dropped > 0);
    CHECK(st.records <= 100);
  }
  SECTION("the byte limit evicts copies the same way") {
    const auto bytes = ob->stats().bytes;
    ob->setLimits(1000, bytes + 10 * Outbox::kRowOverhead);
    st = ob->stats();
    CHECK(st.dropped == 0);
    CHECK(st.records == 50);
    CHECK(st.bytes + st.delivered_kept_bytes <= bytes + 10 * Outbox::kRowOverhead);
    CHECK(st.delivered_kept < 10);
  }
}

TEST_CASE("a full disk takes delivered copies before records still to send", "[outbox][kept][diskfull]") {
  TempDir dir;
  ManualClock clock;
  OutboxOptions o;
  o.max_page_count = 16;  // a 64 KiB database
  auto ob = openAt(dir.file("o.db"), clock, o);
  // Delivered as fast as recorded: the file fills with copies, and every new record still finds room.
  for (int i = 0; i < 3000; ++i) {
    auto r = ob->append({position(i)});
    REQUIRE(r.seqs.size() == 1);
    REQUIRE(ob->published(ob->epoch(), r.seqs).ok());
  }
  auto st = ob->stats();
  CHECK(st.dropped == 0);
  CHECK(st.healthy);
  CHECK(st.delivered_kept > 0);
  CHECK(st.delivered_kept < 3000);
  // Then an outage: what is recorded now is kept whole while copies are there to give way.
  std::vector<std::uint64_t> unsent;
  for (int i = 0; i < 100; ++i) unsent.push_back(ob->append({position(5000 + i)}).seqs.at(0));
  st = ob->stats();
  CHECK(st.dropped == 0);
  CHECK(st.healthy);
  CHECK(seqsOf(ob->readAfter(0, 1000, 1 << 30)) == unsent);
}

TEST_CASE("an outbox written before delivered copies were kept opens, upgrades and works", "[outbox][kept][upgrade]") {
  TempDir dir;
  ManualClock clock;
  const auto path = dir.file("o.db");
  {
    // The schema and contents as the earlier agent left them: one position delivered and deleted, two waiting,
    // one delivered panic awaiting the hub.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    const std::string body = position(7).SerializeAsString();
    const std::string pbody = panic().SerializeAsString();
    std::string sql = R"sql(
      PRAGMA journal_mode=WAL;
      CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE records(
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        cls INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        delivered INTEGER NOT NULL DEFAULT 0,
        body BLOB NOT NULL);
      CREATE INDEX records_panic ON records(seq) WHERE cls = 0;
      INSERT INTO meta(key, value) VALUES('epoch', 4242), ('created_ms', 1), ('dropped', 3);
    )sql";
    REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_stmt* ins = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "INSERT INTO records(cls, created_ms, delivered, body) VALUES(?1, ?2, ?3, ?4)", -1,
                               &ins, nullptr) == SQLITE_OK);
    const struct {
      int cls, delivered;
      const std::string* body;
    } rows[] = {{4, 0, &body}, {4, 0, &body}, {0, 1, &pbody}, {4, 0, &body}};
    for (const auto& r : rows) {
      sqlite3_bind_int(ins, 1, r.cls);
      sqlite3_bind_int64(ins, 2, 1'700'000'000'000);
      sqlite3_bind_int(ins, 3, r.delivered);
      sqlite3_bind_blob(ins, 4, r.body->data(), static_cast<int>(r.body->size()), SQLITE_TRANSIENT);
      REQUIRE(sqlite3_step(ins) == SQLITE_DONE);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    REQUIRE(sqlite3_exec(db, "DELETE FROM records WHERE seq = 1", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto ob = openAt(path, clock);
  CHECK(ob->movedAside().empty());
  CHECK(ob->epoch() == 4242);
  auto st = ob->stats();
  CHECK(st.records == 3);
  CHECK(st.delivered_kept == 0);
  CHECK(st.dropped == 3);
  CHECK(st.last_seq == 4);
  CHECK(seqsOf(ob->readAfter(0, 100, 1 << 20)) == std::vector<std::uint64_t>{2, 4});
  CHECK(ob->panics().size() == 1);
  REQUIRE(ob->published(ob->epoch(), {2}).ok());
  CHECK(ob->stats().delivered_kept == 1);
  CHECK(ob->append({position(8)}).seqs == std::vector<std::uint64_t>{5});
  CHECK(ob->redeliver(0) == 1);
  CHECK(seqsOf(ob->readAfter(0, 100, 1 << 20)) == std::vector<std::uint64_t>{2, 4, 5});
  SECTION("and opens again as it is") {
    ob.reset();
    auto again = openAt(path, clock);
    CHECK(again->epoch() == 4242);
    CHECK(seqsOf(again->readAfter(0, 100, 1 << 20)) == std::vector<std::uint64_t>{2, 4, 5});
  }
}
