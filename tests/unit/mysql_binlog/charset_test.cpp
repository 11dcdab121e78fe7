// Collation ids → charsets, and MySQL latin1 (cp1252) → UTF-8.
#include "binlog/charset.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ferry_test {
namespace {

namespace bl = ferry::mysql::binlog;

TEST(BinlogCharset, CollationIds) {
  EXPECT_EQ(bl::charset_of_collation(45), bl::Charset::Utf8);      // utf8mb4_general_ci
  EXPECT_EQ(bl::charset_of_collation(46), bl::Charset::Utf8);      // utf8mb4_bin
  EXPECT_EQ(bl::charset_of_collation(33), bl::Charset::Utf8);      // utf8mb3_general_ci
  EXPECT_EQ(bl::charset_of_collation(255), bl::Charset::Utf8);     // utf8mb4_0900_ai_ci
  EXPECT_EQ(bl::charset_of_collation(323), bl::Charset::Utf8);     // MySQL 8 range
  EXPECT_EQ(bl::charset_of_collation(2304), bl::Charset::Utf8);    // MariaDB uca1400
  EXPECT_EQ(bl::charset_of_collation(8), bl::Charset::Latin1);     // latin1_swedish_ci
  EXPECT_EQ(bl::charset_of_collation(47), bl::Charset::Latin1);    // latin1_bin
  EXPECT_EQ(bl::charset_of_collation(1032), bl::Charset::Latin1);  // latin1_swedish_nopad_ci
  EXPECT_EQ(bl::charset_of_collation(63), bl::Charset::Binary);
  EXPECT_EQ(bl::charset_of_collation(11), bl::Charset::Ascii);
  EXPECT_EQ(bl::charset_of_collation(65), bl::Charset::Ascii);
  EXPECT_EQ(bl::charset_of_collation(28), bl::Charset::Other);  // gbk
  EXPECT_EQ(bl::charset_of_collation(0), bl::Charset::Other);
  EXPECT_EQ(bl::charset_of_collation(60000), bl::Charset::Other);
  EXPECT_EQ(bl::charset_name_of_collation(28), "gbk");
  EXPECT_EQ(bl::charset_name_of_collation(60000), "");
}

TEST(BinlogCharset, Latin1IsCp1252AsMySqlMapsIt) {
  // Every byte 0x80-0x9F, as SELECT HEX(CONVERT(_latin1 X'80..9F' USING utf8mb4)) gives on
  // MariaDB 10.11: the 5 bytes cp1252 leaves undefined map to the C1 controls.
  const char32_t want[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                             0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                             0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                             0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  for (int b = 0; b < 256; ++b) {
    const char32_t expect = (b >= 0x80 && b < 0xA0) ? want[b - 0x80] : static_cast<char32_t>(b);
    EXPECT_EQ(bl::latin1_code_point(static_cast<uint8_t>(b)), expect) << b;
  }
  std::string out;
  bl::latin1_to_utf8("caf\xE9 \x80 \x81 \xFF \x9F", out);
  EXPECT_EQ(out, "caf\xC3\xA9 \xE2\x82\xAC \xC2\x81 \xC3\xBF \xC5\xB8");
  out.clear();
  bl::latin1_to_utf8(std::string("a\0b", 3), out);
  EXPECT_EQ(out, std::string("a\0b", 3));
}

TEST(BinlogCharset, IsAscii) {
  EXPECT_TRUE(bl::is_ascii(""));
  EXPECT_TRUE(bl::is_ascii("plain text, longer than eight bytes"));
  EXPECT_FALSE(bl::is_ascii("plain text, longer than eight bytes\x80"));
  EXPECT_FALSE(bl::is_ascii("\xE9"));
}

}  // namespace
}  // namespace ferry_test
