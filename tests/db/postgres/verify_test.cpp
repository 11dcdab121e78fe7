// The postgres connector's verification reads (checksum md5-sum64-v1 and read_range) against
// the test bed: the digest computed in SQL equals the one computed from read_range's canonical
// rows, it sees a value swapped between rows and NULL vs '', it follows a split's key range,
// it refuses what it cannot render, and a MariaDB table and a PostgreSQL table holding the same
// canonical values give the same digest.
#include <gtest/gtest.h>

#include <ferry/sdk.hpp>
#include <ferry/testing/fake_host.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../../../plugins/mysql/verify_read.hpp"
#include "../../../plugins/postgres/verify_read.hpp"
#include "db/postgres/destination_support.hpp"
#include "support/mysql_session.hpp"

namespace ferry::testing {
namespace {

using pgdst::Cells;

class PgVerifyTest : public pgdst::PgDestinationFixture {
 protected:
  Checksum checksum(TestInstance& d, const Split& s, const std::string& spec = "{}") {
    return d.destination().checksum(s, spec);
  }

  // md5-sum64-v1 computed here from canonical rows (the MD5s by PostgreSQL).
  uint64_t digest_of(const std::vector<Row>& rows) {
    uint64_t sum = 0;
    for (const auto& row : rows) {
      std::string text;
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) text += '\x1f';
        text += row[i] ? "v" + *row[i] : std::string("n");
      }
      std::string hex;
      static const char* digits = "0123456789abcdef";
      for (unsigned char c : text) {
        hex += digits[c >> 4];
        hex += digits[c & 15];
      }
      const std::string first64 = scalar("SELECT ('x' || substr(md5(decode('" + hex +
                                         "', 'hex')), 1, 16))::bit(64)::bigint::text");
      sum += static_cast<uint64_t>(std::stoll(first64));
    }
    return sum;
  }
};

TEST(PgVerifyPure, DecimalMod64) {
  EXPECT_EQ(pg::decimal_mod64("0"), 0u);
  EXPECT_EQ(pg::decimal_mod64("-1"), UINT64_MAX);
  EXPECT_EQ(pg::decimal_mod64("18446744073709551616"), 0u);
  EXPECT_EQ(pg::decimal_mod64("18446744073709551617"), 1u);
  EXPECT_EQ(pg::decimal_mod64("-18446744073709551617"), UINT64_MAX);
  EXPECT_EQ(pg::decimal_mod64("12"), 12u);
  EXPECT_THROW(pg::decimal_mod64("1e5"), Error);
}

TEST_F(PgVerifyTest, ChecksumDetectsSwappedValuesAndNullVersusEmpty) {
  exec("CREATE TABLE t (id int PRIMARY KEY, a text, b int)");
  exec("INSERT INTO t VALUES (1, 'x', 10), (2, 'y', 20), (3, '', 30)");
  auto d = destination();
  const auto base = checksum(*d, split("t"));
  EXPECT_EQ(base.row_count, 3u);
  EXPECT_EQ(checksum(*d, split("t")).digest, base.digest);  // deterministic
  exec("UPDATE t SET a = CASE id WHEN 1 THEN 'y' ELSE 'x' END WHERE id IN (1, 2)");
  const auto swapped = checksum(*d, split("t"));
  EXPECT_EQ(swapped.row_count, 3u);
  EXPECT_NE(swapped.digest, base.digest);
  exec("UPDATE t SET a = CASE id WHEN 1 THEN 'x' ELSE 'y' END WHERE id IN (1, 2)");
  EXPECT_EQ(checksum(*d, split("t")).digest, base.digest);
  exec("UPDATE t SET a = NULL WHERE id = 3");
  EXPECT_NE(checksum(*d, split("t")).digest, base.digest);
  // A value moved between columns of one row ('1','' vs '','1') is seen too.
  exec("CREATE TABLE two (id int PRIMARY KEY, a text, b text)");
  exec("INSERT INTO two VALUES (1, 'p', '')");
  const auto before = checksum(*d, split("two"));
  exec("UPDATE two SET a = '', b = 'p'");
  EXPECT_NE(checksum(*d, split("two")).digest, before.digest);
  // An empty range: zero rows, digest 0.
  const auto none = checksum(*d, split("t", {"id"}, std::vector<std::string>{"100"}));
  EXPECT_EQ(none.row_count, 0u);
  EXPECT_EQ(none.digest, 0u);
}

TEST_F(PgVerifyTest, ChecksumInSqlEqualsTheDigestOfReadRangesCanonicalRows) {
  exec("CREATE TYPE mood AS ENUM ('small', 'big')");
  exec("CREATE DOMAIN day AS date");
  exec(
      "CREATE TABLE v (id int PRIMARY KEY, b bool, i bigint, n numeric(12,3), nn numeric,"
      " c char(8), vc varchar(20), tx text, bl bytea, dt date, ts timestamp(6), tz timestamptz,"
      " tm time(6), ttz timetz, iv interval, bt bit(64), b3 bit(3), e mood, u uuid, ip inet,"
      " mac macaddr, dd day)");
  exec(
      "INSERT INTO v VALUES"
      " (1, true, -9223372036854775808, -1.5, 'NaN', 'ab', 'x y', E'tab\\there\\nnl', "
      "   '\\x001f7f80ff'::bytea, '0044-03-15 BC', '0001-01-01 00:00:00.5 BC', "
      "   '2038-01-19 03:14:07.999999+00', '24:00:00', '08:30:00.25+05:30', '-00:00:00.5', "
      "   B'1000000000000000000000000000000000000000000000000000000000000001', B'101', 'big', "
      "   '123e4567-e89b-12d3-a456-426614174000', '::1', '08:00:2b:01:02:03', '2024-02-29'),"
      " (2, false, 0, 0, 0.000001, '', '', '', ''::bytea, 'infinity', '-infinity', 'infinity',"
      "   '00:00:00', '00:00:00+00', '100000:00:00', B'0' || repeat('0', 63)::bit(63), B'000', "
      "   'small', '00000000-0000-0000-0000-000000000000', '10.1.2.3/8', 'ff:ff:ff:ff:ff:ff',"
      "   '10000-01-01'),"
      " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
      "   NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
      " (4, true, 42, 123456789.125, 1e-20, 'padded  ', 'émoji 😀', 'x', '\\x1f'::bytea,"
      "   '2024-02-29', '2024-02-29 23:59:59.000001', '2024-02-29 23:59:59+02', '12:00:00.1',"
      "   '23:59:59.999999-12', '-100:00:01', B'1' || repeat('1', 63)::bit(63), B'010', 'small',"
      "   'ffffffff-ffff-ffff-ffff-ffffffffffff', '2001:db8::1', '00:00:00:00:00:00',"
      "   '0001-01-01')");
  auto d = destination();
  const auto all = pgdst::read_range(*d, split("v"));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0][5], "ab");  // char(n) without its pad, as in the checksum
  EXPECT_EQ(all[3][5], "padded");
  EXPECT_EQ(all[0][9], "-0043-03-15");
  EXPECT_EQ(all[0][10], "0000-01-01T00:00:00.5");
  EXPECT_EQ(all[3][11], "2024-02-29T21:59:59Z");
  EXPECT_EQ(all[0][13], "8:30:00.25+05:30");
  EXPECT_EQ(all[3][14], "-100:00:01");
  EXPECT_EQ(all[0][15], "9223372036854775809");
  // Column by column first (a mismatch names its column), then the whole rows.
  const std::vector<std::string> names = {"id", "b",  "i",  "n",  "nn",  "c",   "vc", "tx",
                                          "bl", "dt", "ts", "tz", "tm",  "ttz", "iv", "bt",
                                          "b3", "e",  "u",  "ip", "mac", "dd"};
  for (size_t c = 0; c < names.size(); ++c) {
    std::vector<Row> one;
    for (const auto& r : all) one.push_back({r[c]});
    EXPECT_EQ(checksum(*d, split("v"), R"({"columns":[")" + names[c] + "\"]}").digest,
              digest_of(one))
        << "column " << names[c];
  }
  const auto sum = checksum(*d, split("v"));
  EXPECT_EQ(sum.row_count, 4u);
  EXPECT_EQ(sum.digest, digest_of(all));
  // A column subset in another order, and a key range.
  const std::string spec = R"({"algorithm":"md5-sum64-v1","columns":["tx","id","bl"]})";
  const auto range =
      split("v", {"id"}, std::vector<std::string>{"2"}, std::vector<std::string>{"4"});
  const auto part = pgdst::read_range(*d, range);
  ASSERT_EQ(part.size(), 2u);
  std::vector<Row> picked;
  for (const auto& r : part) picked.push_back({r[7], r[0], r[8]});
  const auto sub = checksum(*d, range, spec);
  EXPECT_EQ(sub.row_count, 2u);
  EXPECT_EQ(sub.digest, digest_of(picked));
}

// The checksum's SQL rendering of intervals is the reader's: pure time, and the ISO 8601 form
// of every shape with a year, month or day part (mixed signs, fractions, extremes).
TEST_F(PgVerifyTest, IntervalsOfEveryShapeChecksumAsTheyRead) {
  exec("CREATE TABLE iv (id int PRIMARY KEY, v interval)");
  const char* values[] = {"00:00:00",
                          "-00:00:00.5",
                          "04:05:06.789",
                          "100000:00:00",
                          "1 year 2 mons 3 days 04:05:06.5",
                          "-1 days +02:03:04.5",
                          "1 day",
                          "3 mons",
                          "-1 years",
                          "1 year -00:00:01",
                          "1 mon -00:00:00.5",
                          "-1 years -2 mons +3 days -04:05:06.000001",
                          "-178000000 years",
                          "2 days 2562047788:00:54.775807",
                          "1 day 00:01:00",
                          "1 day 00:00:10",
                          "-2147483648 days -2562047788:00:54.775807",
                          "11 mons 00:00:00.000001"};
  int id = 0;
  for (const char* v : values) {
    exec("INSERT INTO iv VALUES (" + std::to_string(++id) + ", '" + v + "')");
  }
  auto d = destination();
  const auto all = pgdst::read_range(*d, split("iv"));
  ASSERT_EQ(all.size(), std::size(values));
  EXPECT_EQ(all[4][1], "P1Y2M3DT4H5M6.5S");
  EXPECT_EQ(all[16][1], "P-2147483648DT-2562047788H-54.775807S");
  for (const auto& r : all) {
    EXPECT_EQ(checksum(*d, split("iv", {"id"}, std::vector<std::string>{*r[0]},
                                 std::vector<std::string>{std::to_string(std::stoi(*r[0]) + 1)}))
                  .digest,
              digest_of({r}))
        << "interval " << *r[1];
  }
}

TEST_F(PgVerifyTest, ReadRangeAndChecksumFollowTheKeyRange) {
  exec("CREATE TABLE k (a int, b text, v int, PRIMARY KEY (a, b))");
  exec("INSERT INTO k SELECT i / 3, chr(97 + i % 3), i FROM generate_series(0, 29) i");
  auto d = destination();
  // (1,'b') <= (a,b) < (3,'a'): (1,b) (1,c) (2,a) (2,b) (2,c)
  const auto s = split("k", {"a", "b"}, std::vector<std::string>{"1", "b"},
                       std::vector<std::string>{"3", "a"});
  const auto got = pgdst::read_range(*d, s, 2);
  EXPECT_EQ(
      got,
      (std::vector<Row>{
          {"1", "b", "4"}, {"1", "c", "5"}, {"2", "a", "6"}, {"2", "b", "7"}, {"2", "c", "8"}}));
  EXPECT_EQ(checksum(*d, s).row_count, 5u);
  EXPECT_EQ(checksum(*d, s).digest, digest_of(got));
  // Batches of at most batch_rows rows.
  auto stream = d->destination().read_range(s, 2);
  size_t batches = 0, total = 0;
  for (auto b = stream.next(); !b.is_end(); b = stream.next()) {
    EXPECT_LE(b.get().record_count, 2u);
    total += b.get().record_count;
    ++batches;
  }
  EXPECT_EQ(total, 5u);
  EXPECT_EQ(batches, 3u);
  // Open ends.
  EXPECT_EQ(pgdst::read_range(
                *d, split("k", {"a", "b"}, std::nullopt, std::vector<std::string>{"0", "c"}))
                .size(),
            2u);
  EXPECT_EQ(checksum(*d, split("k", {"a", "b"}, std::vector<std::string>{"9", "b"})).row_count, 2u);
  // A stream dropped before its end does not spoil the next read.
  {
    auto early = d->destination().read_range(split("k"), 1);
    EXPECT_FALSE(early.next().is_end());
  }
  EXPECT_EQ(pgdst::read_range(*d, split("k")).size(), 30u);
  EXPECT_EQ(checksum(*d, split("k")).row_count, 30u);
}

TEST_F(PgVerifyTest, ColumnsWithoutACanonicalFormInSqlAreRefusedByName) {
  exec("CREATE TABLE f (id int PRIMARY KEY, r real, j jsonb, a int[], iv interval, x text)");
  exec("INSERT INTO f VALUES (1, 0.1, '{}', '{1}', '1 day 02:00:00', 'x')");
  auto d = destination();
  for (const char* c : {"r", "j", "a"}) {
    const Error e = error_of(
        [&] { checksum(*d, split("f"), std::string(R"({"columns":["id",")") + c + "\"]}"); });
    EXPECT_EQ(e.status(), FERRY_NOT_SUPPORTED) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::string("\"") + c + "\""), std::string::npos)
        << e.what();
  }
  // Without such columns it works; read_range renders every column. An interval with a day
  // part has its ISO 8601 form in both.
  EXPECT_EQ(checksum(*d, split("f"), R"({"columns":["id","x","iv"]})").row_count, 1u);
  auto rows = pgdst::read_range(*d, split("f"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (Row{"1", "0.1", "{}", R"(["1"])", "P1DT2H", "x"}));
  exec("UPDATE f SET iv = '02:00:00'");
  rows = pgdst::read_range(*d, split("f"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (Row{"1", "0.1", "{}", R"(["1"])", "2:00:00", "x"}));
  // Bad specs.
  EXPECT_EQ(error_of([&] { checksum(*d, split("f"), R"({"algorithm":"crc32-xor"})"); }).status(),
            FERRY_NOT_SUPPORTED);
  EXPECT_EQ(error_of([&] { checksum(*d, split("f"), R"({"columns":["nope"]})"); }).status(),
            FERRY_INVALID_ARGUMENT);
  EXPECT_EQ(error_of([&] { checksum(*d, split("nope")); }).status(), FERRY_INVALID_ARGUMENT);
}

// ---- across engines ---------------------------------------------------------------------------

TEST_F(PgVerifyTest, MariadbAndPostgresGiveTheSameDigestForTheSameRows) {
  FERRY_REQUIRE_MYSQL(mysql_text);
  const MysqlDsn dsn = parse_mysql_dsn(mysql_text);
  MysqlSession my(dsn);
  const std::string db = schema_;  // the same name on both sides: one Split for both
  my.exec("DROP DATABASE IF EXISTS `" + db + "`");
  my.exec("CREATE DATABASE `" + db + "` DEFAULT CHARACTER SET utf8mb4");
  my.exec("CREATE TABLE `" + db +
          "`.twin (id INT PRIMARY KEY, i BIGINT, u BIGINT UNSIGNED, d DECIMAL(12,3), b BOOL,"
          " c CHAR(8), v VARCHAR(50), tx TEXT, bl BLOB, dt DATE, ts DATETIME(6),"
          " tz TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6), e ENUM('small','big'), uu UUID,"
          " bt BIT(5)) DEFAULT CHARSET = latin1");  // text hashed as UTF-8 whatever the charset
  exec("CREATE TYPE mood AS ENUM ('small', 'big')");
  exec(
      "CREATE TABLE twin (id int PRIMARY KEY, i bigint, u numeric(20,0), d numeric(12,3),"
      " b bool, c char(8), v varchar(50), tx text, bl bytea, dt date, ts timestamp(6),"
      " tz timestamptz(6), tm time(6), e mood, uu uuid, bt bit(5))");
  struct Values {
    std::string my, pg;
  };
  const std::vector<std::vector<Values>> rows = {
      {{"1", "1"},
       {"-9223372036854775808", "-9223372036854775808"},
       {"18446744073709551615", "18446744073709551615"},
       {"-1.5", "-1.5"},
       {"TRUE", "true"},
       {"'ab'", "'ab'"},
       {"'caf\xC3\xA9 x'", "'caf\xC3\xA9 x'"},
       {"'line\\nnext\\ttab'", "E'line\\nnext\\ttab'"},
       {"X'00011F7F80FF'", "'\\x00011f7f80ff'::bytea"},
       {"'2024-02-29'", "'2024-02-29'"},
       {"'2024-02-29 23:59:59.500000'", "'2024-02-29 23:59:59.5'"},
       {"'2038-01-19 03:14:07.999999'", "'2038-01-19 03:14:07.999999+00'"},
       {"'08:30:00.250000'", "'08:30:00.25'"},
       {"'big'", "'big'"},
       {"'123e4567-e89b-12d3-a456-426614174000'", "'123e4567-e89b-12d3-a456-426614174000'"},
       {"b'10101'", "B'10101'"}},
      {{"2", "2"},
       {"0", "0"},
       {"0", "0"},
       {"0", "0"},
       {"FALSE", "false"},
       {"''", "''"},
       {"''", "''"},
       {"''", "''"},
       {"''", "''::bytea"},
       {"'1000-01-01'", "'1000-01-01'"},
       {"'2000-01-01 00:00:00'", "'2000-01-01 00:00:00'"},
       {"'1970-01-01 00:00:01'", "'1970-01-01 00:00:01+00'"},
       {"'00:00:00'", "'00:00:00'"},
       {"'small'", "'small'"},
       {"'00000000-0000-0000-0000-000000000000'", "'00000000-0000-0000-0000-000000000000'"},
       {"b'0'", "B'00000'"}},
      {{"3", "3"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"},
       {"NULL", "NULL"}},
      {{"4", "4"},
       {"42", "42"},
       {"7", "7"},
       {"123456789.125", "123456789.125"},
       {"TRUE", "true"},
       {"'padded  '", "'padded  '"},
       {"'x'", "'x'"},
       {"'t'", "'t'"},
       {"X'1F'", "'\\x1f'::bytea"},
       {"'9999-12-31'", "'9999-12-31'"},
       {"'9999-12-31 23:59:59.000001'", "'9999-12-31 23:59:59.000001'"},
       {"'2024-02-29 21:59:59'", "'2024-02-29 23:59:59+02'"},
       {"'23:59:59.999999'", "'23:59:59.999999'"},
       {"'small'", "'small'"},
       {"'ffffffff-ffff-ffff-ffff-ffffffffffff'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"},
       {"b'11111'", "B'11111'"}},
  };
  for (const auto& row : rows) {
    std::string m, p;
    for (const auto& v : row) {
      m += (m.empty() ? "" : ", ") + v.my;
      p += (p.empty() ? "" : ", ") + v.pg;
    }
    my.exec("INSERT INTO `" + db + "`.twin VALUES (" + m + ")");
    exec("INSERT INTO twin VALUES (" + p + ")");
  }

  mysql::ConnectOptions mo;
  mo.host = dsn.host;
  mo.port = dsn.port;
  mo.user = dsn.user;
  mo.password = dsn.password;
  mysql::Connection mconn(mo);
  auto d = destination();
  const std::vector<Split> splits = {
      split("twin"),
      split("twin", {"id"}, std::vector<std::string>{"2"}, std::vector<std::string>{"4"}),
      split("twin", {"id"}, std::vector<std::string>{"4"}),
  };
  for (const auto& s : splits) {
    const Checksum m = mysql::range_checksum(mconn, s, "{}");
    const Checksum p = checksum(*d, s);
    EXPECT_EQ(m.row_count, p.row_count) << s.display;
    EXPECT_EQ(m.digest, p.digest) << "lower " << (s.lower ? s.lower->at(0) : "-");
  }
  // Both sides read the same canonical rows as well.
  const auto pg_rows = pgdst::read_range(*d, split("twin"));
  EXPECT_EQ(mysql::range_checksum(mconn, split("twin"), "{}").digest, digest_of(pg_rows));
  // One value changed on one side: the digests differ.
  exec("UPDATE twin SET tx = 'T' WHERE id = 4");
  EXPECT_NE(mysql::range_checksum(mconn, split("twin"), "{}").digest,
            checksum(*d, split("twin")).digest);
  my.exec("DROP DATABASE `" + db + "`");
}

}  // namespace
}  // namespace ferry::testing
