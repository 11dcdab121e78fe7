// The PostgreSQL source against the test bed: regressions of the second review — partitioned
// tables (rewrites, partition changes and TRUNCATE, split estimates), what snapshot_position()
// refuses before it changes anything on the source (keyless and unlogged tables), the
// publication ferry owns and the one a DBA made, snapshot reads that fail before their COPY,
// default object names, and the session settings.
#include <unistd.h>
#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "connection.hpp"
#include "pg_fixture.hpp"
#include "source.hpp"

namespace ferry::testing {
namespace {

struct Change {
  ferry_op op = 0;
  std::string table;
  std::vector<std::string> columns;
  std::vector<std::optional<std::string>> before, after;
};

std::vector<Change> changes_of(const ferry_batch& b) {
  BatchView v(b);
  std::vector<Change> out;
  for (uint64_t r = 0; r < v.record_count(); ++r) {
    Change c;
    c.op = v.op(r);
    const ferry_table_ref* t = v.table(r);
    if (t) {
      c.table = std::string(t->schema) + "." + t->name;
      for (uint32_t i = 0; i < t->column_count; ++i) c.columns.emplace_back(t->columns[i]->name);
    }
    auto image = [&](uint64_t first, std::vector<std::optional<std::string>>& row) {
      if (first == FERRY_NO_ROW || !t) return;
      for (uint32_t i = 0; i < t->column_count; ++i) {
        const Cell cell = v.cell(first, i);
        row.push_back(cell.is_null() ? std::nullopt : std::optional<std::string>(cell.data));
      }
    };
    image(v.before(r), c.before);
    image(v.after(r), c.after);
    out.push_back(std::move(c));
  }
  return out;
}

// Reads until the COMMIT of the transaction that inserted `marker` (first column) into any
// table; a failure of the stream is rethrown.
std::vector<Change> until_marker(StreamReader& s, const std::string& marker) {
  std::vector<Change> out;
  bool seen = false;
  for (int i = 0; i < 2000; ++i) {
    OwnedBatch b = s.next();
    if (b.is_end()) break;
    for (auto& c : changes_of(b.get())) {
      if (c.op == FERRY_OP_INSERT && !c.after.empty() && c.after[0] == marker) seen = true;
      const bool commit = c.op == FERRY_OP_COMMIT;
      out.push_back(std::move(c));
      if (seen && commit) return out;
    }
  }
  ADD_FAILURE() << "marker " << marker << " not seen";
  return out;
}

size_t count(const std::vector<Change>& cs, ferry_op op) {
  return static_cast<size_t>(
      std::count_if(cs.begin(), cs.end(), [&](const Change& c) { return c.op == op; }));
}

using PgReview2Test = PgSourceTest;

// ---- #1: a partitioned table rewritten after the snapshot --------------------------------------

TEST_F(PgReview2Test, PartitionedTableRewrittenAfterTheSnapshotIsRefusedNotReadEmpty) {
  admin->exec("CREATE TABLE pt (id int, k int, v int, PRIMARY KEY (id, k)) PARTITION BY RANGE (k)");
  admin->exec("CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (1000000)");
  admin->exec("INSERT INTO pt SELECT g, g, g FROM generate_series(1, 1000) g");
  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  src->source().snapshot_position();
  const TableRefHolder ref(schema_of(cat.tables.at(0)));
  const auto splits = src->source().plan_splits(*ref.ref(), 100000);
  admin->exec("ALTER TABLE pt ALTER COLUMN v TYPE bigint");  // rewrites pt_1
  auto reader = source();
  try {
    size_t n = 0;
    for (const auto& split : splits)
      n += read_all(reader->source().open_snapshot(split, 500)).size();
    FAIL() << "the rewritten partitioned table was read as " << n << " rows";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_DATA_LOSS) << e.what();
    EXPECT_NE(std::string(e.what()).find("rewritten"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pt_1"), std::string::npos) << e.what();
  }
}

// ---- #2: partitions' changes are their table's; a TRUNCATE of one partition is loud ------------

TEST_F(PgReview2Test, PartitionChangesAreTheTablesAndAPartitionTruncateStopsTheStream) {
  admin->exec("CREATE TABLE m (id int PRIMARY KEY)");
  admin->exec(
      "CREATE TABLE pt (id int, k int, v text, PRIMARY KEY (id, k)) PARTITION BY RANGE (k)");
  admin->exec("CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (100)");
  // A partition whose columns are in another order than its table's.
  admin->exec("CREATE TABLE pt_2 (v text, k int NOT NULL, id int NOT NULL)");
  admin->exec("ALTER TABLE pt ATTACH PARTITION pt_2 FOR VALUES FROM (100) TO (200)");
  auto src = source();
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  admin->exec("INSERT INTO pt VALUES (1, 1, 'a'), (2, 150, 'b')");
  admin->exec("UPDATE pt SET k = 120 WHERE id = 1");  // moves the row to pt_2
  admin->exec("TRUNCATE pt");                         // the whole table: replayable
  admin->exec("INSERT INTO pt VALUES (3, 3, 'c')");
  admin->exec("INSERT INTO m VALUES (42)");
  admin->exec("TRUNCATE pt_1");  // one partition: not replayable
  admin->exec("INSERT INTO m VALUES (43)");

  auto stream = src->source().open_changes(at);
  const auto cs = until_marker(stream, "42");
  std::vector<const Change*> rows;
  for (const auto& c : cs) {
    if (c.op >= FERRY_OP_INSERT && c.op <= FERRY_OP_DELETE && c.table != schema + ".m") {
      rows.push_back(&c);
    }
  }
  // INSERT (1,1) INSERT (2,150), the move = DELETE (1,1) + INSERT (1,120), INSERT (3,3): all
  // of them rows of pt, in pt's column order, whichever partition they were in.
  ASSERT_EQ(rows.size(), 5u);
  for (const Change* c : rows) {
    EXPECT_EQ(c->table, schema + ".pt");
    EXPECT_EQ(c->columns, (std::vector<std::string>{"id", "k", "v"}));
  }
  using S = std::optional<std::string>;
  EXPECT_EQ(rows[1]->after, (std::vector<S>{"2", "150", "b"}));  // from pt_2
  EXPECT_EQ(rows[2]->op, FERRY_OP_DELETE);
  EXPECT_EQ(rows[2]->before[0], "1");
  EXPECT_EQ(rows[2]->before[1], "1");
  EXPECT_EQ(rows[3]->after, (std::vector<S>{"1", "120", "a"}));
  EXPECT_EQ(rows[4]->after, (std::vector<S>{"3", "3", "c"}));
  std::vector<std::string> truncated;
  for (const auto& c : cs) {
    if (c.op == FERRY_OP_TRUNCATE) truncated.push_back(c.table);
  }
  EXPECT_EQ(truncated, std::vector<std::string>{schema + ".pt"});  // once, as the table

  try {
    until_marker(stream, "43");
    FAIL() << "the TRUNCATE of partition pt_1 went by without a word";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_DATA_LOSS) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("pt_1"), std::string::npos) << what;
    EXPECT_NE(what.find("DELETE"), std::string::npos) << what;  // what to do instead
  }
}

// ---- #3: keyless tables are refused before anything changes on the source ----------------------

TEST_F(PgReview2Test, KeylessTablesAreRefusedBeforeThePublicationExists) {
  admin->exec("CREATE TABLE keyed (id int PRIMARY KEY)");
  admin->exec("CREATE TABLE nk (a int, b text)");
  admin->exec("INSERT INTO nk VALUES (1, 'x')");
  // Partitions do not inherit their table's replica identity.
  admin->exec("CREATE TABLE pk_less (a int, k int) PARTITION BY RANGE (k)");
  admin->exec("ALTER TABLE pk_less REPLICA IDENTITY FULL");
  admin->exec("CREATE TABLE pk_less_1 PARTITION OF pk_less FOR VALUES FROM (0) TO (10)");
  admin->exec("INSERT INTO pk_less VALUES (1, 1)");
  auto src = source();
  src->source().discover(only_this_schema());
  try {
    src->source().snapshot_position();
    FAIL() << "keyless tables were published";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("\"nk\""), std::string::npos) << what;
    EXPECT_NE(what.find("\"pk_less_1\" (partition of"), std::string::npos) << what;
    EXPECT_EQ(what.find("\"keyed\""), std::string::npos) << what;
    EXPECT_NE(what.find("REPLICA IDENTITY FULL"), std::string::npos) << what;
  }
  EXPECT_TRUE(
      admin->query("SELECT 1 FROM pg_publication WHERE pubname = '" + slot + "'").rows.empty());
  EXPECT_TRUE(admin->query("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'")
                  .rows.empty());
  // The source application's statements still work.
  admin->exec("UPDATE nk SET b = 'y' WHERE a = 1");
  admin->exec("DELETE FROM pk_less WHERE a = 1");
  // Fixed as the message says, the task starts, and the precheck names the partition too.
  EXPECT_NE(src->source().precheck().find("pk_less_1"), std::string::npos);
  admin->exec("ALTER TABLE nk REPLICA IDENTITY FULL");
  admin->exec("ALTER TABLE pk_less_1 REPLICA IDENTITY FULL");
  EXPECT_NO_THROW(src->source().snapshot_position());
  admin->exec("UPDATE nk SET b = 'z' WHERE a = 1");
}

// A publication ferry created goes again when the replication slot cannot be created. The role
// may create publications (owns the tables, CREATE on the database) but not replicate.
TEST_F(PgReview2Test, FailedSlotCreationDropsThePublicationFerryJustCreated) {
  const std::string role = "ferry_t_norepl_" + std::to_string(getpid());
  const std::string db = admin->scalar("SELECT current_database()");
  struct Drop {
    PgSession* admin;
    std::string role, db, schema;
    ~Drop() {
      try {
        admin->exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        admin->exec("DROP OWNED BY " + role);
        admin->exec("DROP ROLE IF EXISTS " + role);
      } catch (const std::exception&) {
      }
    }
  } drop{admin.get(), role, db, schema};
  admin->exec("CREATE ROLE " + role + " LOGIN NOREPLICATION PASSWORD 'norepl-pw'");
  admin->exec("GRANT CREATE ON DATABASE " + db + " TO " + role);
  admin->exec("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
  admin->exec("CREATE TABLE t (id int PRIMARY KEY)");
  admin->exec("ALTER TABLE t OWNER TO " + role);
  auto src = source({{"user", role}, {"password", SecretValue{"norepl-pw"}}});
  src->source().discover(only_this_schema());
  try {
    src->source().snapshot_position();
    FAIL() << "a role without REPLICATION created a slot";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("replication"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(
      admin->query("SELECT 1 FROM pg_publication WHERE pubname = '" + slot + "'").rows.empty())
      << "the publication stayed behind";
}

// ---- #4: the publication ferry owns, and the one a DBA made ------------------------------------

TEST_F(PgReview2Test, ADbasPublicationIsUsedAsItIsOrRefusedAndNeverDropped) {
  admin->exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  admin->exec("CREATE TABLE m (id int PRIMARY KEY)");
  // Publishes inserts only, and not m: refused with the fix, and left as it was.
  admin->exec("CREATE PUBLICATION " + slot + " FOR TABLE t WITH (publish = 'insert')");
  {
    auto src = source();
    src->source().discover(only_this_schema());
    try {
      src->source().snapshot_position();
      FAIL() << "a publication without UPDATE and DELETE was used";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT) << e.what();
      const std::string what = e.what();
      EXPECT_NE(what.find("publish = 'insert, update, delete, truncate'"), std::string::npos)
          << what;
      EXPECT_NE(what.find("\"m\""), std::string::npos) << what;
    }
    EXPECT_EQ(
        admin->scalar("SELECT pubupdate::text FROM pg_publication WHERE pubname = '" + slot + "'"),
        "false");
    EXPECT_EQ(
        admin->scalar("SELECT count(*) FROM pg_publication_tables WHERE pubname = '" + slot + "'"),
        "1");
    src->source().release();
    EXPECT_EQ(admin->scalar("SELECT count(*) FROM pg_publication WHERE pubname = '" + slot + "'"),
              "1")
        << "release() dropped a publication ferry did not create";
  }
  // Fixed by the DBA: used as it is; everything arrives; release() leaves it.
  admin->exec("ALTER PUBLICATION " + slot +
              " SET (publish = 'insert, update, delete, truncate'); ALTER PUBLICATION " + slot +
              " ADD TABLE m");
  auto src = source();
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  admin->exec("INSERT INTO t VALUES (1, 1)");
  admin->exec("UPDATE t SET v = 2");
  admin->exec("DELETE FROM t");
  admin->exec("INSERT INTO m VALUES (42)");
  {
    auto stream = src->source().open_changes(at);
    const auto cs = until_marker(stream, "42");
    EXPECT_EQ(count(cs, FERRY_OP_UPDATE), 1u);
    EXPECT_EQ(count(cs, FERRY_OP_DELETE), 1u);
  }
  src->source().release();
  EXPECT_TRUE(admin->query("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'")
                  .rows.empty());
  EXPECT_EQ(admin->scalar("SELECT count(*) FROM pg_publication WHERE pubname = '" + slot + "'"),
            "1");
}

TEST_F(PgReview2Test, FerrysOwnPublicationIsResetAndDroppedAndAnotherTasksIsRefused) {
  admin->exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  admin->exec("CREATE TABLE m (id int PRIMARY KEY)");
  {
    // Created by ferry (for this task), then narrowed by someone: ferry sets it again.
    auto src = source();
    src->source().discover(only_this_schema());
    src->source().snapshot_position();
    EXPECT_NE(admin
                  ->scalar("SELECT obj_description(oid, 'pg_publication') FROM pg_publication "
                           "WHERE pubname = '" +
                           slot + "'")
                  .find("created by ferry for task test-task"),
              std::string::npos);
  }
  admin->exec("SELECT pg_drop_replication_slot('" + slot + "')");
  admin->exec("ALTER PUBLICATION " + slot + " SET (publish = 'insert')");
  auto src = source();
  src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  EXPECT_EQ(admin->scalar("SELECT pubupdate AND pubdelete AND pubtruncate AND NOT pubviaroot FROM "
                          "pg_publication WHERE pubname = '" +
                          slot + "'"),
            "t");
  src->source().release();
  EXPECT_TRUE(
      admin->query("SELECT 1 FROM pg_publication WHERE pubname = '" + slot + "'").rows.empty());

  // Another task's publication of the same name is neither used nor changed.
  admin->exec("CREATE PUBLICATION " + slot + " FOR TABLE t");
  admin->exec("COMMENT ON PUBLICATION " + slot +
              " IS 'created by ferry for task other-task; dropped when the task is released'");
  auto third = source();
  third->source().discover(only_this_schema());
  try {
    third->source().snapshot_position();
    FAIL() << "another task's publication was taken over";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another ferry task"), std::string::npos) << e.what();
  }
  third->source().release();
  EXPECT_EQ(
      admin->scalar("SELECT count(*) FROM pg_publication_tables WHERE pubname = '" + slot + "'"),
      "1");
}

// ---- #5: a snapshot read that fails before its COPY --------------------------------------------

TEST_F(PgReview2Test, AFailedCopyStartLeavesTheSessionUsable) {
  admin->exec("CREATE TABLE a (id int PRIMARY KEY)");
  admin->exec("CREATE TABLE b (id int PRIMARY KEY)");
  admin->exec("INSERT INTO b VALUES (1)");
  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  const TableRefHolder ra(schema_of(cat.tables.at(0)));
  const TableRefHolder rb(schema_of(cat.tables.at(1)));
  const auto sa = src->source().plan_splits(*ra.ref(), 1000);
  const auto sb = src->source().plan_splits(*rb.ref(), 1000);
  admin->exec("DROP TABLE a");
  try {
    read_all(src->source().open_snapshot(sa.at(0), 100));
    FAIL() << "a dropped table was read";
  } catch (const Error& e) {
    // The server's own error, with its own status: not "the snapshot is gone", not retryable.
    EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("snapshot is gone"), std::string::npos) << e.what();
  }
  // The same instance (session) reads the next split.
  EXPECT_EQ(read_all(src->source().open_snapshot(sb.at(0), 100)).size(), 1u);
}

TEST_F(PgReview2Test, AGoneSnapshotIsNotRetryableAndTheSessionStaysUsable) {
  admin->exec("CREATE TABLE b (id int PRIMARY KEY)");
  admin->exec("INSERT INTO b VALUES (1)");
  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  src->source().snapshot_position();
  const TableRefHolder rb(schema_of(cat.tables.at(0)));
  const auto splits = src->source().plan_splits(*rb.ref(), 1000);
  auto reader = source();
  src.reset();  // the exporting connection goes, and its snapshot with it
  try {
    read_all(reader->source().open_snapshot(splits.at(0), 100));
    FAIL() << "a split was read without its snapshot";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_DATA_LOSS) << e.what();
    EXPECT_NE(std::string(e.what()).find("snapshot is gone"), std::string::npos) << e.what();
  }
  // A split without a snapshot on the same instance: the session is not left aborted.
  auto plain = source();
  plain->source().discover(only_this_schema());
  const auto fresh = plain->source().plan_splits(*rb.ref(), 1000);
  EXPECT_EQ(read_all(reader->source().open_snapshot(fresh.at(0), 100)).size(), 1u);
}

// ---- #8: unlogged tables are never silently copied --------------------------------------------

TEST_F(PgReview2Test, UnloggedTablesAreRefusedWithAChangeStreamAndWarnedWithout) {
  admin->exec("CREATE TABLE ok (id int PRIMARY KEY)");
  admin->exec("CREATE UNLOGGED TABLE ul (id int PRIMARY KEY)");
  admin->exec("INSERT INTO ul VALUES (1)");
  admin->exec("CREATE TABLE pt (id int, k int, PRIMARY KEY (id, k)) PARTITION BY RANGE (k)");
  admin->exec("CREATE UNLOGGED TABLE pt_u PARTITION OF pt FOR VALUES FROM (0) TO (10)");
  {
    // The precheck reads the catalog: no discover() on this instance.
    const auto report = nlohmann::json::parse(source()->source().precheck());
    bool named = false;
    for (const auto& i : report) {
      if (i["item"] != "unlogged_tables") continue;
      const std::string detail = i["detail"];
      named = detail.find("\"ul\"") != std::string::npos &&
              detail.find("\"pt_u\"") != std::string::npos;
    }
    EXPECT_TRUE(named) << report.dump();
  }
  auto src = source();
  src->source().discover(only_this_schema());
  try {
    src->source().snapshot_position();
    FAIL() << "unlogged tables were left out of the change stream";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("\"ul\""), std::string::npos) << what;
    EXPECT_NE(what.find("\"pt_u\""), std::string::npos) << what;
    EXPECT_NE(what.find("SET LOGGED"), std::string::npos) << what;
  }
  EXPECT_TRUE(
      admin->query("SELECT 1 FROM pg_publication WHERE pubname = '" + slot + "'").rows.empty());

  // With a change stream, plan_splits refuses an unlogged table too.
  const Catalog all = src->source().discover(only_this_schema());
  src->source().discover(R"({"include":[")" + schema + R"(.ok"]})");
  src->source().snapshot_position();
  for (const auto& t : all.tables) {
    if (t.name == "ok") continue;
    const TableRefHolder ref(schema_of(t));
    EXPECT_THROW(src->source().plan_splits(*ref.ref(), 1000), Error) << t.name;
  }
  // A full copy alone (no snapshot of a slot) copies it, and says so.
  auto full = source();
  full->source().discover(only_this_schema());
  for (const auto& t : all.tables) {
    if (t.name != "ul") continue;
    const TableRefHolder ref(schema_of(t));
    EXPECT_EQ(read_all(full->source().open_snapshot(
                           full->source().plan_splits(*ref.ref(), 1000).at(0), 100))
                  .size(),
              1u);
  }
  bool warned = false;
  for (const auto& [level, text] : host.logs()) {
    warned =
        warned || (level == FERRY_LOG_WARN && text.find("\"ul\" is unlogged") != std::string::npos);
  }
  EXPECT_TRUE(warned);
}

// ---- #9: default slot and publication names ---------------------------------------------------

TEST(PgDefaultObjectName, IsInjectiveShortAndAValidSlotName) {
  using ferry::pg::default_object_name;
  EXPECT_EQ(default_object_name("orders_eu"), "ferry_orders_eu");  // unchanged for plain ids
  const std::vector<std::string> ids = {"orders-eu",
                                        "orders_eu",
                                        "Orders_EU",
                                        "orders-eu-",
                                        std::string(63, 'a'),
                                        std::string(62, 'a') + "b",
                                        std::string(57, 'x'),
                                        std::string(58, 'x'),
                                        std::string(57, 'x') + "-1",
                                        std::string(57, 'x') + "_1",
                                        "h_x",
                                        "x"};
  std::set<std::string> names;
  for (const auto& id : ids) {
    const std::string n = default_object_name(id);
    EXPECT_LE(n.size(), 63u) << id;
    EXPECT_TRUE(std::all_of(n.begin(), n.end(), [](unsigned char c) {
      return std::islower(c) || std::isdigit(c) || c == '_';
    })) << n;
    EXPECT_EQ(n, default_object_name(id)) << "not stable: " << id;
    names.insert(n);
  }
  EXPECT_EQ(names.size(), ids.size()) << "two task ids share a slot name";
}

// ---- #10: splits of never-analyzed and partitioned tables --------------------------------------

TEST_F(PgReview2Test, NeverAnalyzedAndPartitionedTablesAreSplit) {
  admin->exec("CREATE TABLE fresh (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false)");
  admin->exec("INSERT INTO fresh SELECT g, g FROM generate_series(1, 20000) g");
  admin->exec("CREATE TABLE heap_fresh (a int, b int) WITH (autovacuum_enabled = false)");
  admin->exec("INSERT INTO heap_fresh SELECT g, g FROM generate_series(1, 20000) g");
  admin->exec("CREATE TABLE pt (id int PRIMARY KEY, v int) PARTITION BY RANGE (id)");
  admin->exec(
      "CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (10001) WITH "
      "(autovacuum_enabled = false)");
  admin->exec(
      "CREATE TABLE pt_2 PARTITION OF pt FOR VALUES FROM (10001) TO (30000) WITH "
      "(autovacuum_enabled = false)");
  admin->exec("INSERT INTO pt SELECT g, g FROM generate_series(1, 20000) g");
  admin->exec("ANALYZE pt_1");  // one partition analyzed, the other not
  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  for (const auto& t : cat.tables) {
    SCOPED_TRACE(t.name);
    // An estimate, not "unknown" and not 0: within a factor of two here.
    EXPECT_GT(t.row_estimate, 10000);
    EXPECT_LT(t.row_estimate, 40000);
    const TableRefHolder ref(schema_of(t));
    const auto splits = src->source().plan_splits(*ref.ref(), 2000);
    EXPECT_GE(splits.size(), 5u);
    std::set<std::string> keys;
    size_t rows = 0;
    for (const auto& s : splits) {
      for (const auto& r : read_all(src->source().open_snapshot(s, 1000))) {
        keys.insert(*r[0]);
        ++rows;
      }
    }
    EXPECT_EQ(rows, 20000u);
    EXPECT_EQ(keys.size(), 20000u);
  }
}

// ---- #11: the session's settings ---------------------------------------------------------------

// standard_conforming_strings is on in every session, whatever the role's default: a backslash
// in '...' is itself (the literals of verification reads rely on it).
TEST_F(PgReview2Test, SessionsHaveStandardConformingStrings) {
  const std::string role = "ferry_t_scs_" + std::to_string(getpid());
  struct Drop {
    PgSession* admin;
    std::string role;
    ~Drop() {
      try {
        admin->exec("DROP ROLE IF EXISTS " + role);
      } catch (const std::exception&) {
      }
    }
  } drop{admin.get(), role};
  admin->exec("CREATE ROLE " + role + " LOGIN PASSWORD 'scs-pw'");
  admin->exec("ALTER ROLE " + role + " SET standard_conforming_strings = off");
  ferry::pg::ConnectOptions o;
  {
    PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), nullptr);
    for (auto* p = opts; p && p->keyword; ++p) {
      if (!p->val) continue;
      const std::string k = p->keyword;
      if (k == "host") o.host = p->val;
      if (k == "port") o.port = static_cast<unsigned>(std::stoi(p->val));
      if (k == "dbname") o.database = p->val;
    }
    PQconninfoFree(opts);
  }
  o.user = role;
  o.password = "scs-pw";
  ferry::pg::Connection conn(o);
  EXPECT_EQ(conn.query_value("SHOW standard_conforming_strings"), "on");
  EXPECT_EQ(conn.query_value("SELECT length('a\\b')"), "3");
}

}  // namespace
}  // namespace ferry::testing
