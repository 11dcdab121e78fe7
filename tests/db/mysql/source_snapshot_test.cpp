// The MySQL source against the test bed's MariaDB: catalog, splits, snapshot reads, precheck.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "source_fixture.hpp"
#include "type_matrix.hpp"

namespace ferry::testing {
namespace {

const Table* find_table(const Catalog& c, const std::string& name) {
  for (const auto& t : c.tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const Column* find_column(const Table& t, const std::string& name) {
  for (const auto& c : t.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

TEST_F(MysqlSourceTest, CatalogDescribesTablesKeysConstraintsAndViews) {
  admin->exec(
      "CREATE TABLE parent (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, code CHAR(4) NOT NULL, "
      "UNIQUE KEY uk_code (code)) COMMENT 'the parents'");
  admin->exec(
      "CREATE TABLE child (id INT NOT NULL, seq SMALLINT NOT NULL, parent_id BIGINT UNSIGNED, "
      "price DECIMAL(12,3) NOT NULL DEFAULT 0.000 COMMENT 'in EUR', name VARCHAR(40) CHARACTER "
      "SET latin1 COLLATE latin1_swedish_ci DEFAULT 'n/a', doc JSON, kind ENUM('a','it''s','c'), "
      "flags SET('x','y'), total DECIMAL(13,3) AS (price * 2) VIRTUAL, created DATETIME(3) "
      "DEFAULT CURRENT_TIMESTAMP(3), PRIMARY KEY (id, seq), KEY ix_name (name(10)), "
      "CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE, "
      "CONSTRAINT ck_price CHECK (price >= 0))");
  admin->exec("CREATE TABLE nokey (a INT, b TEXT)");
  admin->exec("CREATE VIEW v_child AS SELECT id, name FROM child");
  admin->exec("CREATE TEMPORARY TABLE temp_one (a INT)");

  auto src = source();
  const Catalog cat = src->source().discover(only_this_db());
  ASSERT_EQ(cat.schemas, std::vector<std::string>{db});
  ASSERT_EQ(cat.tables.size(), 3u);  // no temporary table
  const Table* parent = find_table(cat, "parent");
  const Table* child = find_table(cat, "child");
  const Table* nokey = find_table(cat, "nokey");
  ASSERT_TRUE(parent && child && nokey);
  EXPECT_EQ(parent->comment, "the parents");
  EXPECT_TRUE(nokey->flags & FERRY_TABLE_NO_PRIMARY_KEY);
  EXPECT_FALSE(child->flags & FERRY_TABLE_NO_PRIMARY_KEY);

  const Column* pid = find_column(*parent, "id");
  ASSERT_TRUE(pid);
  EXPECT_EQ(pid->type, FERRY_TYPE_INT64);
  EXPECT_TRUE(pid->flags & FERRY_COLUMN_UNSIGNED);
  EXPECT_TRUE(pid->flags & FERRY_COLUMN_AUTO_INCREMENT);
  EXPECT_TRUE(pid->flags & FERRY_COLUMN_IN_PRIMARY_KEY);
  EXPECT_FALSE(pid->flags & FERRY_COLUMN_NULLABLE);

  const Column* price = find_column(*child, "price");
  ASSERT_TRUE(price);
  EXPECT_EQ(price->type, FERRY_TYPE_DECIMAL);
  EXPECT_EQ(price->precision, 12);
  EXPECT_EQ(price->scale, 3);
  EXPECT_EQ(price->default_expr.value_or("?"), "0.000");
  EXPECT_EQ(price->comment.value_or(""), "in EUR");
  const Column* name = find_column(*child, "name");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->type, FERRY_TYPE_VARCHAR);
  EXPECT_EQ(name->length, 40);
  EXPECT_EQ(name->charset.value_or(""), "latin1");
  EXPECT_EQ(name->collation.value_or(""), "latin1_swedish_ci");
  EXPECT_EQ(name->default_expr.value_or(""), "'n/a'");
  EXPECT_TRUE(name->flags & FERRY_COLUMN_NULLABLE);
  EXPECT_EQ(find_column(*child, "doc")->type, FERRY_TYPE_JSON);
  const Column* kind = find_column(*child, "kind");
  EXPECT_EQ(kind->type, FERRY_TYPE_ENUM);
  EXPECT_EQ(kind->labels, (std::vector<std::string>{"a", "it's", "c"}));
  EXPECT_EQ(find_column(*child, "flags")->labels, (std::vector<std::string>{"x", "y"}));
  const Column* total = find_column(*child, "total");
  EXPECT_TRUE(total->flags & FERRY_COLUMN_GENERATED_VIRTUAL);
  EXPECT_NE(total->generated_expr.value_or("").find("price"), std::string::npos);
  const Column* created = find_column(*child, "created");
  EXPECT_EQ(created->type, FERRY_TYPE_TIMESTAMP);
  EXPECT_EQ(created->scale, 3);
  EXPECT_EQ(created->default_expr.value_or(""), "current_timestamp(3)");

  // Keys and indexes.
  ASSERT_FALSE(child->indexes.empty());
  EXPECT_EQ(child->indexes[0].kind, FERRY_INDEX_PRIMARY);
  EXPECT_EQ(child->indexes[0].columns, (std::vector<std::string>{"id", "seq"}));
  bool saw_prefix = false;
  for (const auto& x : child->indexes) {
    if (x.name == "ix_name") {
      saw_prefix = true;
      EXPECT_EQ(x.kind, FERRY_INDEX_PLAIN);
      EXPECT_EQ(x.definition, "KEY `ix_name` (`name`(10))");
    }
  }
  EXPECT_TRUE(saw_prefix);
  bool saw_unique = false;
  for (const auto& x : parent->indexes)
    saw_unique |= x.kind == FERRY_INDEX_UNIQUE && x.name == "uk_code";
  EXPECT_TRUE(saw_unique);
  ASSERT_EQ(child->foreign_keys.size(), 1u);
  const auto& fk = child->foreign_keys[0];
  EXPECT_EQ(fk.name, "fk_parent");
  EXPECT_EQ(fk.columns, std::vector<std::string>{"parent_id"});
  EXPECT_EQ(fk.ref_schema, db);
  EXPECT_EQ(fk.ref_table, "parent");
  EXPECT_EQ(fk.ref_columns, std::vector<std::string>{"id"});
  EXPECT_EQ(fk.on_delete, "CASCADE");
  // The check on price is reported; the JSON column's implicit json_valid check is not.
  ASSERT_EQ(child->checks.size(), 1u);
  EXPECT_EQ(child->checks[0].name, "ck_price");
  EXPECT_NE(child->checks[0].expression.find("price"), std::string::npos);

  ASSERT_EQ(cat.views.size(), 1u);
  EXPECT_EQ(cat.views[0].name, "v_child");
  EXPECT_NE(cat.views[0].definition.find("select"), std::string::npos);
}

// identity_next (ABI 1.2) is the table's AUTO_INCREMENT counter as of discover(): past the rows
// inserted, past an explicit higher id, at the table option of an empty table. MySQL has no
// sequence objects: identity_sequence stays empty.
TEST_F(MysqlSourceTest, CatalogReportsTheNextAutoIncrementValue) {
  admin->exec("CREATE TABLE counted (id INT AUTO_INCREMENT PRIMARY KEY, v INT)");
  admin->exec("INSERT INTO counted (v) VALUES (1), (2), (3)");
  admin->exec("CREATE TABLE jumped (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, v INT)");
  admin->exec("INSERT INTO jumped (v) VALUES (1), (2)");
  admin->exec("INSERT INTO jumped (id, v) VALUES (500, 3)");
  admin->exec(
      "CREATE TABLE fresh (k INT NOT NULL, id INT NOT NULL AUTO_INCREMENT, "
      "PRIMARY KEY (k), UNIQUE KEY (id)) AUTO_INCREMENT = 1000");
  admin->exec("CREATE TABLE plain (id INT PRIMARY KEY)");

  auto src = source();
  Catalog cat = src->source().discover(only_this_db());
  auto column = [&](const std::string& table, const std::string& name) -> const Column& {
    const Table* t = find_table(cat, table);
    EXPECT_TRUE(t) << table;
    const Column* c = t ? find_column(*t, name) : nullptr;
    EXPECT_TRUE(c) << table << "." << name;
    static const Column none;
    return c ? *c : none;
  };
  EXPECT_TRUE(column("counted", "id").flags & FERRY_COLUMN_AUTO_INCREMENT);
  EXPECT_EQ(column("counted", "id").identity_next, 4);
  EXPECT_FALSE(column("counted", "id").identity_sequence.has_value());
  EXPECT_EQ(column("counted", "v").identity_next, -1);
  EXPECT_EQ(column("jumped", "id").identity_next, 501);
  EXPECT_FALSE(column("fresh", "k").flags & FERRY_COLUMN_AUTO_INCREMENT);
  EXPECT_EQ(column("fresh", "k").identity_next, -1);
  EXPECT_TRUE(column("fresh", "id").flags & FERRY_COLUMN_AUTO_INCREMENT);
  EXPECT_EQ(column("fresh", "id").identity_next, 1000);
  EXPECT_EQ(column("plain", "id").identity_next, -1);

  // As of each discover(): the counter moves with the rows.
  admin->exec("INSERT INTO counted (v) VALUES (4)");
  admin->exec("INSERT INTO fresh (k) VALUES (1)");
  cat = src->source().discover(only_this_db());
  EXPECT_EQ(column("counted", "id").identity_next, 5);
  EXPECT_EQ(column("fresh", "id").identity_next, 1001);
}

// ON UPDATE CURRENT_TIMESTAMP[(n)] (ABI 1.3, FERRY_COLUMN_ON_UPDATE_NOW), read from EXTRA, on
// TIMESTAMP and DATETIME columns, with and without a fraction; a plain default is not one.
TEST_F(MysqlSourceTest, CatalogReportsOnUpdateCurrentTimestamp) {
  admin->exec(
      "CREATE TABLE stamped (id INT PRIMARY KEY, "
      "changed DATETIME(3) NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), "
      "touched TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, "
      "bare DATETIME NULL ON UPDATE CURRENT_TIMESTAMP, "
      "created DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))");
  auto src = source();
  const Catalog cat = src->source().discover(only_this_db());
  const Table* t = find_table(cat, "stamped");
  ASSERT_TRUE(t);
  for (const char* c : {"changed", "touched", "bare"}) {
    ASSERT_TRUE(find_column(*t, c)) << c;
    EXPECT_TRUE(find_column(*t, c)->flags & FERRY_COLUMN_ON_UPDATE_NOW) << c;
  }
  EXPECT_EQ(find_column(*t, "changed")->scale, 3);
  EXPECT_FALSE(find_column(*t, "bare")->default_expr.has_value());
  EXPECT_FALSE(find_column(*t, "created")->flags & FERRY_COLUMN_ON_UPDATE_NOW);
  EXPECT_FALSE(find_column(*t, "id")->flags & FERRY_COLUMN_ON_UPDATE_NOW);
}

TEST_F(MysqlSourceTest, SelectionIncludesAndExcludesByWildcard) {
  admin->exec("CREATE TABLE orders (id INT PRIMARY KEY)");
  admin->exec("CREATE TABLE tmp_orders (id INT PRIMARY KEY)");
  admin->exec("CREATE TABLE items (id INT PRIMARY KEY)");
  auto src = source();
  const Catalog cat = src->source().discover(R"({"include":[")" + db + R"(.*"],"exclude":[")" + db +
                                             R"(.tmp_*"]})");
  std::set<std::string> names;
  for (const auto& t : cat.tables) names.insert(t.name);
  EXPECT_EQ(names, (std::set<std::string>{"items", "orders"}));
  EXPECT_THROW(src->source().discover(R"({"include":"x","bogus":1})"), Error);
}

TEST_F(MysqlSourceTest, TypeMatrixSnapshotReproducesEveryValueExactly) {
  create_type_matrix(*admin);
  auto src = source();
  const Catalog cat = src->source().discover(only_this_db());
  const Table* t = find_table(cat, "types");
  ASSERT_TRUE(t);
  TableRefHolder ref(schema_of(*t));
  const auto splits = src->source().plan_splits(*ref.ref(), 1000);
  ASSERT_EQ(splits.size(), 1u);
  auto rows = read_all(src->source().open_snapshot(splits[0], 2));
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return std::stoi(*a[0]) < std::stoi(*b[0]); });
  const auto expected = type_matrix_expected();
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r].size(), expected[r].size());
    for (size_t c = 0; c < rows[r].size(); ++c) {
      EXPECT_EQ(rows[r][c], expected[r][c]) << "row " << r << " column " << t->columns[c].name
                                            << " (" << t->columns[c].native_type << ")";
    }
  }
}

// Every split of `table` read once: each key exactly once, nothing missing.
std::multiset<std::string> read_by_splits(TestInstance& src, const std::string& db,
                                          const std::string& table, uint64_t target,
                                          size_t* split_count = nullptr) {
  const Catalog cat = src.source().discover(R"({"include":[")" + db + "." + table + R"("]})");
  const TableRefHolder ref(schema_of(cat.tables.at(0)));
  const auto splits = src.source().plan_splits(*ref.ref(), target);
  if (split_count) *split_count = splits.size();
  std::multiset<std::string> keys;
  for (const auto& s : splits) {
    for (const auto& row : read_all(src.source().open_snapshot(s, 333))) {
      keys.insert(row[0].value_or("NULL") + "|" + row[1].value_or("NULL"));
    }
  }
  return keys;
}

TEST_F(MysqlSourceTest, SplitsCoverEveryRowOnceForEveryKindOfKey) {
  admin->exec("CREATE TABLE dense (id INT PRIMARY KEY, v INT)");
  admin->exec("INSERT INTO dense SELECT seq, seq FROM seq_1_to_10000");
  admin->exec("CREATE TABLE sparse (id BIGINT PRIMARY KEY, v INT)");
  admin->exec(
      "INSERT INTO sparse SELECT CAST(seq AS SIGNED) * 7919 - 3000000, seq FROM seq_1_to_5000");
  admin->exec("CREATE TABLE composite (a INT, b VARCHAR(10), PRIMARY KEY (a, b))");
  admin->exec("INSERT INTO composite SELECT seq % 7, CONCAT('k', seq) FROM seq_1_to_4000");
  admin->exec("CREATE TABLE strkey (k VARCHAR(20) PRIMARY KEY, v INT)");
  admin->exec(
      "INSERT INTO strkey SELECT CONCAT('key-', LPAD(seq, 6, '0'), IF(seq % 3, 'é', "
      "'Z')), seq FROM seq_1_to_3000");
  admin->exec("CREATE TABLE uniq (u INT NOT NULL, v INT, UNIQUE KEY (u))");
  admin->exec("INSERT INTO uniq SELECT seq * 2, seq FROM seq_1_to_3000");
  admin->exec("CREATE TABLE heap (a INT, b INT)");
  admin->exec("INSERT INTO heap SELECT seq, seq FROM seq_1_to_2500");
  admin->exec("ANALYZE TABLE dense, sparse, composite, strkey, uniq, heap");

  auto src = source();
  struct Case {
    std::string table;
    size_t rows;
  };
  for (const Case& c : {Case{"dense", 10000}, Case{"sparse", 5000}, Case{"composite", 4000},
                        Case{"strkey", 3000}, Case{"uniq", 3000}}) {
    size_t n = 0;
    const auto keys = read_by_splits(*src, db, c.table, 700, &n);
    EXPECT_EQ(keys.size(), c.rows) << c.table;
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), c.rows)
        << c.table << ": a row was read twice";
    EXPECT_GE(n, c.rows / 700) << c.table << " was not split";
  }
  // The unique NOT NULL key is the split key; a table without one is one split, flagged.
  const Catalog cat = src->source().discover(only_this_db());
  const TableRefHolder uniq(schema_of(*find_table(cat, "uniq")));
  EXPECT_EQ(src->source().plan_splits(*uniq.ref(), 700).at(0).key_columns,
            std::vector<std::string>{"u"});
  const Table* heap = find_table(cat, "heap");
  EXPECT_TRUE(heap->flags & FERRY_TABLE_NO_PRIMARY_KEY);
  const TableRefHolder heap_ref(schema_of(*heap));
  const auto heap_splits = src->source().plan_splits(*heap_ref.ref(), 700);
  ASSERT_EQ(heap_splits.size(), 1u);
  EXPECT_TRUE(heap_splits[0].key_columns.empty());
  EXPECT_EQ(read_all(src->source().open_snapshot(heap_splits[0], 1000)).size(), 2500u);
}

TEST_F(MysqlSourceTest, SplitKeyRangesAreCanonicalAndReadableByVerification) {
  admin->exec("CREATE TABLE ev (at DATETIME(6) NOT NULL, n INT NOT NULL, PRIMARY KEY (at, n))");
  admin->exec(
      "INSERT INTO ev SELECT '2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL "
      "(seq % 10) * 100000 MICROSECOND, seq % 3 FROM seq_1_to_3000");
  admin->exec("ANALYZE TABLE ev");
  auto src = source();
  const Catalog cat = src->source().discover(only_this_db());
  const TableRefHolder ref(schema_of(*find_table(cat, "ev")));
  const auto splits = src->source().plan_splits(*ref.ref(), 500);
  ASSERT_GT(splits.size(), 3u);
  ASSERT_TRUE(splits[1].lower.has_value());
  // Canonical: 'T' separator, trimmed fraction.
  EXPECT_NE(splits[1].lower->at(0).find('T'), std::string::npos) << splits[1].lower->at(0);
  uint64_t total = 0;
  for (const auto& s : splits) {
    const auto snapshot_rows = read_all(src->source().open_snapshot(s, 1000)).size();
    const auto range_rows = read_all(src->source().read_range(s, 1000)).size();
    EXPECT_EQ(snapshot_rows, range_rows) << s.display;
    const Checksum ck = src->source().checksum(s, R"({"algorithm":"md5-sum64-v1"})");
    EXPECT_EQ(ck.row_count, snapshot_rows) << s.display;
    total += ck.row_count;
  }
  EXPECT_EQ(total, 3000u);
}

TEST_F(MysqlSourceTest, ReadRangeIsInKeyOrderAndChecksumSeesSwappedValues) {
  admin->exec("CREATE TABLE p (id INT PRIMARY KEY, a VARCHAR(10), b VARCHAR(10))");
  admin->exec("INSERT INTO p VALUES (3,'x','y'),(1,'a','b'),(2,'c','d')");
  auto src = source();
  Split whole;
  whole.schema = db;
  whole.table = "p";
  whole.key_columns = {"id"};
  const auto rows = read_all(src->source().read_range(whole, 10));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0], "1");
  EXPECT_EQ(rows[2][0], "3");
  const Checksum before = src->source().checksum(whole, "{}");
  // Swap values between two rows: XOR-of-CRC schemes miss this; a sum of row hashes does not.
  admin->exec("UPDATE p SET a = IF(id = 1, 'c', 'a') WHERE id IN (1, 2)");
  const Checksum after = src->source().checksum(whole, "{}");
  EXPECT_EQ(before.row_count, after.row_count);
  EXPECT_NE(before.digest, after.digest);
  admin->exec("UPDATE p SET a = IF(id = 1, 'a', 'c') WHERE id IN (1, 2)");
  EXPECT_EQ(src->source().checksum(whole, "{}").digest, before.digest);
  // NULL is not ''.
  admin->exec("UPDATE p SET b = NULL WHERE id = 3");
  const Checksum with_null = src->source().checksum(whole, "{}");
  admin->exec("UPDATE p SET b = '' WHERE id = 3");
  EXPECT_NE(with_null.digest, src->source().checksum(whole, "{}").digest);
}

TEST_F(MysqlSourceTest, PrecheckReportsTheServerSetup) {
  auto src = source();
  const auto report = nlohmann::json::parse(src->source().precheck());
  std::map<std::string, std::string> status;
  for (const auto& item : report) status[item["item"]] = item["status"];
  EXPECT_EQ(status["connect"], "passed");
  EXPECT_EQ(status["log_bin"], "passed");
  EXPECT_EQ(status["binlog_format"], "passed");
  EXPECT_EQ(status["binlog_row_image"], "passed");
  EXPECT_EQ(status["server_id"], "passed");
  EXPECT_TRUE(status.count("binlog_row_metadata"));
}

TEST_F(MysqlSourceTest, WrongPasswordIsAClearErrorWithoutThePassword) {
  const std::string wrong = "not-the-password-" + std::to_string(::getpid());
  try {
    auto src = source({{"password", SecretValue{wrong}}});
    src->source().discover(only_this_db());
    FAIL() << "connecting with a wrong password succeeded";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("Access denied"), std::string::npos) << msg;
    EXPECT_NE(msg.find("password_env"), std::string::npos) << msg;
    EXPECT_EQ(msg.find(wrong), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace ferry::testing
