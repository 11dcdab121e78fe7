// The mysql destination against the test bed's MariaDB, through the plugin's C entry point:
// bulk_write of every type MySQL holds (LOAD DATA and the INSERT fallback, read back exactly),
// apply_changes transactions and checkpoints, idempotent replay, divergence errors, DDL,
// precheck and connection errors. Each test works in its own database ferry_dst_<test>.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <ferry/sdk.hpp>
#include <ferry/testing/fake_host.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "db/mysql/destination_support.hpp"
#include "support/mysql_session.hpp"
#include "support/testbed.hpp"

namespace ferry::testing {
namespace {

using dst::Changes;
using dst::col;
using dst::Image;
using dst::key;
using dst::V;

using Cells = std::vector<std::optional<std::string>>;

class MysqlDestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    FERRY_REQUIRE_MYSQL(dsn_text);
    dsn_ = parse_mysql_dsn(dsn_text);
    for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
    db_ = ("ferry_dst_" + name).substr(0, 64);
    admin_ = std::make_unique<MysqlSession>(dsn_);
    admin_->exec("DROP DATABASE IF EXISTS `" + db_ + "`");
    admin_->exec("CREATE DATABASE `" + db_ + "` DEFAULT CHARACTER SET utf8mb4");
  }

  ConfigMap config(bool local_infile = true) const {
    return {{"host", dsn_.host},
            {"port", int64_t{dsn_.port}},
            {"user", dsn_.user},
            {"password", SecretValue{dsn_.password}},
            {"database", db_},
            {"checkpoint_table", db_ + ".apply_checkpoint"},
            {"local_infile", local_infile}};
  }

  std::unique_ptr<TestInstance> destination(bool local_infile = true) {
    return host_.create(ferry_plugin_entry_v1(), FERRY_KIND_DESTINATION, "mysql",
                        config(local_infile));
  }
  std::unique_ptr<TestInstance> destination(const ConfigMap& cfg) {
    return host_.create(ferry_plugin_entry_v1(), FERRY_KIND_DESTINATION, "mysql", cfg);
  }

  void exec(const std::string& sql) { admin_->exec(sql); }
  std::vector<Cells> rows(const std::string& sql) { return admin_->query(sql).rows; }
  std::string scalar(const std::string& sql) { return admin_->scalar(sql); }
  std::string t(const std::string& name) const { return "`" + db_ + "`.`" + name + "`"; }

  // The error a call throws (fails the test when it does not throw).
  template <class F>
  Error error_of(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "expected a ferry::Error";
    return Error(FERRY_OK, "");
  }

  bool logged(const std::string& part) const {
    const auto logs = host_.logs();
    return std::any_of(logs.begin(), logs.end(),
                       [&](const auto& l) { return l.second.find(part) != std::string::npos; });
  }

  MysqlDsn dsn_;
  std::string db_;
  std::unique_ptr<MysqlSession> admin_;
  FakeHost host_;
};

// ---- bulk_write: every type ---------------------------------------------------------------

const char* const kAllTypesDdl =
    " (id INT PRIMARY KEY, b BOOL, i8 TINYINT, u8 TINYINT UNSIGNED, i16 SMALLINT, i24 MEDIUMINT,"
    " i32 INT, i64 BIGINT, u64 BIGINT UNSIGNED, d DECIMAL(65,30), f FLOAT, g DOUBLE,"
    " c CHAR(10), v VARCHAR(100), tx TEXT, bn BINARY(4), vb VARBINARY(20), bl BLOB, dt DATE,"
    " tm TIME(6), ts DATETIME(6), tz TIMESTAMP(6) NULL DEFAULT NULL, y YEAR, bt BIT(64),"
    " b5 BIT(5), e ENUM('small','big'), s SET('a','b','c'), j JSON, u UUID, ip INET6,"
    " geo GEOMETRY, gen INT AS (i32 + 1) VIRTUAL)";

SharedTable all_types_table(const std::string& schema) {
  const uint32_t n = FERRY_COLUMN_NULLABLE;
  return dst::table(schema, "all_types",
                    {key("id"),
                     col("b", FERRY_TYPE_BOOL),
                     col("i8", FERRY_TYPE_INT8),
                     col("u8", FERRY_TYPE_INT8, n | FERRY_COLUMN_UNSIGNED),
                     col("i16", FERRY_TYPE_INT16),
                     col("i24", FERRY_TYPE_INT24),
                     col("i32", FERRY_TYPE_INT32),
                     col("i64", FERRY_TYPE_INT64),
                     col("u64", FERRY_TYPE_INT64, n | FERRY_COLUMN_UNSIGNED),
                     col("d", FERRY_TYPE_DECIMAL),
                     col("f", FERRY_TYPE_FLOAT32),
                     col("g", FERRY_TYPE_FLOAT64),
                     col("c", FERRY_TYPE_CHAR),
                     col("v", FERRY_TYPE_VARCHAR),
                     col("tx", FERRY_TYPE_TEXT),
                     col("bn", FERRY_TYPE_BINARY),
                     col("vb", FERRY_TYPE_VARBINARY),
                     col("bl", FERRY_TYPE_BLOB),
                     col("dt", FERRY_TYPE_DATE),
                     col("tm", FERRY_TYPE_TIME),
                     col("ts", FERRY_TYPE_TIMESTAMP),
                     col("tz", FERRY_TYPE_TIMESTAMPTZ),
                     col("y", FERRY_TYPE_YEAR),
                     col("bt", FERRY_TYPE_BIT),
                     col("b5", FERRY_TYPE_BIT),
                     col("e", FERRY_TYPE_ENUM),
                     col("s", FERRY_TYPE_SET),
                     col("j", FERRY_TYPE_JSON),
                     col("u", FERRY_TYPE_UUID),
                     col("ip", FERRY_TYPE_INET),
                     col("geo", FERRY_TYPE_GEOMETRY),
                     col("gen", FERRY_TYPE_INT32, n | FERRY_COLUMN_GENERATED_VIRTUAL)});
}

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s;
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789ABCDEF";
  std::string s;
  for (unsigned char c : bytes) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

const std::string kMinDecimal =
    "-" + std::string(35, '9') + "." + std::string(30, '9');  // DECIMAL(65,30), negative
const std::string kVarcharMix = "emoji \xF0\x9F\x98\x80 tab\there \"q\" 's' back\\slash \\N";
const std::string kTextMix = std::string("line1\nline2\r\nNUL:") + '\0' + ":end\\";
const std::string kBinary4("\x00\x09\x0A\x5C", 4);
const std::string kVarbinary("\x00\x0A\x09\x5C\xFF\x27\x22", 7);
// POINT(1 2) as WKB (little endian)
const std::string kPointWkb = std::string("\x01\x01\x00\x00\x00", 5) +
                              std::string("\x00\x00\x00\x00\x00\x00\xF0\x3F", 8) +
                              std::string("\x00\x00\x00\x00\x00\x00\x00\x40", 8);

std::vector<Image> all_types_rows() {
  return {
      // extremes
      {"1",
       "1",
       "-128",
       "255",
       "-32768",
       "-8388608",
       "-2147483648",
       "-9223372036854775808",
       "18446744073709551615",
       kMinDecimal,
       "1.5",
       "0.30000000000000004",
       "ab",
       kVarcharMix,
       kTextMix,
       kBinary4,
       kVarbinary,
       all_bytes(),
       "0000-00-00",
       "-838:59:59",
       "0000-00-00T00:00:00",
       "2038-01-19T03:14:07.999999Z",
       "0",
       "18446744073709551615",
       "31",
       "big",
       "a,c",
       R"({"a": [1, 2, {"b": null}]})",
       "123e4567-e89b-12d3-a456-426614174000",
       "2001:db8::1",
       kPointWkb,
       "999"},
      // empty strings and ordinary values
      {"2",
       "0",
       "127",
       "0",
       "32767",
       "8388607",
       "2147483646",
       "9223372036854775807",
       "0",
       "0.000000000000000000000000000001",
       "-0.25",
       "1e+300",
       "",
       "",
       "",
       std::string(4, '\0'),
       "",
       "",
       "2026-01-31",
       "0:00:01.5",
       "2026-01-31T08:30:00.25",
       "2026-01-31T07:30:00Z",
       "2155",
       "0",
       "0",
       "small",
       "",
       "[]",
       "00000000-0000-0000-0000-000000000000",
       "::1",
       kPointWkb,
       std::nullopt},
      // NULL everywhere
      {"3",          std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt},
      // the words NULL and \N as text, 1901
      {"4",
       "1",
       "0",
       "0",
       "0",
       "0",
       "0",
       "0",
       "0",
       "1",
       "0",
       "-0",
       "NULL",
       "\\N",
       "NULL",
       "NULL",
       "\\N",
       "NULL",
       "1000-01-01",
       "838:59:59.999999",
       "9999-12-31T23:59:59.999999",
       "1970-01-01T00:00:01Z",
       "1901",
       "1",
       "1",
       "small",
       "a,b,c",
       "null",
       "ffffffff-ffff-ffff-ffff-ffffffffffff",
       "::ffff:192.0.2.1",
       kPointWkb,
       std::nullopt},
  };
}

std::string select_all_types(const std::string& table) {
  return "SELECT id, b, i8, u8, i16, i24, i32, i64, u64, d, f, g, c, v, tx, HEX(bn), HEX(vb), "
         "HEX(bl), dt, tm, ts, tz, y, CAST(bt AS UNSIGNED), b5 + 0, e, s, j, u, ip, "
         "HEX(ST_AsBinary(geo)), gen FROM " +
         table + " ORDER BY id";
}

std::vector<Cells> expected_all_types() {
  const std::optional<std::string> null;
  const std::string point = hex(kPointWkb);
  return {
      {"1",
       "1",
       "-128",
       "255",
       "-32768",
       "-8388608",
       "-2147483648",
       "-9223372036854775808",
       "18446744073709551615",
       kMinDecimal,
       "1.5",
       "0.30000000000000004",
       "ab",
       kVarcharMix,
       kTextMix,
       "00090A5C",
       "000A095CFF2722",
       hex(all_bytes()),
       "0000-00-00",
       "-838:59:59.000000",
       "0000-00-00 00:00:00.000000",
       "2038-01-19 03:14:07.999999",
       "0000",
       "18446744073709551615",
       "31",
       "big",
       "a,c",
       R"({"a": [1, 2, {"b": null}]})",
       "123e4567-e89b-12d3-a456-426614174000",
       "2001:db8::1",
       point,
       "-2147483647"},
      {"2",
       "0",
       "127",
       "0",
       "32767",
       "8388607",
       "2147483646",
       "9223372036854775807",
       "0",
       "0.000000000000000000000000000001",
       "-0.25",
       "1e300",
       "",
       "",
       "",
       "00000000",
       "",
       "",
       "2026-01-31",
       "00:00:01.500000",
       "2026-01-31 08:30:00.250000",
       "2026-01-31 07:30:00.000000",
       "2155",
       "0",
       "0",
       "small",
       "",
       "[]",
       "00000000-0000-0000-0000-000000000000",
       "::1",
       point,
       "2147483647"},
      {"3",  null, null, null, null, null, null, null, null, null, null,
       null, null, null, null, null, null, null, null, null, null, null,
       null, null, null, null, null, null, null, null, null, null},
      {"4",
       "1",
       "0",
       "0",
       "0",
       "0",
       "0",
       "0",
       "0",
       "1.000000000000000000000000000000",
       "0",
       "0",  // MariaDB stores -0 as 0 (an engine limitation, not a conversion)
       "NULL",
       "\\N",
       "NULL",
       "4E554C4C",
       "5C4E",
       "4E554C4C",
       "1000-01-01",
       "838:59:59.999999",
       "9999-12-31 23:59:59.999999",
       "1970-01-01 00:00:01.000000",
       "1901",
       "1",
       "1",
       "small",
       "a,b,c",
       "null",
       "ffffffff-ffff-ffff-ffff-ffffffffffff",
       "::ffff:192.0.2.1",
       point,
       "1"},
  };
}

class MysqlDestinationBulkTest : public MysqlDestinationTest,
                                 public ::testing::WithParamInterface<bool> {};

TEST_P(MysqlDestinationBulkTest, EveryTypeReadsBackExactly) {
  if (!admin_) return;
  const bool local_infile = GetParam();
  exec("CREATE TABLE " + t("all_types") + kAllTypesDdl);
  const auto table = all_types_table(db_);
  auto dst = destination(local_infile);
  const auto batch = dst::rows(table, all_types_rows());
  dst->destination().bulk_write(*table->ref(), batch.get());

  const auto got = rows(select_all_types(t("all_types")));
  const auto want = expected_all_types();
  ASSERT_EQ(got.size(), want.size());
  const std::vector<std::string> names = {"id",  "b",  "i8", "u8", "i16", "i24", "i32", "i64",
                                          "u64", "d",  "f",  "g",  "c",   "v",   "tx",  "bn",
                                          "vb",  "bl", "dt", "tm", "ts",  "tz",  "y",   "bt",
                                          "b5",  "e",  "s",  "j",  "u",   "ip",  "geo", "gen"};
  for (size_t r = 0; r < want.size(); ++r) {
    ASSERT_EQ(got[r].size(), want[r].size());
    for (size_t c = 0; c < want[r].size(); ++c) {
      EXPECT_EQ(got[r][c], want[r][c]) << "row " << r << " column " << names[c];
    }
  }
  EXPECT_TRUE(logged(local_infile ? "LOAD DATA LOCAL INFILE" : "multi-row INSERT"));
}

TEST_P(MysqlDestinationBulkTest, IdempotentTwiceOverwritesWithoutDuplicates) {
  if (!admin_) return;
  exec("CREATE TABLE " + t("kv") + " (id INT PRIMARY KEY, v VARCHAR(20), n INT)");
  const auto table =
      dst::table(db_, "kv", {key("id"), col("v", FERRY_TYPE_VARCHAR), col("n", FERRY_TYPE_INT32)});
  auto dst = destination(GetParam());
  const auto first = dst::rows(table, {{"1", "a", "10"}, {"2", "b", "20"}, {"3", "c", "30"}});
  dst->destination().bulk_write(*table->ref(), first.get(), FERRY_APPLY_IDEMPOTENT);
  dst->destination().bulk_write(*table->ref(), first.get(), FERRY_APPLY_IDEMPOTENT);
  const auto second =
      dst::rows(table, {{"2", "B", std::nullopt}, {"3", "C", "33"}, {"4", "d", "4"}});
  dst->destination().bulk_write(*table->ref(), second.get(), FERRY_APPLY_IDEMPOTENT);
  EXPECT_EQ(rows("SELECT id, v, n FROM " + t("kv") + " ORDER BY id"),
            (std::vector<Cells>{
                {"1", "a", "10"}, {"2", "B", std::nullopt}, {"3", "C", "33"}, {"4", "d", "4"}}));
}

TEST_P(MysqlDestinationBulkTest, DuplicateKeyWithoutIdempotentFailsAndKeepsNothing) {
  if (!admin_) return;
  exec("CREATE TABLE " + t("kv") + " (id INT PRIMARY KEY, v VARCHAR(20))");
  exec("INSERT INTO " + t("kv") + " VALUES (1, 'old')");
  const auto table = dst::table(db_, "kv", {key("id"), col("v", FERRY_TYPE_VARCHAR)});
  auto dst = destination(GetParam());
  const auto batch = dst::rows(table, {{"10", "x"}, {"1", "dup"}, {"11", "y"}});
  const Error e = error_of([&] { dst->destination().bulk_write(*table->ref(), batch.get()); });
  EXPECT_NE(std::string(e.what()).find("Duplicate entry"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find(db_ + ".kv"), std::string::npos) << e.what();
  EXPECT_EQ(rows("SELECT id, v FROM " + t("kv") + " ORDER BY id"),
            (std::vector<Cells>{{"1", "old"}}));
}

TEST_P(MysqlDestinationBulkTest, ValueTooLongFailsWithTheServersWordsAndKeepsNothing) {
  if (!admin_) return;
  exec("CREATE TABLE " + t("kv") + " (id INT PRIMARY KEY, v VARCHAR(3))");
  const auto table = dst::table(db_, "kv", {key("id"), col("v", FERRY_TYPE_VARCHAR)});
  auto dst = destination(GetParam());
  const auto batch = dst::rows(table, {{"1", "abc"}, {"2", "abcdef"}});
  const Error e = error_of([&] { dst->destination().bulk_write(*table->ref(), batch.get()); });
  EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
  const std::string m = e.what();
  EXPECT_TRUE(m.find("Data truncated") != std::string::npos ||
              m.find("Data too long") != std::string::npos)
      << m;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + t("kv")), "0");
}

TEST_P(MysqlDestinationBulkTest, NanIntoDoubleIsAClearError) {
  if (!admin_) return;
  exec("CREATE TABLE " + t("m") + " (id INT PRIMARY KEY, g DOUBLE)");
  const auto table = dst::table(db_, "m", {key("id"), col("g", FERRY_TYPE_FLOAT64)});
  auto dst = destination(GetParam());
  const auto batch = dst::rows(table, {{"1", "1.5"}, {"2", "nan"}});
  const Error e = error_of([&] { dst->destination().bulk_write(*table->ref(), batch.get()); });
  EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
  const std::string m = e.what();
  EXPECT_NE(m.find(db_ + ".m.g"), std::string::npos) << m;
  EXPECT_NE(m.find("'nan'"), std::string::npos) << m;
  EXPECT_NE(m.find("NaN or infinity"), std::string::npos) << m;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + t("m")), "0");

  const auto inf = dst::rows(table, {{"3", "-inf"}});
  const Error e2 = error_of([&] { dst->destination().bulk_write(*table->ref(), inf.get()); });
  EXPECT_NE(std::string(e2.what()).find("'-inf'"), std::string::npos) << e2.what();
}

TEST_P(MysqlDestinationBulkTest, NotANumberNamesTheColumnAndTheValue) {
  if (!admin_) return;
  exec("CREATE TABLE " + t("m") + " (id INT PRIMARY KEY, n BIGINT)");
  const auto table = dst::table(db_, "m", {key("id"), col("n", FERRY_TYPE_INT64)});
  auto dst = destination(GetParam());
  const std::string long_value = "12" + std::string(100, 'x');
  const auto batch = dst::rows(table, {{"1", "5"}, {"2", long_value}});
  const Error e = error_of([&] { dst->destination().bulk_write(*table->ref(), batch.get()); });
  const std::string m = e.what();
  EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
  EXPECT_NE(m.find(db_ + ".m.n"), std::string::npos) << m;
  EXPECT_NE(m.find("'12" + std::string(62, 'x') + "...'"), std::string::npos) << m;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + t("m")), "0");
}

TEST_P(MysqlDestinationBulkTest, DefaultCellsTakeTheColumnDefault) {
  if (!admin_) return;
  exec("CREATE TABLE " + t("d") + " (id INT PRIMARY KEY, v VARCHAR(10) DEFAULT 'dflt', n INT)");
  const auto table =
      dst::table(db_, "d", {key("id"), col("v", FERRY_TYPE_VARCHAR), col("n", FERRY_TYPE_INT32)});
  auto dst = destination(GetParam());
  const auto batch = dst::rows(table, {{"1", V::default_value(), "1"}, {"2", "x", "2"}});
  dst->destination().bulk_write(*table->ref(), batch.get());
  EXPECT_EQ(rows("SELECT id, v, n FROM " + t("d") + " ORDER BY id"),
            (std::vector<Cells>{{"1", "dflt", "1"}, {"2", "x", "2"}}));
}

INSTANTIATE_TEST_SUITE_P(LoadDataAndInsert, MysqlDestinationBulkTest,
                         ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "LoadData" : "Insert"; });

TEST_F(MysqlDestinationTest, BothBulkPathsStoreTheSameBytes) {
  if (!admin_) return;
  exec("CREATE TABLE " + t("all_types") + kAllTypesDdl);
  exec("CREATE TABLE " + t("all_types_insert") + kAllTypesDdl);
  auto load = destination(true);
  auto insert = destination(false);
  const auto a = all_types_table(db_);
  auto b_schema = copy_table_ref(*a->ref());
  b_schema.name = "all_types_insert";
  const auto b = make_table(b_schema);
  load->destination().bulk_write(*a->ref(), dst::rows(a, all_types_rows()).get());
  insert->destination().bulk_write(*b->ref(), dst::rows(b, all_types_rows()).get());
  const auto via_load = rows(select_all_types(t("all_types")));
  const auto via_insert = rows(select_all_types(t("all_types_insert")));
  ASSERT_EQ(via_load.size(), 4u);
  EXPECT_EQ(via_load, via_insert);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + t("all_types_insert")), "4");
}

TEST_F(MysqlDestinationTest, InsertFallbackSplitsStatementsAtMaxStatementBytes) {
  if (!admin_) return;
  exec("CREATE TABLE " + t("kv") + " (id INT PRIMARY KEY, v VARCHAR(200))");
  const auto table = dst::table(db_, "kv", {key("id"), col("v", FERRY_TYPE_VARCHAR)});
  auto cfg = config(false);
  cfg["max_statement_bytes"] = int64_t{2048};
  auto dst = destination(cfg);
  std::vector<Image> images;
  for (int i = 0; i < 500; ++i)
    images.push_back({std::to_string(i), std::string(150, 'a' + i % 26)});
  dst->destination().bulk_write(*table->ref(), dst::rows(table, images).get());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + t("kv")), "500");
  EXPECT_EQ(scalar("SELECT v FROM " + t("kv") + " WHERE id = 27"), std::string(150, 'b'));
}

// A batch of ASCII cells into a table whose character columns are all latin1 goes as
// CHARACTER SET latin1 (the same bytes, no conversion per value); any other batch, and any table
// with another character set, as utf8mb4. Both store exactly the values sent.
TEST_F(MysqlDestinationTest, Latin1TablesStoreAsciiAndNonAsciiBatchesExactly) {
  if (!admin_) return;
  exec("CREATE TABLE " + t("l1") +
       " (id INT PRIMARY KEY, c CHAR(10), v VARCHAR(20), tx TEXT, e ENUM('a','b'), n INT, "
       "bl BLOB) DEFAULT CHARSET latin1");
  exec("CREATE TABLE " + t("mixed") +
       " (id INT PRIMARY KEY, c CHAR(10) CHARACTER SET latin1, u VARCHAR(20) CHARACTER SET "
       "utf8mb4, j JSON)");
  const auto l1 = dst::table(db_, "l1",
                             {key("id"), col("c", FERRY_TYPE_CHAR), col("v", FERRY_TYPE_VARCHAR),
                              col("tx", FERRY_TYPE_TEXT), col("e", FERRY_TYPE_ENUM),
                              col("n", FERRY_TYPE_INT32), col("bl", FERRY_TYPE_BLOB)});
  const auto mixed = dst::table(db_, "mixed",
                                {key("id"), col("c", FERRY_TYPE_CHAR), col("u", FERRY_TYPE_VARCHAR),
                                 col("j", FERRY_TYPE_JSON)});
  auto dst = destination(true);
  // ASCII, with every character LOAD DATA escapes; a blob byte above 0x7f goes as hex anyway.
  dst->destination().bulk_write(
      *l1->ref(), dst::rows(l1, {{"1", "abc", "tab\there", "back\\slash\nnl\r", "a", "-5",
                                  std::string("\x00\xff", 2)},
                                 {"2", "", std::nullopt, "\\N", "b", std::nullopt, ""}})
                      .get());
  // Not ASCII: converted by the server from utf8mb4 (é, €, ï are in MySQL's latin1 = cp1252).
  dst->destination().bulk_write(
      *l1->ref(),
      dst::rows(l1, {{"3", "caf\xc3\xa9", "\xe2\x82\xacuro", "na\xc3\xafve", "a", "3", "x"}})
          .get());
  EXPECT_EQ(
      rows("SELECT id, c, v, tx, e, n, HEX(bl), HEX(c) FROM " + t("l1") + " ORDER BY id"),
      (std::vector<Cells>{
          {"1", "abc", "tab\there", "back\\slash\nnl\r", "a", "-5", "00FF", "616263"},
          {"2", "", std::nullopt, "\\N", "b", std::nullopt, "", ""},
          {"3", "caf\xc3\xa9", "\xe2\x82\xacuro", "na\xc3\xafve", "a", "3", "78", "636166E9"}}));
  // A table with a utf8mb4 column and JSON: ASCII and not.
  dst->destination().bulk_write(
      *mixed->ref(), dst::rows(mixed, {{"1", "x", "plain", "{\"k\": \"v\"}"},
                                       {"2", "\xc3\xa9", "\xe5\x90\x8d", "[1, \"\xc3\xbc\"]"}})
                         .get());
  EXPECT_EQ(rows("SELECT id, c, u, j FROM " + t("mixed") + " ORDER BY id"),
            (std::vector<Cells>{{"1", "x", "plain", "{\"k\": \"v\"}"},
                                {"2", "\xc3\xa9", "\xe5\x90\x8d", "[1, \"\xc3\xbc\"]"}}));
}

// ---- apply_changes -------------------------------------------------------------------------

class MysqlDestinationApplyTest : public MysqlDestinationTest {
 protected:
  void SetUp() override {
    MysqlDestinationTest::SetUp();
    if (!admin_) return;
    exec("CREATE TABLE " + t("kv") + " (id INT PRIMARY KEY, v VARCHAR(20), big TEXT)");
    kv_ = dst::table(db_, "kv",
                     {key("id"), col("v", FERRY_TYPE_VARCHAR), col("big", FERRY_TYPE_TEXT)});
  }
  std::vector<Cells> kv_rows() {
    return rows("SELECT id, v, big FROM " + t("kv") + " ORDER BY id");
  }
  std::optional<std::string> stored_checkpoint() {
    const auto r = rows("SELECT position FROM " + t("apply_checkpoint") +
                        " WHERE task_id = 'test-task' AND instance = 'test'");
    return r.empty() ? std::nullopt : r[0][0];
  }
  // The batches of a small history, one transaction spanning the first two.
  std::vector<std::pair<OwnedBatch, Bytes>> history() {
    std::vector<std::pair<OwnedBatch, Bytes>> out;
    out.emplace_back(Changes({kv_})
                         .begin()
                         .insert(0, {"1", "one", "B1"})
                         .insert(0, {"2", "two", "B2"})
                         .insert(0, {"3", "three", std::nullopt})
                         .done(),
                     dst::cp("cp-1"));
    out.emplace_back(Changes({kv_})
                         .update(0, {"2", "two", "B2"}, {"2", "TWO", "B2"})
                         .erase(0, {"3", "three", std::nullopt})
                         .commit()
                         .done(),
                     dst::cp("cp-2"));
    out.emplace_back(Changes({kv_})
                         .begin()
                         .insert(0, {"4", "four", "B4"})
                         .commit()
                         .begin()
                         .update(0, {"1", "one", "B1"}, {"10", "ten", "B1"})
                         .insert(0, {"5", "five", "B5"})
                         .done(),
                     dst::cp("cp-3"));
    out.emplace_back(Changes({kv_})
                         .update(0, {"5", "five", "B5"}, {"5", "FIVE", V::unchanged()})
                         .commit()
                         .heartbeat()
                         .done(),
                     dst::cp("cp-4"));
    return out;
  }
  const std::vector<Cells> final_rows_ = {
      {"2", "TWO", "B2"}, {"4", "four", "B4"}, {"5", "FIVE", "B5"}, {"10", "ten", "B1"}};

  SharedTable kv_;
};

TEST_F(MysqlDestinationApplyTest, TransactionSpansBatchesAndCarriesItsCheckpoint) {
  if (!admin_) return;
  auto dst = destination();
  EXPECT_FALSE(dst->destination().flush().has_value());
  auto h = history();

  dst->destination().apply_changes(h[0].first.get(), 0, h[0].second);
  EXPECT_TRUE(kv_rows().empty()) << "an open transaction must not be visible";
  EXPECT_FALSE(stored_checkpoint().has_value());
  EXPECT_FALSE(dst->destination().flush().has_value());

  dst->destination().apply_changes(h[1].first.get(), 0, h[1].second);
  EXPECT_EQ(kv_rows(), (std::vector<Cells>{{"1", "one", "B1"}, {"2", "TWO", "B2"}}));
  EXPECT_EQ(stored_checkpoint(), "cp-2");
  EXPECT_EQ(dst->destination().flush(), dst::cp("cp-2"));

  // The batch's last COMMIT carries the checkpoint; the transaction after it stays open.
  dst->destination().apply_changes(h[2].first.get(), 0, h[2].second);
  EXPECT_EQ(kv_rows(),
            (std::vector<Cells>{{"1", "one", "B1"}, {"2", "TWO", "B2"}, {"4", "four", "B4"}}));
  EXPECT_EQ(stored_checkpoint(), "cp-3");

  dst->destination().apply_changes(h[3].first.get(), 0, h[3].second);
  EXPECT_EQ(kv_rows(), final_rows_);
  EXPECT_EQ(dst->destination().flush(), dst::cp("cp-4"));
}

TEST_F(MysqlDestinationApplyTest, IdempotentReplayReachesTheSameState) {
  if (!admin_) return;
  {
    auto dst = destination();
    for (auto& [batch, checkpoint] : history()) {
      dst->destination().apply_changes(batch.get(), 0, checkpoint);
    }
  }
  ASSERT_EQ(kv_rows(), final_rows_);
  // Replay everything (twice) from the start, as after a crash before any checkpoint.
  for (int round = 0; round < 2; ++round) {
    auto dst = destination();
    for (auto& [batch, checkpoint] : history()) {
      dst->destination().apply_changes(batch.get(), FERRY_APPLY_IDEMPOTENT, checkpoint);
    }
    EXPECT_EQ(kv_rows(), final_rows_) << "round " << round;
    EXPECT_EQ(dst->destination().flush(), dst::cp("cp-4"));
  }
}

TEST_F(MysqlDestinationApplyTest, UpdateOfAMissingRowIsDataLossNamingTheKey) {
  if (!admin_) return;
  auto dst = destination();
  auto batch = Changes({kv_})
                   .begin()
                   .insert(0, {"7", "seven", std::nullopt})
                   .update(0, {"42", "x", std::nullopt}, {"42", "y", std::nullopt})
                   .commit()
                   .done();
  const Error e = error_of([&] { dst->destination().apply_changes(batch.get(), 0, dst::cp("c")); });
  EXPECT_EQ(e.status(), FERRY_DATA_LOSS) << e.what();
  const std::string m = e.what();
  EXPECT_NE(m.find(db_ + ".kv"), std::string::npos) << m;
  EXPECT_NE(m.find("id='42'"), std::string::npos) << m;
  EXPECT_NE(m.find("diverged"), std::string::npos) << m;
  EXPECT_TRUE(kv_rows().empty()) << "the transaction must be rolled back";
  EXPECT_FALSE(dst->destination().flush().has_value());

  // The destination is usable again, and a DELETE of a missing row is the same error.
  auto del = Changes({kv_}).begin().erase(0, {"43", "x", std::nullopt}).commit().done();
  const Error e2 = error_of([&] { dst->destination().apply_changes(del.get(), 0, dst::cp("c")); });
  EXPECT_EQ(e2.status(), FERRY_DATA_LOSS);
  EXPECT_NE(std::string(e2.what()).find("id='43'"), std::string::npos) << e2.what();

  // An INSERT whose key exists has diverged too.
  exec("INSERT INTO " + t("kv") + " VALUES (8, 'there', NULL)");
  auto ins = Changes({kv_}).begin().insert(0, {"8", "again", std::nullopt}).commit().done();
  const Error e3 = error_of([&] { dst->destination().apply_changes(ins.get(), 0, dst::cp("c")); });
  EXPECT_EQ(e3.status(), FERRY_DATA_LOSS) << e3.what();
  EXPECT_NE(std::string(e3.what()).find("Duplicate entry '8'"), std::string::npos) << e3.what();
}

TEST_F(MysqlDestinationApplyTest, KeyChangingUpdate) {
  if (!admin_) return;
  exec("INSERT INTO " + t("kv") + " VALUES (1, 'one', 'B1'), (2, 'two', 'B2')");
  auto dst = destination();
  auto batch = Changes({kv_})
                   .begin()
                   .update(0, {"1", "one", "B1"}, {"100", "hundred", "B1"})
                   .commit()
                   .done();
  dst->destination().apply_changes(batch.get(), 0, dst::cp("a"));
  EXPECT_EQ(kv_rows(), (std::vector<Cells>{{"2", "two", "B2"}, {"100", "hundred", "B1"}}));

  // Idempotent: replayed, and again when the old key is back (a later insert in the history).
  dst->destination().apply_changes(batch.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("b"));
  EXPECT_EQ(kv_rows(), (std::vector<Cells>{{"2", "two", "B2"}, {"100", "hundred", "B1"}}));
  exec("INSERT INTO " + t("kv") + " VALUES (1, 'one', 'B1')");
  dst->destination().apply_changes(batch.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("c"));
  EXPECT_EQ(kv_rows(), (std::vector<Cells>{{"2", "two", "B2"}, {"100", "hundred", "B1"}}));
}

TEST_F(MysqlDestinationApplyTest, UnchangedCellsKeepTheDestinationsValue) {
  if (!admin_) return;
  exec("INSERT INTO " + t("kv") + " VALUES (1, 'one', 'BIG-1'), (2, 'two', 'BIG-2')");
  auto dst = destination();
  // Ordinary update, and a PostgreSQL-style update that carries only the new row.
  auto batch = Changes({kv_})
                   .begin()
                   .update(0, {"1", "one", V::unchanged()}, {"1", "uno", V::unchanged()})
                   .update_after_only(0, {"2", "dos", V::unchanged()})
                   .commit()
                   .done();
  dst->destination().apply_changes(batch.get(), 0, dst::cp("a"));
  EXPECT_EQ(kv_rows(), (std::vector<Cells>{{"1", "uno", "BIG-1"}, {"2", "dos", "BIG-2"}}));

  // Idempotent, key moved, value unchanged: the row moves with its value (and again on replay).
  auto moved = Changes({kv_})
                   .begin()
                   .update(0, {"1", "uno", V::unchanged()}, {"11", "once", V::unchanged()})
                   .commit()
                   .done();
  dst->destination().apply_changes(moved.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("b"));
  dst->destination().apply_changes(moved.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("c"));
  EXPECT_EQ(kv_rows(), (std::vector<Cells>{{"2", "dos", "BIG-2"}, {"11", "once", "BIG-1"}}));

  // Idempotent upsert of a missing row that needs an unchanged value: an error saying so.
  auto missing = Changes({kv_})
                     .begin()
                     .update(0, {"9", "x", V::unchanged()}, {"9", "y", V::unchanged()})
                     .commit()
                     .done();
  const Error e = error_of([&] {
    dst->destination().apply_changes(missing.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("d"));
  });
  EXPECT_EQ(e.status(), FERRY_DATA_LOSS);
  EXPECT_NE(std::string(e.what()).find("unchanged"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("id='9'"), std::string::npos) << e.what();
  EXPECT_EQ(dst->destination().flush(), dst::cp("c"));
}

TEST_F(MysqlDestinationApplyTest, DdlAndTruncateRecords) {
  if (!admin_) return;
  auto dst = destination();
  // An unqualified statement runs in the record's database.
  auto ddl = Changes({kv_})
                 .ddl(0, "ALTER TABLE kv ADD COLUMN extra INT NULL")
                 .begin()
                 .insert(0, {"1", "one", std::nullopt})
                 .insert(0, {"2", "two", std::nullopt})
                 .commit()
                 .done();
  dst->destination().apply_changes(ddl.get(), 0, dst::cp("a"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" + db_ +
                   "' AND TABLE_NAME = 'kv' AND COLUMN_NAME = 'extra'"),
            "1");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + t("kv")), "2");

  // TRUNCATE between transactions; the checkpoint follows the DDL after the last COMMIT.
  auto trunc = Changes({kv_}).truncate(0).done();
  dst->destination().apply_changes(trunc.get(), 0, dst::cp("b"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + t("kv")), "0");
  EXPECT_EQ(dst->destination().flush(), dst::cp("b"));

  // TRUNCATE inside a transaction that changed rows stays part of it.
  auto inside = Changes({kv_})
                    .begin()
                    .insert(0, {"5", "five", std::nullopt})
                    .truncate(0)
                    .insert(0, {"6", "six", std::nullopt})
                    .commit()
                    .done();
  dst->destination().apply_changes(inside.get(), 0, dst::cp("c"));
  EXPECT_EQ(rows("SELECT id FROM " + t("kv")), (std::vector<Cells>{{"6"}}));

  // DDL inside a transaction that changed rows would commit it half-way: refused.
  auto bad = Changes({kv_})
                 .begin()
                 .insert(0, {"7", "seven", std::nullopt})
                 .ddl(0, "ALTER TABLE kv ADD COLUMN extra2 INT")
                 .commit()
                 .done();
  const Error e = error_of([&] { dst->destination().apply_changes(bad.get(), 0, dst::cp("d")); });
  EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
  EXPECT_NE(std::string(e.what()).find("implicitly"), std::string::npos) << e.what();
  EXPECT_EQ(rows("SELECT id FROM " + t("kv")), (std::vector<Cells>{{"6"}}));
  EXPECT_EQ(dst->destination().flush(), dst::cp("c"));
}

// The shape of a PostgreSQL source's TRUNCATE of tables linked by a foreign key: the tables of
// one statement as consecutive records. MySQL refuses TRUNCATE of a referenced table (1701)
// even when the referencing table is empty: the group is emptied with foreign_key_checks off
// for those statements, and only when every referencing table is in it.
TEST_F(MysqlDestinationApplyTest, TruncateOfTablesLinkedByAForeignKey) {
  if (!admin_) return;
  exec("CREATE TABLE " + t("parent") + " (id INT PRIMARY KEY) ENGINE=InnoDB");
  exec("CREATE TABLE " + t("child") + " (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY " +
       "(parent_id) REFERENCES " + t("parent") + " (id)) ENGINE=InnoDB");
  auto fill = [&] {
    exec("INSERT INTO " + t("parent") + " VALUES (1), (2)");
    exec("INSERT INTO " + t("child") + " VALUES (10, 1), (11, 2)");
  };
  auto count = [&](const std::string& table) { return scalar("SELECT COUNT(*) FROM " + t(table)); };
  fill();
  const auto parent = dst::table(db_, "parent", {key("id")});
  const auto child = dst::table(db_, "child", {key("id"), col("parent_id", FERRY_TYPE_INT32)});
  auto dst = destination();

  // Between the source transaction's BEGIN and COMMIT, parent named first.
  auto group = Changes({parent, child, kv_}).begin().truncate(0).truncate(1).commit().done();
  dst->destination().apply_changes(group.get(), 0, dst::cp("t1"));
  EXPECT_EQ(count("parent"), "0");
  EXPECT_EQ(count("child"), "0");
  EXPECT_EQ(dst->destination().flush(), dst::cp("t1"));
  // The session checks foreign keys again afterwards.
  auto orphan = Changes({parent, child, kv_}).begin().insert(1, {"12", "99"}).commit().done();
  EXPECT_NE(std::string(error_of([&] {
                          dst->destination().apply_changes(orphan.get(), 0, dst::cp("x"));
                        }).what())
                .find("foreign key"),
            std::string::npos);
  EXPECT_EQ(count("child"), "0");

  // Inside a transaction that changed rows: DELETEs in it, atomic with the rest; a group split
  // across two batches of the transaction is still one group.
  fill();
  auto first = Changes({parent, child, kv_})
                   .begin()
                   .insert(2, {"1", "one", std::nullopt})
                   .truncate(0)
                   .done();
  dst->destination().apply_changes(first.get(), 0, dst::cp("t2"));
  auto second = Changes({parent, child, kv_}).truncate(1).commit().done();
  dst->destination().apply_changes(second.get(), 0, dst::cp("t3"));
  EXPECT_EQ(count("parent"), "0");
  EXPECT_EQ(count("child"), "0");
  EXPECT_EQ(kv_rows(), (std::vector<Cells>{{"1", "one", std::nullopt}}));
  EXPECT_EQ(dst->destination().flush(), dst::cp("t3"));

  // A referencing table the source did not empty: refused before anything is emptied.
  fill();
  exec("CREATE TABLE " + t("audit") + " (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY " +
       "(parent_id) REFERENCES " + t("parent") + " (id)) ENGINE=InnoDB");
  const Error e =
      error_of([&] { dst->destination().apply_changes(group.get(), 0, dst::cp("t4")); });
  EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT) << e.what();
  const std::string m = e.what();
  EXPECT_NE(m.find(db_ + ".audit references " + db_ + ".parent"), std::string::npos) << m;
  EXPECT_NE(m.find(db_ + ".parent, " + db_ + ".child"), std::string::npos) << m;
  EXPECT_EQ(count("parent"), "2");
  EXPECT_EQ(count("child"), "2");
  EXPECT_EQ(dst->destination().flush(), dst::cp("t3"));
}

TEST_F(MysqlDestinationApplyTest, ConnectionLossMidTransactionIsRetryable) {
  if (!admin_) return;
  auto dst = destination();
  auto first = Changes({kv_}).begin().insert(0, {"1", "one", std::nullopt}).done();
  dst->destination().apply_changes(first.get(), 0, dst::cp("cp-1"));
  // The destination's session is the one whose default database is this test's.
  const std::string id = scalar("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '" + db_ +
                                "' AND ID <> CONNECTION_ID()");
  exec("KILL CONNECTION " + id);
  for (int i = 0;
       i < 200 &&
       scalar("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + id) != "0";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto second = Changes({kv_}).insert(0, {"2", "two", std::nullopt}).commit().done();
  const Error e =
      error_of([&] { dst->destination().apply_changes(second.get(), 0, dst::cp("cp-2")); });
  EXPECT_EQ(e.status(), FERRY_UNAVAILABLE) << e.what();
  EXPECT_TRUE(kv_rows().empty());
  EXPECT_FALSE(dst->destination().flush().has_value());
  // The host retries from its checkpoint (none yet): the whole transaction again.
  auto again = Changes({kv_}).begin().insert(0, {"1", "one", std::nullopt}).done();
  dst->destination().apply_changes(again.get(), 0, dst::cp("cp-1"));
  dst->destination().apply_changes(second.get(), 0, dst::cp("cp-2"));
  EXPECT_EQ(kv_rows(),
            (std::vector<Cells>{{"1", "one", std::nullopt}, {"2", "two", std::nullopt}}));
  EXPECT_EQ(dst->destination().flush(), dst::cp("cp-2"));
}

TEST_F(MysqlDestinationApplyTest, UnknownOpIsAnError) {
  if (!admin_) return;
  auto dst = destination();
  auto batch = Changes({kv_}).raw(ferry_op{77}).done();
  const Error e = error_of([&] { dst->destination().apply_changes(batch.get(), 0, {}); });
  EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
  EXPECT_NE(std::string(e.what()).find("unknown op 77"), std::string::npos) << e.what();
}

TEST_F(MysqlDestinationApplyTest, HeartbeatsAloneAdvanceTheCheckpoint) {
  if (!admin_) return;
  auto dst = destination();
  auto batch = Changes({kv_}).heartbeat().heartbeat().done();
  dst->destination().apply_changes(batch.get(), 0, dst::cp("hb-1"));
  EXPECT_EQ(dst->destination().flush(), dst::cp("hb-1"));
  EXPECT_EQ(stored_checkpoint(), "hb-1");
}

TEST_F(MysqlDestinationTest, TableWithoutPrimaryKey) {
  if (!admin_) return;
  exec("CREATE TABLE " + t("np") + " (a INT, b VARCHAR(10), f FLOAT)");
  exec("INSERT INTO " + t("np") + " VALUES (1, 'x', 0.1), (1, 'x', 0.1), (2, NULL, NULL)");
  const auto np = dst::table(
      db_, "np",
      {col("a", FERRY_TYPE_INT32), col("b", FERRY_TYPE_VARCHAR), col("f", FERRY_TYPE_FLOAT32)});
  auto dst = destination();
  auto batch = Changes({np})
                   .begin()
                   .update(0, {"1", "x", "0.1"}, {"1", "y", "0.1"})
                   .erase(0, {"2", std::nullopt, std::nullopt})
                   .commit()
                   .done();
  dst->destination().apply_changes(batch.get(), 0, dst::cp("a"));
  EXPECT_EQ(rows("SELECT a, b FROM " + t("np") + " ORDER BY b"),
            (std::vector<Cells>{{"1", "x"}, {"1", "y"}}));

  // Idempotent: an insert of a row that is there already is not duplicated.
  auto again =
      Changes({np}).begin().insert(0, {"1", "y", "0.1"}).insert(0, {"3", "z", "1"}).commit().done();
  dst->destination().apply_changes(again.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("b"));
  EXPECT_EQ(rows("SELECT a, b FROM " + t("np") + " ORDER BY a, b"),
            (std::vector<Cells>{{"1", "x"}, {"1", "y"}, {"3", "z"}}));
}

TEST_F(MysqlDestinationTest, ApplyDdlAndReadRange) {
  if (!admin_) return;
  auto dst = destination();
  dst->destination().apply_ddl("CREATE TABLE " + t("r") + " (id INT PRIMARY KEY, v VARCHAR(10))");
  const auto r = dst::table(db_, "r", {key("id"), col("v", FERRY_TYPE_VARCHAR)});
  dst->destination().bulk_write(*r->ref(),
                                dst::rows(r, {{"1", "a"}, {"2", "b"}, {"3", "c"}}).get());
  Split split;
  split.schema = db_;
  split.table = "r";
  split.key_columns = {"id"};
  split.lower = std::vector<std::string>{"2"};
  const auto got = read_all(dst->destination().read_range(split, 10));
  EXPECT_EQ(got, (std::vector<Row>{{"2", "b"}, {"3", "c"}}));
}

// ---- precheck and connection errors --------------------------------------------------------

TEST_F(MysqlDestinationTest, PrecheckPasses) {
  if (!admin_) return;
  auto dst = destination();
  const auto report = nlohmann::json::parse(dst->destination().precheck());
  ASSERT_TRUE(report.is_array());
  std::vector<std::string> items;
  for (const auto& item : report) {
    items.push_back(item.at("item").get<std::string>());
    EXPECT_EQ(item.at("status"), "passed") << item.dump();
  }
  for (const char* name : {"connectivity", "version", "writable", "local_infile", "privileges",
                           "max_allowed_packet", "checkpoint_table"}) {
    EXPECT_NE(std::find(items.begin(), items.end(), name), items.end()) << name;
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + db_ +
                   "' AND TABLE_NAME = 'apply_checkpoint'"),
            "1");
}

TEST_F(MysqlDestinationTest, PrecheckNamesMissingPrivileges) {
  if (!admin_) return;
  const std::string user = "ferry_dst_limited";
  exec("DROP USER IF EXISTS '" + user + "'@'127.0.0.1'");
  exec("CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY 'limited-pw'");
  exec("GRANT SELECT, INSERT ON `" + db_ + "`.* TO '" + user + "'@'127.0.0.1'");
  auto cfg = config();
  cfg["user"] = user;
  cfg["password"] = SecretValue{"limited-pw"};
  cfg["checkpoint_table"] = db_ + "_nowhere.apply_checkpoint";
  auto dst = destination(cfg);
  const auto report = nlohmann::json::parse(dst->destination().precheck());
  exec("DROP USER IF EXISTS '" + user + "'@'127.0.0.1'");
  std::map<std::string, nlohmann::json> by_item;
  for (const auto& item : report) by_item[item.at("item").get<std::string>()] = item;
  ASSERT_TRUE(by_item.count("privileges")) << report.dump();
  EXPECT_EQ(by_item["privileges"].at("status"), "failed");
  const std::string detail = by_item["privileges"].at("detail");
  EXPECT_NE(detail.find("UPDATE, DELETE, CREATE, DROP, ALTER, INDEX"), std::string::npos) << detail;
  EXPECT_NE(by_item["privileges"].at("fix").get<std::string>().find("GRANT UPDATE"),
            std::string::npos);
  ASSERT_TRUE(by_item.count("checkpoint_table")) << report.dump();
  EXPECT_EQ(by_item["checkpoint_table"].at("status"), "failed") << report.dump();
  EXPECT_EQ(by_item["connectivity"].at("status"), "passed");
}

TEST_F(MysqlDestinationTest, WrongPasswordIsAClearErrorWithoutThePassword) {
  if (!admin_) return;
  const std::string wrong = "Wr0ng-pw-4711-do-not-print";
  auto cfg = config();
  cfg["password"] = SecretValue{wrong};
  auto dst = destination(cfg);
  const Error e = error_of([&] { dst->destination().apply_ddl("SELECT 1"); });
  const std::string m = e.what();
  EXPECT_NE(m.find("Access denied"), std::string::npos) << m;
  EXPECT_NE(m.find("password"), std::string::npos) << m;  // the hint names the setting
  EXPECT_EQ(m.find(wrong), std::string::npos) << m;

  const std::string report = dst->destination().precheck();
  EXPECT_EQ(report.find(wrong), std::string::npos) << report;
  const auto items = nlohmann::json::parse(report);
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items[0].at("item"), "connectivity");
  EXPECT_EQ(items[0].at("status"), "failed");
}

}  // namespace
}  // namespace ferry::testing
