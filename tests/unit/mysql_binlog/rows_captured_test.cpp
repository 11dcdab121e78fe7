// Row images captured from a real MariaDB 10.11 (captured_events.hpp), decoded and compared
// value by value with what the statements inserted (written by hand, never decoded-and-saved).
#include "binlog/event.hpp"
#include "binlog/rows.hpp"

#include "unit/mysql_binlog/binlog_test_support.hpp"
#include "unit/mysql_binlog/captured_events.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace ferry_test {
namespace {

using namespace captured;
using namespace std::string_literals;
using ::testing::ElementsAreArray;

struct Decoded {
  bl::TableMap tm;
  bl::RowsEvent re;
  std::vector<Row> rows;
};

class BinlogCapturedRows : public ::testing::Test {
 protected:
  bl::FormatDescription min_fde = fde_of(kMinFde);
  bl::FormatDescription full_fde = fde_of(kFullFde);
  std::vector<RawEvent> keep_;

  bl::TableMap map(const char* hex, const bl::FormatDescription& fde) {
    keep_.emplace_back(hex, &fde);
    return bl::parse_table_map(keep_.back().ev(), fde);
  }
  // Decodes `rows_hex` against `map_hex`, with `cols` (empty: from the TABLE_MAP metadata).
  std::vector<Row> decode(const char* map_hex, const char* rows_hex,
                          const bl::FormatDescription& fde, std::vector<bl::ColumnInfo> cols = {}) {
    const auto tm = map(map_hex, fde);
    if (cols.empty()) cols = bl::columns_from_metadata(tm);
    keep_.emplace_back(rows_hex, &fde);
    return decode_all(tm, cols, bl::parse_rows(keep_.back().ev(), fde));
  }
};

// ---- integers ---------------------------------------------------------------------------------

std::vector<bl::ColumnInfo> int_columns() {
  std::vector<bl::ColumnInfo> c(12);
  const char* names[] = {"id", "ti", "tiu", "si", "siu", "mi", "miu", "i", "iu", "bi", "biu", "bo"};
  for (size_t i = 0; i < c.size(); ++i) c[i].name = names[i];
  for (size_t i : {2, 4, 6, 8, 10}) c[i].is_unsigned = true;
  return c;
}

const Row kIntRow1 = {
    V("1"),        V("-128"), V("0"),           V("-32768"), V("0"),
    V("-8388608"), V("0"),    V("-2147483648"), V("0"),      V("-9223372036854775808"),
    V("0"),        V("0")};
const Row kIntRow2 = {V("2"),
                      V("127"),
                      V("255"),
                      V("32767"),
                      V("65535"),
                      V("8388607"),
                      V("16777215"),
                      V("2147483647"),
                      V("4294967295"),
                      V("9223372036854775807"),
                      V("18446744073709551615"),
                      V("1")};
const Row kIntRow3 = {V("3"), V("-1"), V("1"), V("-1"), V("1"), V("-1"),
                      V("1"), V("-1"), V("1"), V("-1"), V("1"), N};
const Row kIntRow4 = {V("4"), N, N, N, N, N, N, N, N, N, N, N};

TEST_F(BinlogCapturedRows, IntegersInsertUpdateDelete) {
  for (bool full : {false, true}) {
    SCOPED_TRACE(full ? "binlog_row_metadata=FULL" : "NO_LOG");
    const auto& fde = full ? full_fde : min_fde;
    const auto cols = full ? std::vector<bl::ColumnInfo>{} : int_columns();
    EXPECT_THAT(
        decode(full ? kFullIntMap : kMinIntMap, full ? kFullIntWrite : kMinIntWrite, fde, cols),
        ElementsAreArray({kIntRow1, kIntRow2, kIntRow3, kIntRow4}));
    Row after = kIntRow3;
    after[1] = V("42");
    after[10] = V("12345678901234567890");
    EXPECT_THAT(
        decode(full ? kFullIntMap : kMinIntMap, full ? kFullIntUpdate : kMinIntUpdate, fde, cols),
        ElementsAreArray({kIntRow3, after}));
    EXPECT_THAT(
        decode(full ? kFullIntMap : kMinIntMap, full ? kFullIntDelete : kMinIntDelete, fde, cols),
        ElementsAreArray({kIntRow4}));
  }
}

TEST_F(BinlogCapturedRows, MinimalRowImageMarksAbsentColumns) {
  // binlog_row_image=MINIMAL: UPDATE t_int SET i=7 WHERE id=1 logs the key before, the changed
  // column after; every other column is absent (FERRY_CELL_DEFAULT).
  const Row before = {V("1"), A, A, A, A, A, A, A, A, A, A, A};
  const Row after = {A, A, A, A, A, A, A, V("7"), A, A, A, A};
  EXPECT_THAT(decode(kMinIntMap, kMinIntUpdateMinimal, min_fde, int_columns()),
              ElementsAreArray({before, after}));
  EXPECT_THAT(decode(kFullIntMap, kFullIntUpdateMinimal, full_fde),
              ElementsAreArray({before, after}));
}

TEST_F(BinlogCapturedRows, WithoutSignednessUnsignedColumnsDecodeAsSigned) {
  // What NO_LOG without the caller's schema gives (the engine notes' warning): why ColumnInfo
  // matters.
  std::vector<bl::ColumnInfo> signed_only(12);
  const auto rows = decode(kMinIntMap, kMinIntWrite, min_fde, signed_only);
  EXPECT_EQ(rows[1][2], V("-1"));   // TINYINT UNSIGNED 255
  EXPECT_EQ(rows[1][10], V("-1"));  // BIGINT UNSIGNED 18446744073709551615
}

TEST_F(BinlogCapturedRows, FullMetadataColumnInfo) {
  const auto cols = bl::columns_from_metadata(map(kFullIntMap, full_fde));
  ASSERT_EQ(cols.size(), 12u);
  EXPECT_EQ(cols[2].name, "tiu");
  EXPECT_TRUE(cols[2].is_unsigned);
  EXPECT_FALSE(cols[1].is_unsigned);
  EXPECT_TRUE(cols[10].is_unsigned);
  EXPECT_FALSE(cols[11].is_unsigned);
}

// ---- DECIMAL, FLOAT, DOUBLE, BIT --------------------------------------------------------------

std::vector<bl::ColumnInfo> num_columns() {
  std::vector<bl::ColumnInfo> c(11);
  c[5].is_unsigned = true;
  return c;
}

const Row kNumRow1 = {
    V("1"),           V("12345678901234567890123456789012345.123456789012345678901234567890"),
    V("-0.01"),       V("123456789012345678"),
    V("0.123456789"), V("12345678.1234"),
    V("1.5"),         V("-2.5"),
    V("1"),           V("18446744073709551615"),
    V("682")};
const Row kNumRow2 = {V("2"),
                      V("-12345678901234567890123456789012345.123456789012345678901234567890"),
                      V("-12345678.99"),
                      V("-999999999999999999"),
                      V("-0.000000001"),
                      V("0.0000"),
                      V("3.40282e+38"),
                      V("1.7976931348623157e+308"),
                      V("0"),
                      V("0"),
                      V("1")};
const Row kNumRow3 = {V("3"),
                      V("-0.000000000000000000000000000001"),
                      V("0.00"),
                      V("0"),
                      V("0.000000000"),
                      V("0.0001"),
                      V("-1e-38"),
                      V("2.2250738585072014e-308"),
                      N,
                      V("9223372036854775808"),
                      V("0")};
const Row kNumRow4 = {V("4"), N, N, N, N, N, N, N, N, N, N};
const Row kNumRow5 = {V("5"),           V("0.500000000000000000000000000000"),
                      V("99999999.99"), V("1"),
                      V("0.500000000"), V("99999999.9999"),
                      V("0.1"),         V("0.1"),
                      V("1"),           V("1"),
                      V("1023")};

TEST_F(BinlogCapturedRows, DecimalFloatDoubleBit) {
  for (bool full : {false, true}) {
    SCOPED_TRACE(full ? "binlog_row_metadata=FULL" : "NO_LOG");
    const auto& fde = full ? full_fde : min_fde;
    const auto cols = full ? std::vector<bl::ColumnInfo>{} : num_columns();
    const char* m = full ? kFullNumMap : kMinNumMap;
    EXPECT_THAT(decode(m, full ? kFullNumWrite : kMinNumWrite, fde, cols),
                ElementsAreArray({kNumRow1, kNumRow2, kNumRow3, kNumRow4, kNumRow5}));
    Row after = kNumRow1;
    after[2] = V("0.99");
    after[6] = V("3.14");
    after[7] = V("-1e+300");
    EXPECT_THAT(decode(m, full ? kFullNumUpdate : kMinNumUpdate, fde, cols),
                ElementsAreArray({kNumRow1, after}));
    EXPECT_THAT(decode(m, full ? kFullNumDelete : kMinNumDelete, fde, cols),
                ElementsAreArray({kNumRow2}));
  }
}

// ---- strings, binary, ENUM, SET, MariaDB JSON ---------------------------------------------------

std::vector<std::string> numbered(const char* prefix, int n) {
  std::vector<std::string> v;
  for (int i = 1; i <= n; ++i) v.push_back(prefix + std::to_string(i));
  return v;
}

std::vector<bl::ColumnInfo> str_columns() {
  std::vector<bl::ColumnInfo> c(25);
  for (size_t i : {9, 10, 11}) c[i].charset = bl::Charset::Latin1;
  c[12].charset = bl::Charset::Ascii;
  for (size_t i : {13, 14, 15, 16, 17, 18}) c[i].charset = bl::Charset::Binary;
  c[19].labels = {"small", "medium", "large"};
  c[20].labels = {"a", "b", "c", "d"};
  c[21].labels = numbered("m", 10);
  c[22].labels = numbered("v", 300);
  c[23].labels = numbered("x", 64);
  c[24].json = true;
  return c;
}

const Row kStrRow1 = {
    V("1"),
    V("ab"),
    V("h\xC3\xA9llo\xF0\x9F\x98\x80"),                // héllo😀
    V("h\xC3\xA9llo \xF0\x9F\x98\x80 w\xC3\xB6rld"),  // héllo 😀 wörld
    V(std::string(290, 'x')),
    V("text \xF0\x9F\x98\x80"),
    V("long"),
    V("tiny"),
    V("medium"),
    V("\xC3\xA9\xE2\x82\xAC"),  // latin1 E9 80: é €
    // café ‚ƒ„…†‡ˆ‰Š‹ŒŽ (stored as cp1252 0x82-0x8C, 0x8E)
    V("caf\xC3\xA9 \xE2\x80\x9A\xC6\x92\xE2\x80\x9E\xE2\x80\xA6\xE2\x80\xA0\xE2\x80\xA1\xCB\x86"
      "\xE2\x80\xB0\xC5\xA0\xE2\x80\xB9\xC5\x92\xC5\xBD"),
    // latin1 80 81 8D 8F 90 9D 9F FF: U+20AC, the 5 undefined bytes as U+0081 U+008D U+008F
    // U+0090 U+009D, U+0178, U+00FF
    V("\xE2\x82\xAC\xC2\x81\xC2\x8D\xC2\x8F\xC2\x90\xC2\x9D\xC5\xB8\xC3\xBF"),
    V("plain"),
    V("a\0\0\0"s),  // BINARY(4) X'6100': the server sends 'a', padded back to 4 bytes
    V("\0a\0b"s),
    V("\0\x01\x02\xFF\0"s),
    V(""),
    V("\0"s),
    V("\xFF\0\xFF"s),
    V("medium"),
    V("a,c"),  // inserted as 'c,a': declaration order
    V("m1,m10"),
    V("v300"),
    V("x1,x64"),
    V("{\"a\": [1, 2.5, \"x\", null, true], \"b\": {\"c\": \"\xF0\x9F\x98\x80\"}}"),
};
const Row kStrRow2 = {V("2"),         V(" a"),  // CHAR: trailing spaces stripped, leading kept
                      V(""),          V(""),   V(""),   V(""), V(""),  V(""), V(""),
                      V("x"),  // CHAR latin1 'x  '
                      V(""),          V(""),   V(""),
                      V("\0\0\0\0"s),  // BINARY(4) X'00000000': sent empty, padded back
                      V(""),          V(""),   V(""),   V(""), V(""),
                      V(""),  // ENUM error value (index 0)
                      V(""),          V(""),   V("v1"), V(""), V("[]")};
const Row kStrRow3 = {V("3"), N, N, N, N, N, N, N, N, N, N, N, N,
                      N,      N, N, N, N, N, N, N, N, N, N, N};

TEST_F(BinlogCapturedRows, StringsBinaryEnumSetJson) {
  for (bool full : {false, true}) {
    SCOPED_TRACE(full ? "binlog_row_metadata=FULL" : "NO_LOG");
    const auto& fde = full ? full_fde : min_fde;
    const auto cols = full ? std::vector<bl::ColumnInfo>{} : str_columns();
    const char* m = full ? kFullStrMap : kMinStrMap;
    EXPECT_THAT(decode(m, full ? kFullStrWrite : kMinStrWrite, fde, cols),
                ElementsAreArray({kStrRow1, kStrRow2, kStrRow3}));
    Row after = kStrRow1;
    after[3] = V("updated \xE2\x9C\x93");
    after[13] = V("\x01\x02\x03\x04");
    after[19] = V("large");
    EXPECT_THAT(decode(m, full ? kFullStrUpdate : kMinStrUpdate, fde, cols),
                ElementsAreArray({kStrRow1, after}));
    EXPECT_THAT(decode(m, full ? kFullStrDelete : kMinStrDelete, fde, cols),
                ElementsAreArray({kStrRow2}));
  }
}

TEST_F(BinlogCapturedRows, StringMetadataToColumnInfo) {
  const auto cols = bl::columns_from_metadata(map(kFullStrMap, full_fde));
  EXPECT_EQ(cols[1].charset, bl::Charset::Utf8);
  EXPECT_EQ(cols[1].collation, 45u);
  EXPECT_EQ(cols[9].charset, bl::Charset::Latin1);
  EXPECT_EQ(cols[12].charset, bl::Charset::Ascii);
  EXPECT_EQ(cols[13].charset, bl::Charset::Binary);
  EXPECT_EQ(cols[24].charset, bl::Charset::Utf8);
  EXPECT_EQ(cols[19].labels, (std::vector<std::string>{"small", "medium", "large"}));
  EXPECT_EQ(cols[22].labels, numbered("v", 300));
  EXPECT_EQ(cols[23].labels, numbered("x", 64));
}

TEST_F(BinlogCapturedRows, EnumWithoutLabelsIsAClearError) {
  auto cols = str_columns();
  cols[19].labels.clear();
  cols[19].name = "e";
  const auto e = expect_error([&] { decode(kMinStrMap, kMinStrWrite, min_fde, cols); },
                              FERRY_INVALID_ARGUMENT);
  EXPECT_THAT(e.what(), ::testing::HasSubstr("ferry_binlog_capture.t_str, column #20 `e` (ENUM)"));
  EXPECT_THAT(e.what(), ::testing::HasSubstr("no labels"));
}

// ---- DATE, DATETIME, TIMESTAMP, TIME, YEAR --------------------------------------------------

Row time_row(const char* id, Cell d, std::vector<Cell> dt, std::vector<Cell> ts,
             std::vector<Cell> tm, Cell y) {
  Row r{V(id), d};
  r.insert(r.end(), dt.begin(), dt.end());
  r.insert(r.end(), ts.begin(), ts.end());
  r.insert(r.end(), tm.begin(), tm.end());
  r.push_back(y);
  return r;
}
std::vector<Cell> x7(Cell c) {
  return std::vector<Cell>(7, c);
}

const Row kTimeRow1 = time_row("1", V("0000-00-00"), x7(V("0000-00-00T00:00:00")),
                               x7(V("0000-00-00T00:00:00Z")), x7(V("-838:59:59")), V("0"));
const Row kTimeRow2 = time_row("2", V("1000-01-01"), x7(V("1000-01-01T00:00:00")),
                               x7(V("1970-01-01T00:00:01Z")), x7(V("838:59:59")), V("1901"));
// MariaDB truncates the extra fraction digits for lower precisions.
const Row kTimeRow3 =
    time_row("3", V("9999-12-31"),
             {V("9999-12-31T23:59:59"), V("9999-12-31T23:59:59.9"), V("9999-12-31T23:59:59.99"),
              V("9999-12-31T23:59:59.999"), V("9999-12-31T23:59:59.9999"),
              V("9999-12-31T23:59:59.99999"), V("9999-12-31T23:59:59.999999")},
             {V("2038-01-19T03:14:07Z"), V("2038-01-19T03:14:07.9Z"), V("2038-01-19T03:14:07.99Z"),
              V("2038-01-19T03:14:07.999Z"), V("2038-01-19T03:14:07.9999Z"),
              V("2038-01-19T03:14:07.99999Z"), V("2038-01-19T03:14:07.999999Z")},
             // -00:00:00.000001 truncated to 0 below TIME(6)
             {V("0:00:00"), V("0:00:00"), V("0:00:00"), V("0:00:00"), V("0:00:00"), V("0:00:00"),
              V("-0:00:00.000001")},
             V("2155"));
const Row kTimeRow4 =
    time_row("4", V("2024-00-15"),  // partial zero dates pass through digit for digit
             {V("2024-00-15T10:20:30"), V("2024-00-15T10:20:30.2"), V("2024-00-15T10:20:30.25"),
              V("2024-00-15T10:20:30.25"), V("2024-00-15T10:20:30.25"), V("2024-00-15T10:20:30.25"),
              V("2024-00-15T10:20:30.25")},
             {V("2024-02-29T12:34:56Z"), V("2024-02-29T12:34:56.5Z"), V("2024-02-29T12:34:56.5Z"),
              V("2024-02-29T12:34:56.5Z"), V("2024-02-29T12:34:56.5Z"), V("2024-02-29T12:34:56.5Z"),
              V("2024-02-29T12:34:56.5Z")},
             {V("-1:02:03"), V("-1:02:03.5"), V("-1:02:03.5"), V("-1:02:03.5"), V("-1:02:03.5"),
              V("-1:02:03.5"), V("-1:02:03.5")},
             V("2024"));
const Row kTimeRow5 =
    time_row("5", V("2024-02-29"),
             {V("2024-01-31T08:30:00"), V("2024-01-31T08:30:00"), V("2024-01-31T08:30:00"),
              V("2024-01-31T08:30:00"), V("2024-01-31T08:30:00"), V("2024-01-31T08:30:00"),
              V("2024-01-31T08:30:00.000001")},
             {V("2001-02-03T04:05:06Z"), V("2001-02-03T04:05:06Z"), V("2001-02-03T04:05:06Z"),
              V("2001-02-03T04:05:06Z"), V("2001-02-03T04:05:06Z"), V("2001-02-03T04:05:06Z"),
              V("2001-02-03T04:05:06.000001Z")},
             {V("12:34:56"), V("12:34:56.1"), V("12:34:56.12"), V("12:34:56.123"),
              V("12:34:56.1234"), V("12:34:56.12345"), V("12:34:56.123456")},
             V("2000"));
const Row kTimeRow6 = time_row("6", N, x7(N), x7(N),
                               {V("0:00:00"), V("-0:00:00.5"), V("-0:00:00.5"), V("-0:00:00.5"),
                                V("-0:00:00.5"), V("-0:00:00.5"), V("-0:00:00.5")},
                               N);
const Row kTimeRow7 = time_row("7", N, x7(N), x7(N), x7(V("-0:00:01")), N);
const Row kTimeRow8 = time_row("8", N, x7(N), x7(N), x7(N), N);

TEST_F(BinlogCapturedRows, Temporal) {
  for (bool full : {false, true}) {
    SCOPED_TRACE(full ? "binlog_row_metadata=FULL" : "NO_LOG");
    const auto& fde = full ? full_fde : min_fde;
    const auto cols = full ? std::vector<bl::ColumnInfo>{} : std::vector<bl::ColumnInfo>(24);
    const char* m = full ? kFullTimeMap : kMinTimeMap;
    EXPECT_THAT(decode(m, full ? kFullTimeWrite : kMinTimeWrite, fde, cols),
                ElementsAreArray({kTimeRow1, kTimeRow2, kTimeRow3, kTimeRow4, kTimeRow5, kTimeRow6,
                                  kTimeRow7, kTimeRow8}));
    Row after = kTimeRow2;
    after[8] = V("2020-01-01T00:00:00.000001");  // dt6
    after[19] = V("-0:00:00.001");               // tm3
    EXPECT_THAT(decode(m, full ? kFullTimeUpdate : kMinTimeUpdate, fde, cols),
                ElementsAreArray({kTimeRow2, after}));
    EXPECT_THAT(decode(m, full ? kFullTimeDelete : kMinTimeDelete, fde, cols),
                ElementsAreArray({kTimeRow4}));
  }
}

// ---- MariaDB UUID / INET6 (BINARY(16) in the binlog), GEOMETRY
// -----------------------------------

TEST_F(BinlogCapturedRows, UuidInet6Geometry) {
  std::vector<bl::ColumnInfo> cols(5);
  cols[1].charset = bl::Charset::Binary;
  cols[2].charset = bl::Charset::Binary;
  // UUID '123e4567-e89b-12d3-a456-426614174000' (a version-1 UUID, which MariaDB may store
  // swapped for index order) is logged in its text order.
  const std::string uuid = bytes_of({0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56,
                                     0x42, 0x66, 0x14, 0x17, 0x40, 0x00});
  const std::string inet6 =
      bytes_of({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01});
  // WKB (little-endian): LINESTRING(0 0,1 1) and POINT(1 2), the SRID dropped.
  const std::string line = bytes_of({1, 2, 0, 0, 0, 2, 0, 0, 0}) + std::string(16, '\0') +
                           bytes_of({0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f});
  const std::string point =
      bytes_of({1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40});
  const std::vector<Row> want = {{V("1"), V(uuid), V(inet6), V(line), V(point)},
                                 {V("2"), N, N, N, N}};
  EXPECT_THAT(decode(kMinExtMap, kMinExtWrite, min_fde, cols), ElementsAreArray(want));
  EXPECT_THAT(decode(kFullExtMap, kFullExtWrite, full_fde), ElementsAreArray(want));
}

TEST_F(BinlogCapturedRows, AriaTable) {
  EXPECT_THAT(decode(kFullAriaMap, kFullAriaWrite, full_fde),
              ElementsAreArray({Row{V("1"), V("x")}}));
}

// ---- MariaDB's pre-10.1 temporal format (mysql56_temporal_format=OFF)
// ----------------------------

TEST_F(BinlogCapturedRows, MariaDbOldTemporalFormat) {
  // The TABLE_MAP says TIME / DATETIME / TIMESTAMP with no precision even for TIME(3) etc.: the
  // precision comes from the schema.
  RawEvent fe(kOldFde, nullptr);
  const auto fde = bl::parse_format_description(fe.ev());
  const auto tm = map(kOldMap, fde);
  EXPECT_EQ(tm.types, (std::vector<uint8_t>{bl::TYPE_LONG, bl::TYPE_DATE, bl::TYPE_DATETIME,
                                            bl::TYPE_DATETIME, bl::TYPE_DATETIME,
                                            bl::TYPE_TIMESTAMP, bl::TYPE_TIMESTAMP, bl::TYPE_TIME,
                                            bl::TYPE_TIME, bl::TYPE_TIME, bl::TYPE_TIME}));
  EXPECT_EQ(tm.meta, std::vector<uint16_t>(11, 0));
  std::vector<bl::ColumnInfo> cols(11);
  // id d dt0 dt3 dt6 ts0 ts2 tm0 tm1 tm3 tm6
  const uint8_t precision[] = {0, 0, 0, 3, 6, 0, 2, 0, 1, 3, 6};
  for (size_t i = 0; i < cols.size(); ++i) cols[i].temporal_precision = precision[i];
  const std::vector<Row> want = {
      {V("1"), V("0000-00-00"), V("0000-00-00T00:00:00"), V("0000-00-00T00:00:00"),
       V("0000-00-00T00:00:00"), V("0000-00-00T00:00:00Z"), V("0000-00-00T00:00:00Z"),
       V("-838:59:59"), V("-838:59:59"), V("-838:59:59"), V("-838:59:59")},
      {V("2"), V("2024-01-31"), V("2024-01-31T08:30:00"), V("2024-01-31T08:30:00.125"),
       V("2024-01-31T08:30:00.123456"), V("2024-01-31T08:30:00Z"), V("2024-01-31T08:30:00.5Z"),
       V("-1:02:03"), V("-1:02:03.5"), V("-1:02:03.5"), V("-1:02:03.5")},
      {V("3"), V("9999-12-31"), V("9999-12-31T23:59:59"), V("9999-12-31T23:59:59.999"),
       V("9999-12-31T23:59:59.999999"), V("2038-01-19T03:14:07Z"), V("2038-01-19T03:14:07.99Z"),
       V("838:59:59"), V("838:59:59.9"), V("838:59:59.999"), V("838:59:59.999999")},
      {V("4"), V("2024-00-15"), V("2024-00-15T10:20:30"), V("2024-00-15T10:20:30.25"),
       V("2024-00-15T10:20:30.25"), V("1970-01-01T00:00:01Z"), V("1970-01-01T00:00:01.01Z"),
       V("0:00:00"), V("-0:00:00.5"), V("-0:00:00.001"), V("-0:00:00.000001")},
      {V("5"), N, N, N, N, N, N, N, N, N, N},
  };
  keep_.emplace_back(kOldWrite, &fde);
  EXPECT_THAT(decode_all(tm, cols, bl::parse_rows(keep_.back().ev(), fde)), ElementsAreArray(want));
}

// ---- the BatchBuilder path ------------------------------------------------------------------

TEST_F(BinlogCapturedRows, BatchBuilderPath) {
  const auto tm = map(kFullTimeMap, full_fde);
  const auto cols = bl::columns_from_metadata(tm);
  const auto tmi = map(kFullIntMap, full_fde);
  const auto colsi = bl::columns_from_metadata(tmi);
  keep_.emplace_back(kFullIntUpdateMinimal, &full_fde);
  const auto re = bl::parse_rows(keep_.back().ev(), full_fde);

  ferry::TableSchema schema{"ferry_binlog_capture", "t_int", {}};
  schema.columns.resize(12);
  auto b = ferry::BatchBuilder::changes({ferry::make_table(schema)});
  size_t off = 0;
  const uint64_t first_before = b.next_cell();
  off += bl::decode_row(tmi, colsi, re.present, re.rows.subspan(off), b, re.event_type);
  const uint64_t first_after = b.next_cell();
  off += bl::decode_row(tmi, colsi, re.present_after, re.rows.subspan(off), b);
  EXPECT_EQ(off, re.rows.size());
  b.add_record(FERRY_OP_UPDATE, 0, first_before, first_after, 1, 0);
  const auto batch = ferry::OwnedBatch::from(std::move(b));
  const ferry::BatchView v(batch.get());
  ASSERT_EQ(v.cell_count(), 24u);
  EXPECT_EQ(v.cell(first_before, 0).data, "1");
  EXPECT_EQ(v.cell(first_before, 0).flags, 0);
  EXPECT_EQ(v.cell(first_before, 1).flags, FERRY_CELL_DEFAULT);
  EXPECT_EQ(v.cell(first_after, 7).data, "7");
  EXPECT_EQ(v.cell(first_after, 0).flags, FERRY_CELL_DEFAULT);

  // NULLs through the batch.
  keep_.emplace_back(kFullTimeWrite, &full_fde);
  const auto rt = bl::parse_rows(keep_.back().ev(), full_fde);
  ferry::TableSchema ts{"ferry_binlog_capture", "t_time", {}};
  ts.columns.resize(24);
  auto rb = ferry::BatchBuilder::rows(ferry::make_table(ts));
  off = 0;
  while (off < rt.rows.size())
    off += bl::decode_row(tm, cols, rt.present, rt.rows.subspan(off), rb);
  EXPECT_EQ(rb.record_count(), 8u);
  const auto rows = ferry::OwnedBatch::from(std::move(rb));
  const ferry::BatchView rv(rows.get());
  EXPECT_EQ(rv.cell(0 * 24 + 22).data, "-838:59:59");
  EXPECT_EQ(rv.cell(2 * 24 + 22).data, "-0:00:00.000001");
  EXPECT_TRUE(rv.cell(7 * 24 + 1).is_null());
}

}  // namespace
}  // namespace ferry_test
