// The MySQL source's binlog change stream against the test bed's MariaDB.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "position.hpp"
#include "source_fixture.hpp"
#include "type_matrix.hpp"

namespace ferry::testing {
namespace {

using ferry::mysql::BinlogPosition;

// The server's current binlog position, as the source encodes positions.
Position current_position(MysqlSession& s) {
  const auto st = s.query("SHOW MASTER STATUS");
  BinlogPosition p;
  p.file = *st.rows.at(0)[0];
  p.pos = std::stoull(*st.rows.at(0)[1]);
  return p.to_position();
}

BinlogPosition decode(const Bytes& b) {
  return BinlogPosition::decode(b.data(), b.size());
}

size_t rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

// Kills the binlog dump threads of the ferry user (the server side of a change stream).
void kill_dump_threads(MysqlSession& s) {
  for (const auto& row : s.query("SHOW PROCESSLIST").rows) {
    if (row[4] && row[4]->rfind("Binlog Dump", 0) == 0) {
      s.exec("KILL " + *row[0]);
    }
  }
}

TEST_F(MysqlSourceTest, TypeMatrixChangeStreamReproducesEveryValueExactly) {
  auto src = source({{"change_batch_rows", int64_t{2}}});
  src->source().discover(only_this_db());
  const Position from = current_position(*admin);
  create_type_matrix(*admin);
  admin->exec("UPDATE types SET id = id + 100");
  admin->exec("DELETE FROM types WHERE id > 100");
  auto stream = src->source().open_changes(from);
  const auto changes = read_changes(stream, [](const std::vector<Change>& cs) {
    return MysqlSourceTest::count_ops(cs, FERRY_OP_DELETE) == 4 && cs.back().op == FERRY_OP_COMMIT;
  });
  const auto expected = type_matrix_expected();
  std::vector<const Change*> ins, upd, del;
  for (const auto& c : changes) {
    if (c.op == FERRY_OP_INSERT) ins.push_back(&c);
    if (c.op == FERRY_OP_UPDATE) upd.push_back(&c);
    if (c.op == FERRY_OP_DELETE) del.push_back(&c);
  }
  ASSERT_EQ(ins.size(), 4u);
  ASSERT_EQ(upd.size(), 4u);
  ASSERT_EQ(del.size(), 4u);
  for (size_t r = 0; r < 4; ++r) {
    EXPECT_EQ(ins[r]->table, db + ".types");
    auto moved = expected[r];
    moved[0] = std::to_string(std::stoi(*expected[r][0]) + 100);
    for (size_t c = 0; c < expected[r].size(); ++c) {
      EXPECT_EQ(ins[r]->after.at(c), expected[r][c]) << "insert row " << r << " column " << c;
      EXPECT_EQ(upd[r]->before.at(c), expected[r][c]) << "update before row " << r << " col " << c;
      EXPECT_EQ(upd[r]->after.at(c), moved[c]) << "update after row " << r << " column " << c;
      EXPECT_EQ(del[r]->before.at(c), moved[c]) << "delete row " << r << " column " << c;
    }
  }
  // Transactions: the CREATE TABLE is a DDL record; every statement is BEGIN ... COMMIT.
  EXPECT_GE(count_ops(changes, FERRY_OP_DDL), 1u);
  EXPECT_EQ(count_ops(changes, FERRY_OP_BEGIN), count_ops(changes, FERRY_OP_COMMIT));
  for (const auto& c : changes) {
    if (c.op == FERRY_OP_COMMIT) {
      EXPECT_GT(c.commit_time_us, 1700000000LL * 1000000);
    }
  }
}

TEST_F(MysqlSourceTest, SnapshotAndChangeStreamHandOffHasNoGapAndNoDuplicate) {
  admin->exec("CREATE TABLE h (id INT PRIMARY KEY, v BIGINT NOT NULL)");
  admin->exec("INSERT INTO h SELECT seq, seq FROM seq_1_to_20000");
  admin->exec("ANALYZE TABLE h");

  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    MysqlSession w(dsn);
    w.exec("USE `" + db + "`");
    std::mt19937 rng(42);
    int next_id = 20001;
    while (!stop) {
      const int op = static_cast<int>(rng() % 3);
      const int id = 1 + static_cast<int>(rng() % 20000);
      if (op == 0) {
        w.exec("INSERT INTO h VALUES (" + std::to_string(next_id++) + ", 0)");
      } else if (op == 1) {
        w.exec("UPDATE h SET v = v + 1 WHERE id = " + std::to_string(id));
      } else {
        w.exec("BEGIN");
        w.exec("DELETE FROM h WHERE id = " + std::to_string(id));
        w.exec("INSERT INTO h VALUES (" + std::to_string(next_id++) + ", " + std::to_string(id) +
               ")");
        w.exec("COMMIT");
      }
      ++writes;
    }
  });
  while (writes < 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  // Snapshot while the writer runs.
  auto src = source();
  const Catalog cat = src->source().discover(only_this_db());
  const Position at = src->source().snapshot_position();
  const TableRefHolder ref(schema_of(cat.tables.at(0)));
  std::map<std::string, std::string> rows;
  for (const auto& split : src->source().plan_splits(*ref.ref(), 3000)) {
    for (const auto& r : read_all(src->source().open_snapshot(split, 500))) {
      ASSERT_TRUE(rows.emplace(*r[0], *r[1]).second) << "row " << *r[0] << " read twice";
    }
  }
  while (writes < 400) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  admin->exec("INSERT INTO h VALUES (-1, -1)");  // the end marker

  auto changes_src = source();
  changes_src->source().discover(only_this_db());
  auto stream = changes_src->source().open_changes(at);
  const auto changes = read_changes(stream, [](const std::vector<Change>& cs) {
    return cs.back().op == FERRY_OP_INSERT && cs.back().after.at(0) == "-1";
  });
  for (const auto& c : changes) {
    if (c.op == FERRY_OP_INSERT) {
      ASSERT_TRUE(rows.emplace(*c.after[0], *c.after[1]).second)
          << "insert of " << *c.after[0] << " is already in the snapshot (a duplicate)";
    } else if (c.op == FERRY_OP_UPDATE) {
      auto it = rows.find(*c.before[0]);
      ASSERT_NE(it, rows.end()) << "update of a row the snapshot does not have (a gap)";
      ASSERT_EQ(it->second, *c.before[1]) << "update's before image differs (a gap)";
      rows.erase(it);
      rows.emplace(*c.after[0], *c.after[1]);
    } else if (c.op == FERRY_OP_DELETE) {
      ASSERT_EQ(rows.erase(*c.before[0]), 1u) << "delete of a row the snapshot does not have";
    }
  }
  std::map<std::string, std::string> actual;
  for (const auto& r : admin->query("SELECT id, v FROM h").rows) actual[*r[0]] = *r[1];
  EXPECT_EQ(rows, actual);
}

TEST_F(MysqlSourceTest, StreamFollowsRotationsAndResumesFromASavedPosition) {
  admin->exec("CREATE TABLE r (id INT PRIMARY KEY)");
  auto src = source();
  src->source().discover(only_this_db());
  const Position from = current_position(*admin);
  admin->exec("INSERT INTO r VALUES (1)");
  admin->exec("FLUSH BINARY LOGS");
  admin->exec("INSERT INTO r VALUES (2)");
  admin->exec("FLUSH BINARY LOGS");
  admin->exec("INSERT INTO r VALUES (3)");
  std::vector<Change> changes;
  {
    auto stream = src->source().open_changes(from);
    changes = read_changes(stream, [](const std::vector<Change>& cs) {
      return MysqlSourceTest::count_ops(cs, FERRY_OP_COMMIT) == 3;
    });
  }
  std::vector<BinlogPosition> commits;
  std::vector<std::string> ids;
  for (const auto& c : changes) {
    if (c.op == FERRY_OP_COMMIT) commits.push_back(decode(c.position));
    if (c.op == FERRY_OP_INSERT) ids.push_back(*c.after[0]);
  }
  ASSERT_EQ(commits.size(), 3u);
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_NE(commits[0].file, commits[1].file);
  EXPECT_NE(commits[1].file, commits[2].file);
  EXPECT_LT(mysql::compare(commits[0], commits[1]), 0);
  EXPECT_LT(mysql::compare(commits[1], commits[2]), 0);
  EXPECT_FALSE(commits[2].gtid.empty());

  // A new stream from the first commit delivers exactly the later transactions.
  auto resumed = source();
  resumed->source().discover(only_this_db());
  auto stream = resumed->source().open_changes(Position{commits[0].encode(), ""});
  const auto again = read_changes(stream, [](const std::vector<Change>& cs) {
    return MysqlSourceTest::count_ops(cs, FERRY_OP_COMMIT) == 2;
  });
  std::vector<std::string> again_ids;
  for (const auto& c : again) {
    if (c.op == FERRY_OP_INSERT) again_ids.push_back(*c.after[0]);
  }
  EXPECT_EQ(again_ids, (std::vector<std::string>{"2", "3"}));
}

TEST_F(MysqlSourceTest, ResumeByGtidDeliversTheSameTransactions) {
  admin->exec("CREATE TABLE g (id INT PRIMARY KEY)");
  auto src = source();
  src->source().discover(only_this_db());
  const Position from = current_position(*admin);
  admin->exec("INSERT INTO g VALUES (1)");
  admin->exec("INSERT INTO g VALUES (2)");
  Bytes after_first;
  {
    auto stream = src->source().open_changes(from);
    const auto cs = read_changes(stream, [](const std::vector<Change>& c) {
      return MysqlSourceTest::count_ops(c, FERRY_OP_COMMIT) == 1;
    });
    after_first = cs.back().position;
  }
  BinlogPosition p = decode(after_first);
  ASSERT_FALSE(p.gtid.empty());
  p.file.clear();  // only the GTID
  auto by_gtid = source({{"resume_by", "gtid"}});
  by_gtid->source().discover(only_this_db());
  auto stream = by_gtid->source().open_changes(Position{p.encode(), ""});
  const auto cs = read_changes(stream, [](const std::vector<Change>& c) {
    return MysqlSourceTest::count_ops(c, FERRY_OP_INSERT) == 1;
  });
  EXPECT_EQ(cs.back().after.at(0), "2");
}

TEST_F(MysqlSourceTest, ReconnectInsideATransactionDeliversEveryRowOnce) {
  admin->exec("CREATE TABLE big (id INT PRIMARY KEY, pad VARCHAR(100))");
  auto src = source({{"change_batch_rows", int64_t{100}}});
  src->source().discover(only_this_db());
  const Position from = current_position(*admin);
  admin->exec("INSERT INTO big SELECT seq, REPEAT('x', 100) FROM seq_1_to_20000");
  admin->exec("INSERT INTO big VALUES (-1, 'end')");
  auto stream = src->source().open_changes(from);
  std::vector<Change> changes;
  bool killed = false;
  for (;;) {
    OwnedBatch b = stream.next();
    ASSERT_FALSE(b.is_end());
    for (auto& c : changes_of(b.get())) changes.push_back(std::move(c));
    if (!killed && count_ops(changes, FERRY_OP_INSERT) >= 500) {
      kill_dump_threads(*admin);  // mid-transaction
      killed = true;
    }
    if (!changes.empty() && changes.back().op == FERRY_OP_COMMIT &&
        count_ops(changes, FERRY_OP_INSERT) == 20001) {
      break;
    }
    ASSERT_LE(count_ops(changes, FERRY_OP_INSERT), 20001u) << "rows delivered twice";
  }
  std::set<std::string> ids;
  for (const auto& c : changes) {
    if (c.op == FERRY_OP_INSERT) {
      EXPECT_TRUE(ids.insert(*c.after[0]).second) << *c.after[0];
    }
  }
  EXPECT_EQ(ids.size(), 20001u);
  EXPECT_EQ(count_ops(changes, FERRY_OP_BEGIN), count_ops(changes, FERRY_OP_COMMIT));
  bool logged = false;
  for (const auto& [level, line] : host.logs())
    logged |= line.find("reconnecting") != std::string::npos;
  EXPECT_TRUE(logged) << "the kill did not reach the stream";
}

// A position inside a transaction resumes after the records it covers, even when the stream
// loses its connection while it is still skipping them.
TEST_F(MysqlSourceTest, ResumeInsideATransactionSkipsWhatWasDelivered) {
  admin->exec("CREATE TABLE t (id INT PRIMARY KEY)");
  auto src = source({{"change_batch_rows", int64_t{10}}});
  src->source().discover(only_this_db());
  const Position from = current_position(*admin);
  admin->exec("INSERT INTO t SELECT seq FROM seq_1_to_100");
  Bytes mid;
  {
    auto stream = src->source().open_changes(from);
    const auto cs = read_changes(stream, [](const std::vector<Change>& c) {
      return MysqlSourceTest::count_ops(c, FERRY_OP_INSERT) == 30;
    });
    mid = cs.back().position;  // after BEGIN + 30 rows
  }
  EXPECT_EQ(decode(mid).index, 31u);
  auto again = source({{"change_batch_rows", int64_t{10}}});
  again->source().discover(only_this_db());
  auto stream = again->source().open_changes(Position{mid, ""});
  kill_dump_threads(*admin);  // before the stream has skipped anything
  const auto cs = read_changes(stream, [](const std::vector<Change>& c) {
    return !c.empty() && c.back().op == FERRY_OP_COMMIT;
  });
  std::vector<std::string> ids;
  for (const auto& c : cs) {
    if (c.op == FERRY_OP_INSERT) ids.push_back(*c.after[0]);
    EXPECT_NE(c.op, FERRY_OP_BEGIN) << "the BEGIN was delivered before";
  }
  ASSERT_EQ(ids.size(), 70u);
  EXPECT_EQ(ids.front(), "31");
  EXPECT_EQ(ids.back(), "100");
}

TEST_F(MysqlSourceTest, TruncateWithoutTheTableKeywordNamesItsTable) {
  admin->exec("CREATE TABLE tt (id INT PRIMARY KEY)");
  auto src = source();
  src->source().discover(only_this_db());
  const Position from = current_position(*admin);
  admin->exec("INSERT INTO tt VALUES (1)");
  admin->exec("TRUNCATE tt");
  auto stream = src->source().open_changes(from);
  const auto cs = read_changes(stream, [](const std::vector<Change>& c) {
    return MysqlSourceTest::count_ops(c, FERRY_OP_TRUNCATE) == 1;
  });
  EXPECT_EQ(cs.back().table, db + ".tt");
}

TEST_F(MysqlSourceTest, XaTransactionsAreRefusedNotGuessed) {
  admin->exec("CREATE TABLE x (id INT PRIMARY KEY)");
  auto src = source();
  src->source().discover(only_this_db());
  const Position from = current_position(*admin);
  admin->exec("XA START 'ferry-test'");
  admin->exec("INSERT INTO x VALUES (5)");
  admin->exec("XA END 'ferry-test'");
  admin->exec("XA PREPARE 'ferry-test'");
  admin->exec("XA ROLLBACK 'ferry-test'");
  auto stream = src->source().open_changes(from);
  try {
    for (int i = 0; i < 100; ++i) {
      for (const auto& c : changes_of(stream.next().get())) {
        ASSERT_NE(c.op, FERRY_OP_COMMIT) << "a rolled-back XA transaction was delivered";
      }
    }
    FAIL() << "an XA transaction went unnoticed";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_NOT_SUPPORTED) << e.what();
    EXPECT_NE(std::string(e.what()).find("XA"), std::string::npos) << e.what();
  }
}

TEST_F(MysqlSourceTest, PurgedBinlogIsAClearDataLossError) {
  admin->exec("CREATE TABLE p (id INT PRIMARY KEY)");
  const Position old = current_position(*admin);
  admin->exec("INSERT INTO p VALUES (1)");
  // MariaDB keeps a just-rotated binlog until its InnoDB checkpoint: purge until it is gone.
  const std::string old_file = decode(old.bytes).file;
  bool purged = false;
  for (int i = 0; i < 100 && !purged; ++i) {
    admin->exec("FLUSH BINARY LOGS");
    const std::string current = *admin->query("SHOW MASTER STATUS").rows.at(0)[0];
    admin->exec("PURGE BINARY LOGS TO '" + current + "'");
    purged = *admin->query("SHOW BINARY LOGS").rows.at(0)[0] != old_file;
    if (!purged) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(purged) << "the server kept " << old_file;
  auto src = source();
  try {
    auto stream = src->source().open_changes(old);
    OwnedBatch b = stream.next();
    std::string got;
    if (!b.is_end()) {
      for (const auto& c : changes_of(b.get())) got += std::to_string(c.op) + " ";
    }
    FAIL() << "reading from a purged binlog did not fail; got records: " << got;
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_DATA_LOSS) << e.what();
    EXPECT_NE(std::string(e.what()).find("no longer on the server"), std::string::npos) << e.what();
  }
}

TEST_F(MysqlSourceTest, PartialRowImageStopsTheStream) {
  admin->exec("CREATE TABLE m (id INT PRIMARY KEY, a INT, b INT)");
  admin->exec("INSERT INTO m VALUES (1, 1, 1)");
  auto src = source();
  src->source().discover(only_this_db());
  const Position from = current_position(*admin);
  admin->exec("SET SESSION binlog_row_image = 'MINIMAL'");
  admin->exec("UPDATE m SET a = 2 WHERE id = 1");
  admin->exec("SET SESSION binlog_row_image = 'FULL'");
  auto stream = src->source().open_changes(from);
  try {
    for (int i = 0; i < 100; ++i) stream.next();
    FAIL() << "a partial row image was not refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_DATA_LOSS);
    EXPECT_NE(std::string(e.what()).find("binlog_row_image"), std::string::npos) << e.what();
  }
}

// Rows before and after an ALTER, read by a stream that was open before both: the schema
// history follows the DDL event, so each row decodes with the columns it was written with.
TEST_F(MysqlSourceTest, SchemaHistoryFollowsDdlEvents) {
  admin->exec("CREATE TABLE a (id INT PRIMARY KEY, x INT)");
  auto src = source();
  src->source().discover(only_this_db());
  auto stream = src->source().open_changes(current_position(*admin));
  admin->exec("INSERT INTO a VALUES (1, 10)");
  admin->exec("ALTER TABLE a ADD COLUMN y VARCHAR(10) DEFAULT 'new'");
  admin->exec("INSERT INTO a VALUES (2, 20, 'two')");
  const auto cs = read_changes(stream, [](const std::vector<Change>& c) {
    return MysqlSourceTest::count_ops(c, FERRY_OP_INSERT) == 2;
  });
  std::vector<Row> rows;
  std::string ddl;
  for (const auto& c : cs) {
    if (c.op == FERRY_OP_INSERT) rows.push_back(c.after);
    if (c.op == FERRY_OP_DDL) ddl = *c.after.at(0);
  }
  EXPECT_NE(ddl.find("ADD COLUMN y"), std::string::npos);
  EXPECT_EQ(rows.at(0), (Row{"1", "10"}));
  EXPECT_EQ(rows.at(1), (Row{"2", "20", "two"}));
}

// A stream opened after the ALTER meets rows written before it. With binlog_row_metadata=FULL
// they decode exactly from the event's own metadata; without it ferry cannot know the old
// columns and says so instead of guessing.
TEST_F(MysqlSourceTest, RowsOlderThanTheKnownSchemaNeedFullMetadata) {
  const std::string saved = admin->scalar("SELECT @@GLOBAL.binlog_row_metadata");
  admin->exec("CREATE TABLE a (id INT PRIMARY KEY, x INT UNSIGNED, e ENUM('p','q'))");
  const Position from = current_position(*admin);
  admin->exec("SET GLOBAL binlog_row_metadata = 'FULL'");
  admin->exec("INSERT INTO a VALUES (1, 4294967295, 'q')");  // FULL metadata
  admin->exec("SET GLOBAL binlog_row_metadata = 'NO_LOG'");
  admin->exec("INSERT INTO a VALUES (2, 7, 'p')");  // no metadata
  admin->exec("ALTER TABLE a DROP COLUMN e");
  admin->exec("SET GLOBAL binlog_row_metadata = '" + saved + "'");

  auto src = source();
  src->source().discover(only_this_db());
  auto stream = src->source().open_changes(from);
  std::vector<Change> seen;
  try {
    for (int i = 0; i < 1000; ++i) {
      OwnedBatch b = stream.next();
      for (auto& c : changes_of(b.get())) seen.push_back(std::move(c));
    }
    FAIL() << "a row written with other columns than the known schema was decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_DATA_LOSS);
    EXPECT_NE(std::string(e.what()).find("binlog_row_metadata"), std::string::npos) << e.what();
  }
  std::vector<Row> rows;
  for (const auto& c : seen) {
    if (c.op == FERRY_OP_INSERT) rows.push_back(c.after);
  }
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (Row{"1", "4294967295", "q"}));
}

TEST_F(MysqlSourceTest, LargeTransactionStreamsWithBoundedMemory) {
  admin->exec("CREATE TABLE huge (id INT PRIMARY KEY, a BIGINT, b VARCHAR(40))");
  auto src = source({{"change_batch_rows", int64_t{1000}}});
  src->source().discover(only_this_db());
  const Position from = current_position(*admin);
  admin->exec(
      "INSERT INTO huge SELECT seq, seq * 3, CONCAT('row number ', seq) FROM "
      "seq_1_to_1000000");
  auto stream = src->source().open_changes(from);
  const size_t rss_before = rss_kib();
  size_t peak = rss_before, inserts = 0, batches = 0, max_records = 0;
  bool committed = false;
  while (!committed) {
    OwnedBatch b = stream.next();
    ASSERT_FALSE(b.is_end());
    ++batches;
    const BatchView v(b.get());
    max_records = std::max<size_t>(max_records, v.record_count());
    for (uint64_t r = 0; r < v.record_count(); ++r) {
      inserts += v.op(r) == FERRY_OP_INSERT;
      committed |= v.op(r) == FERRY_OP_COMMIT && inserts > 0;
    }
    peak = std::max(peak, rss_kib());
  }
  EXPECT_EQ(inserts, 1000000u);
  EXPECT_GE(batches, 500u) << "the transaction was not delivered across batches";
  // A batch closes once it holds change_batch_rows rows, after the binlog event in progress
  // (binlog_row_event_max_size, 8 KiB by default: a few hundred small rows at most).
  EXPECT_LE(max_records, 2000u);
  // One transaction of ~60 MB of row data: the reader holds one batch, not the transaction.
  EXPECT_LT(peak - rss_before, 48u * 1024) << "RSS grew by " << (peak - rss_before) << " KiB";
}

TEST_F(MysqlSourceTest, ServerIdConflictIsNamed) {
  admin->exec("CREATE TABLE s (id INT PRIMARY KEY)");
  auto a = source({{"server_id", int64_t{771001}}, {"reconnect_attempts", int64_t{0}}});
  auto b = source({{"server_id", int64_t{771001}}, {"reconnect_attempts", int64_t{0}}});
  const Position from = current_position(*admin);
  auto first = a->source().open_changes(from);
  auto second = b->source().open_changes(from);
  admin->exec("INSERT INTO s VALUES (1)");
  try {
    for (int i = 0; i < 1000; ++i) first.next();
    FAIL() << "two readers with one server_id went unnoticed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("server_id"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ferry::testing
