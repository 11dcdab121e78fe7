// The PostgreSQL source's change stream (pgoutput) against the test bed.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "pg_fixture.hpp"
#include "source.hpp"

namespace ferry::testing {
namespace {

struct Change {
  ferry_op op = 0;
  std::string table;
  std::vector<std::optional<std::string>> before, after;
  std::vector<uint8_t> after_flags;
  Bytes position;
};

std::vector<Change> changes_of(const ferry_batch& b) {
  BatchView v(b);
  std::vector<Change> out;
  for (uint64_t r = 0; r < v.record_count(); ++r) {
    Change c;
    c.op = v.op(r);
    const ferry_table_ref* t = v.table(r);
    if (t) c.table = std::string(t->schema) + "." + t->name;
    auto image = [&](uint64_t first, std::vector<std::optional<std::string>>& row,
                     std::vector<uint8_t>* flags) {
      if (first == FERRY_NO_ROW || !t) return;
      for (uint32_t i = 0; i < t->column_count; ++i) {
        const Cell cell = v.cell(first, i);
        row.push_back(cell.is_null() ? std::nullopt : std::optional<std::string>(cell.data));
        if (flags) flags->push_back(cell.flags);
      }
    };
    image(v.before(r), c.before, nullptr);
    image(v.after(r), c.after, &c.after_flags);
    auto p = v.position(r);
    c.position.assign(p.begin(), p.end());
    out.push_back(std::move(c));
  }
  return out;
}

template <class Done>
std::vector<Change> read_changes(StreamReader& s, Done done) {
  std::vector<Change> out;
  for (int i = 0; i < 200000; ++i) {
    OwnedBatch b = s.next();
    if (b.is_end()) break;
    for (auto& c : changes_of(b.get())) {
      out.push_back(std::move(c));
      if (done(out)) return out;
    }
  }
  ADD_FAILURE() << "the change stream ended or ran too long";
  return out;
}

size_t count(const std::vector<Change>& cs, ferry_op op) {
  return static_cast<size_t>(
      std::count_if(cs.begin(), cs.end(), [&](auto& c) { return c.op == op; }));
}

size_t rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

using PgChangesTest = PgSourceTest;

TEST_F(PgChangesTest, ChangesCarryExactValuesUnchangedToastAndTruncate) {
  admin->exec(
      "CREATE TABLE t (id int PRIMARY KEY, n numeric, ts timestamptz, b bytea, big text, "
      "tags int[])");
  auto src = source();
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  // A value that stays TOASTed: long and incompressible.
  admin->exec(
      "INSERT INTO t VALUES (1, '-1.50', '2024-02-29 12:34:56.5+02', '\\x00ff', "
      "(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g), "
      "'{1,NULL}')");
  admin->exec("UPDATE t SET n = 2 WHERE id = 1");   // big is unchanged
  admin->exec("UPDATE t SET id = 5 WHERE id = 1");  // key change: old key sent
  admin->exec("DELETE FROM t WHERE id = 5");
  admin->exec("TRUNCATE t");
  auto stream = src->source().open_changes(at);
  const auto cs = read_changes(stream, [](const std::vector<Change>& c) {
    return count(c, FERRY_OP_TRUNCATE) == 1 && c.back().op == FERRY_OP_COMMIT;
  });
  std::vector<const Change*> rows;
  for (const auto& c : cs) {
    if (c.op >= FERRY_OP_INSERT && c.op <= FERRY_OP_DELETE) rows.push_back(&c);
  }
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0]->table, schema + ".t");
  EXPECT_EQ(rows[0]->after[1], "-1.50");
  EXPECT_EQ(rows[0]->after[2], "2024-02-29T10:34:56.5Z");
  EXPECT_EQ(rows[0]->after[3], std::string("\x00\xff", 2));
  EXPECT_EQ(rows[0]->after[4]->size(), 400u * 32);
  EXPECT_EQ(rows[0]->after[5], "[\"1\",null]");
  // The unchanged TOASTed value arrives flagged, not as data.
  EXPECT_EQ(rows[1]->op, FERRY_OP_UPDATE);
  EXPECT_EQ(rows[1]->after[1], "2");
  EXPECT_TRUE(rows[1]->after_flags[4] & FERRY_CELL_UNCHANGED);
  EXPECT_EQ(rows[2]->before[0], "1");
  EXPECT_EQ(rows[2]->after[0], "5");
  EXPECT_EQ(rows[3]->op, FERRY_OP_DELETE);
  EXPECT_EQ(rows[3]->before[0], "5");
  EXPECT_EQ(count(cs, FERRY_OP_BEGIN), count(cs, FERRY_OP_COMMIT));
}

TEST_F(PgChangesTest, TypeMatrixChangeStreamReproducesEveryValueExactly) {
  admin->exec("CREATE TABLE seed (id int PRIMARY KEY)");  // the publication needs a table
  auto src = source();
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  create_pg_type_matrix(*admin);
  // The new table joins the task's publication, then is written again.
  auto later = source({{"slot", std::string("unused_slot")}});
  const Catalog cat = later->source().discover(only_this_schema());
  admin->exec("ALTER PUBLICATION " + slot + " ADD TABLE types");
  admin->exec("DELETE FROM types");
  create_pg_type_matrix_rows(*admin);
  auto stream = src->source().open_changes(at);
  const auto cs = read_changes(stream, [](const std::vector<Change>& c) {
    return count(c, FERRY_OP_INSERT) == 3 && c.back().op == FERRY_OP_COMMIT;
  });
  std::vector<Row> rows;
  for (const auto& c : cs) {
    if (c.op == FERRY_OP_INSERT) rows.push_back(c.after);
  }
  const Table* types = nullptr;
  for (const auto& t : cat.tables) {
    if (t.name == "types") types = &t;
  }
  ASSERT_TRUE(types);
  check_pg_type_matrix(rows, *types);
}

TEST_F(PgChangesTest, ExportedSnapshotAndStreamHandOffHasNoGapAndNoDuplicate) {
  admin->exec("CREATE TABLE h (id int PRIMARY KEY, v bigint NOT NULL)");
  admin->exec("INSERT INTO h SELECT g, g FROM generate_series(1, 20000) g");
  admin->exec("ANALYZE h");
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    PgSession w(dsn);
    w.exec("SET search_path = " + schema);
    std::mt19937 rng(7);
    int next_id = 20001;
    while (!stop) {
      const int id = 1 + static_cast<int>(rng() % 20000);
      switch (rng() % 3) {
        case 0:
          w.exec("INSERT INTO h VALUES (" + std::to_string(next_id++) + ", 0)");
          break;
        case 1:
          w.exec("UPDATE h SET v = v + 1 WHERE id = " + std::to_string(id));
          break;
        default:
          w.exec("BEGIN; DELETE FROM h WHERE id = " + std::to_string(id) +
                 "; INSERT INTO h VALUES (" + std::to_string(next_id++) + ", " +
                 std::to_string(id) + "); COMMIT");
      }
      ++writes;
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } join{stop, writer};
  while (writes < 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  const TableRefHolder ref(schema_of(cat.tables.at(0)));
  std::map<std::string, std::string> rows;
  auto reader = source();
  for (const auto& split : src->source().plan_splits(*ref.ref(), 3000)) {
    for (const auto& r : read_all(reader->source().open_snapshot(split, 500))) {
      ASSERT_TRUE(rows.emplace(*r[0], *r[1]).second) << "row " << *r[0] << " read twice";
    }
  }
  while (writes < 400) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  admin->exec("INSERT INTO h VALUES (-1, -1)");
  auto stream = src->source().open_changes(at);
  const auto cs = read_changes(stream, [](const std::vector<Change>& c) {
    return c.back().op == FERRY_OP_INSERT && c.back().after.at(0) == "-1";
  });
  for (const auto& c : cs) {
    if (c.op == FERRY_OP_INSERT) {
      ASSERT_TRUE(rows.emplace(*c.after[0], *c.after[1]).second) << "duplicate " << *c.after[0];
    } else if (c.op == FERRY_OP_UPDATE) {
      auto it = rows.find(*c.before[0]);
      ASSERT_NE(it, rows.end()) << "update of a row the snapshot lacks (a gap)";
      it->second = *c.after[1];
    } else if (c.op == FERRY_OP_DELETE) {
      ASSERT_EQ(rows.erase(*c.before[0]), 1u) << "delete of a row the snapshot lacks";
    }
  }
  std::map<std::string, std::string> actual;
  for (const auto& r : admin->query("SELECT id, v FROM h").rows) actual[*r[0]] = *r[1];
  EXPECT_EQ(rows, actual);
}

TEST_F(PgChangesTest, ResumeDeliversExactlyTheUnconfirmedTransactions) {
  admin->exec("CREATE TABLE r (id int PRIMARY KEY)");
  auto src = source();
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  for (int i = 1; i <= 5; ++i) admin->exec("INSERT INTO r VALUES (" + std::to_string(i) + ")");
  Position third;
  {
    auto stream = src->source().open_changes(at);
    const auto cs = read_changes(
        stream, [](const std::vector<Change>& c) { return count(c, FERRY_OP_COMMIT) == 3; });
    third = Position{cs.back().position, ""};
    src->source().ack(third);
    // Let a status update carry the confirmation before the stream goes: read on until the
    // stream reports a position past the last transaction (a write to a table outside the
    // publication moves the server's position; the stream says so with a HEARTBEAT).
    admin->exec("CREATE TABLE other (id int)");
    admin->exec("INSERT INTO other VALUES (1)");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    read_changes(stream,
                 [](const std::vector<Change>& c) { return c.back().op == FERRY_OP_HEARTBEAT; });
  }
  auto again = source();
  again->source().discover(only_this_schema());
  auto stream = again->source().open_changes(third);
  const auto cs = read_changes(
      stream, [](const std::vector<Change>& c) { return count(c, FERRY_OP_COMMIT) == 2; });
  std::vector<std::string> ids;
  for (const auto& c : cs) {
    if (c.op == FERRY_OP_INSERT) ids.push_back(*c.after[0]);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"4", "5"}));
  // The server kept only what was not confirmed.
  const std::string confirmed = admin
                                    ->query(
                                        "SELECT confirmed_flush_lsn FROM "
                                        "pg_replication_slots WHERE slot_name = '" +
                                        slot + "'")
                                    .rows.at(0)[0]
                                    .value_or("");
  EXPECT_EQ(pg::parse_lsn(confirmed),
            pg::WalPosition::decode(third.bytes.data(), third.bytes.size()).lsn);
}

TEST_F(PgChangesTest, ReconnectInsideATransactionDeliversEveryRowOnce) {
  admin->exec("CREATE TABLE big (id int PRIMARY KEY, pad text)");
  auto src = source({{"change_batch_rows", int64_t{100}}});
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  admin->exec("INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g");
  auto stream = src->source().open_changes(at);
  std::vector<Change> cs;
  bool killed = false;
  while (!(count(cs, FERRY_OP_INSERT) == 20000 && cs.back().op == FERRY_OP_COMMIT)) {
    OwnedBatch b = stream.next();
    ASSERT_FALSE(b.is_end());
    for (auto& c : changes_of(b.get())) cs.push_back(std::move(c));
    if (!killed && count(cs, FERRY_OP_INSERT) >= 500) {
      admin->query(
          "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE "
          "slot_name = '" +
          slot + "' AND active");
      killed = true;
    }
    ASSERT_LE(count(cs, FERRY_OP_INSERT), 20000u) << "rows delivered twice";
  }
  std::set<std::string> ids;
  for (const auto& c : cs) {
    if (c.op != FERRY_OP_INSERT) continue;
    ASSERT_FALSE(c.after.empty()) << "an INSERT without its row, table '" << c.table << "'";
    EXPECT_TRUE(ids.insert(c.after[0].value_or("NULL")).second) << c.after[0].value_or("NULL");
  }
  EXPECT_EQ(ids.size(), 20000u);
  EXPECT_EQ(count(cs, FERRY_OP_BEGIN), 1u);
}

TEST_F(PgChangesTest, LargeTransactionStreamsWithBoundedMemory) {
  admin->exec("CREATE TABLE huge (id int PRIMARY KEY, a bigint, b text)");
  auto src = source({{"change_batch_rows", int64_t{1000}}});
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  admin->exec(
      "INSERT INTO huge SELECT g, g * 3, 'row number ' || g FROM generate_series(1, "
      "1000000) g");
  auto stream = src->source().open_changes(at);
  const size_t before = rss_kib();
  size_t peak = before, inserts = 0, batches = 0, max_records = 0;
  bool committed = false;
  while (!committed) {
    OwnedBatch b = stream.next();
    ASSERT_FALSE(b.is_end());
    ++batches;
    const BatchView v(b.get());
    max_records = std::max<size_t>(max_records, v.record_count());
    for (uint64_t r = 0; r < v.record_count(); ++r) {
      inserts += v.op(r) == FERRY_OP_INSERT;
      committed |= v.op(r) == FERRY_OP_COMMIT;
    }
    peak = std::max(peak, rss_kib());
  }
  EXPECT_EQ(inserts, 1000000u);
  EXPECT_GE(batches, 1000u);
  EXPECT_LE(max_records, 1002u);
  EXPECT_LT(peak - before, 48u * 1024) << "RSS grew by " << (peak - before) << " KiB";
}

TEST_F(PgChangesTest, ReleaseDropsTheSlotAndThePublication) {
  admin->exec("CREATE TABLE rel (id int PRIMARY KEY)");
  auto src = source();
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  {
    auto stream = src->source().open_changes(at);
    admin->exec("INSERT INTO rel VALUES (1)");
    read_changes(stream,
                 [](const std::vector<Change>& c) { return count(c, FERRY_OP_COMMIT) == 1; });
  }
  src->source().release();
  EXPECT_EQ(admin->query("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'")
                .rows.size(),
            0u);
  EXPECT_EQ(admin->query("SELECT 1 FROM pg_publication WHERE pubname = '" + slot + "'").rows.size(),
            0u);
  src->source().release();  // nothing left: still fine
}

// REPLICA IDENTITY USING INDEX: rows are found by the identity index the server sends as the
// old key, not by the primary key.
TEST_F(PgChangesTest, ReplicaIdentityIndexIsTheRowKey) {
  admin->exec("CREATE TABLE ri (id int PRIMARY KEY, email text NOT NULL, v int)");
  admin->exec("CREATE UNIQUE INDEX ri_email ON ri (email)");
  admin->exec("ALTER TABLE ri REPLICA IDENTITY USING INDEX ri_email");
  admin->exec("INSERT INTO ri VALUES (1, 'a@x', 1), (2, 'b@x', 2)");
  auto src = source();
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  admin->exec("UPDATE ri SET id = 10 WHERE id = 1");
  admin->exec("DELETE FROM ri WHERE id = 2");
  auto stream = src->source().open_changes(at);
  const auto cs = read_changes(stream, [](const std::vector<Change>& c) {
    return count(c, FERRY_OP_DELETE) == 1 && c.back().op == FERRY_OP_COMMIT;
  });
  const Change* upd = nullptr;
  const Change* del = nullptr;
  for (const auto& c : cs) {
    if (c.op == FERRY_OP_UPDATE) upd = &c;
    if (c.op == FERRY_OP_DELETE) del = &c;
  }
  ASSERT_TRUE(upd && del);
  EXPECT_EQ(upd->before[1], "a@x");  // the key that finds the row
  EXPECT_EQ(upd->after[0], "10");
  EXPECT_EQ(del->before[1], "b@x");
}

TEST_F(PgChangesTest, TableRewrittenAfterTheSnapshotIsRefusedNotReadEmpty) {
  admin->exec("CREATE TABLE rw (id int PRIMARY KEY, v int)");
  admin->exec("INSERT INTO rw SELECT g, g FROM generate_series(1, 100) g");
  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  src->source().snapshot_position();
  admin->exec("ALTER TABLE rw ALTER COLUMN v TYPE bigint");  // rewrites the table
  const TableRefHolder ref(schema_of(cat.tables.at(0)));
  const auto splits = src->source().plan_splits(*ref.ref(), 1000);
  auto reader = source();
  try {
    read_all(reader->source().open_snapshot(splits.at(0), 100));
    FAIL() << "a rewritten table was read under the old snapshot";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_DATA_LOSS);
    EXPECT_NE(std::string(e.what()).find("rewritten"), std::string::npos) << e.what();
  }
}

TEST_F(PgChangesTest, InheritanceChildrenAreTheirOwnTables) {
  admin->exec("CREATE TABLE parent_t (id int PRIMARY KEY)");
  admin->exec("CREATE TABLE child_t (extra int) INHERITS (parent_t)");
  // A child does not inherit its parent's primary key (a keyless table is refused).
  admin->exec("ALTER TABLE child_t ADD PRIMARY KEY (id)");
  admin->exec("INSERT INTO parent_t VALUES (1)");
  admin->exec("INSERT INTO child_t VALUES (2, 20)");
  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  for (const auto& t : cat.tables) {
    const TableRefHolder ref(schema_of(t));
    const auto rows = read_all(
        src->source().open_snapshot(src->source().plan_splits(*ref.ref(), 1000).at(0), 100));
    ASSERT_EQ(rows.size(), 1u) << t.name << " read rows of another table";
  }
  admin->exec("INSERT INTO child_t VALUES (3, 30)");
  auto stream = src->source().open_changes(at);
  const auto cs = read_changes(
      stream, [](const std::vector<Change>& c) { return count(c, FERRY_OP_COMMIT) == 1; });
  size_t inserts = 0;
  for (const auto& c : cs) {
    if (c.op != FERRY_OP_INSERT) continue;
    ++inserts;
    EXPECT_EQ(c.table, schema + ".child_t");
  }
  EXPECT_EQ(inserts, 1u);
}

TEST_F(PgChangesTest, DroppedSlotIsAClearDataLossError) {
  admin->exec("CREATE TABLE d (id int PRIMARY KEY)");
  auto src = source();
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  src.reset();  // the slot's creating connection goes away
  admin->exec("SELECT pg_drop_replication_slot('" + slot + "')");
  auto again = source();
  try {
    auto stream = again->source().open_changes(at);
    stream.next();
    FAIL() << "a dropped slot went unnoticed";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_DATA_LOSS) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ferry::testing
