// MySQL binary JSON → text, on hand-built documents covering every value type and form.
#include "binlog/json_binary.hpp"

#include "unit/mysql_binlog/binlog_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace ferry_test {
namespace {

std::string text(std::string_view hex) {
  std::string out;
  bl::json_binary_to_text(unhex(hex), out);
  return out;
}

std::string dbl(double d) {
  Bytes b;
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof d);
  b.u8(0x0b).le(bits, 8);
  std::string out;
  bl::json_binary_to_text(b.b, out);
  return out;
}

TEST(BinlogJsonBinary, Literals) {
  EXPECT_EQ(text("0400"), "null");
  EXPECT_EQ(text("0401"), "true");
  EXPECT_EQ(text("0402"), "false");
  EXPECT_EQ(text(""), "null");  // an empty value (MySQL's JSON null of a non-strict insert)
}

TEST(BinlogJsonBinary, Integers) {
  EXPECT_EQ(text("05ffff"), "-1");
  EXPECT_EQ(text("050080"), "-32768");
  EXPECT_EQ(text("06ffff"), "65535");
  EXPECT_EQ(text("0700000080"), "-2147483648");
  EXPECT_EQ(text("08ffffffff"), "4294967295");
  EXPECT_EQ(text("090000000000000080"), "-9223372036854775808");
  EXPECT_EQ(text("09ffffffffffffff7f"), "9223372036854775807");
  EXPECT_EQ(text("0affffffffffffffff"), "18446744073709551615");
}

TEST(BinlogJsonBinary, Doubles) {
  EXPECT_EQ(dbl(2.5), "2.5");
  EXPECT_EQ(dbl(3.0), "3.0");  // MySQL marks integral doubles
  EXPECT_EQ(dbl(-0.1), "-0.1");
  EXPECT_EQ(dbl(0.0), "0.0");
  EXPECT_EQ(dbl(-0.0), "-0.0");
  EXPECT_EQ(dbl(0.000001), "0.000001");
  EXPECT_EQ(dbl(1e-7), "0.0000001");
  EXPECT_EQ(dbl(1e-15), "0.000000000000001");  // decpt -14: the last fixed one
  EXPECT_EQ(dbl(1.5e-16), "1.5e-16");
  EXPECT_EQ(dbl(1e14), "100000000000000.0");
  EXPECT_EQ(dbl(1e15), "1e15");                              // decpt 16 beyond 15 with 1 digit
  EXPECT_EQ(dbl(1234567890123456.7), "1234567890123456.8");  // decpt 16 inside 17 digits
  EXPECT_EQ(dbl(1e300), "1e300");
  EXPECT_EQ(dbl(-1.5e-300), "-1.5e-300");
  EXPECT_EQ(dbl(123456.789), "123456.789");
  EXPECT_EQ(dbl(-1e100), "-1e100");
  EXPECT_EQ(dbl(1.7976931348623157e308), "1.7976931348623157e308");
}

TEST(BinlogJsonBinary, Strings) {
  EXPECT_EQ(text("0c0568656c6c6f"), "\"hello\"");
  EXPECT_EQ(text("0c00"), "\"\"");
  // " \ newline tab 0x01 é: escaped as MySQL does, UTF-8 kept raw.
  EXPECT_EQ(text("0c0a"
                 "61225c0a0901"
                 "c3a9"
                 "2f62"),
            "\"a\\\"\\\\\\n\\t\\u0001\xC3\xA9/b\"");
  // A 200-byte string: a 2-byte variable-length length (0xC8 0x01).
  std::string want = "\"" + std::string(200, 'w') + "\"";
  std::string hex = "0cc801";
  for (int i = 0; i < 200; ++i) hex += "77";
  EXPECT_EQ(text(hex), want);
}

TEST(BinlogJsonBinary, SmallArrayOfEveryInlineAndOffsetKind) {
  // [1, "x", null, true, 2.5, [], {}]
  const std::string hex =
      "02"
      "0700"
      "2b00"  // 7 elements, 43 bytes
      "050100"
      "0c1900"
      "040000"
      "040100"
      "0b1b00"
      "022300"
      "002700"            // value entries
      "0178"              // "x" at 25
      "0000000000000440"  // 2.5 at 27
      "00000400"          // [] at 35
      "00000400";         // {} at 39
  EXPECT_EQ(text(hex), "[1, \"x\", null, true, 2.5, [], {}]");
}

TEST(BinlogJsonBinary, LargeObjectWithInlined32BitValues) {
  // {"k1": 4294967295, "k2": -2147483648} in the large form (4-byte counts and offsets; int32
  // and uint32 inline).
  const std::string hex =
      "01"
      "02000000"
      "22000000"  // 2 members, 34 bytes
      "1e0000000200"
      "200000000200"  // keys at 30 and 32, length 2
      "08ffffffff"
      "0700000080"  // inline uint32, int32
      "6b31"
      "6b32";
  EXPECT_EQ(text(hex), "{\"k1\": 4294967295, \"k2\": -2147483648}");
}

TEST(BinlogJsonBinary, LargeArray) {
  // [-2, 70000] large: int16 inline, int32 inline.
  const std::string hex =
      "03"
      "02000000"
      "12000000"
      "05feff0000"
      "0770110100";
  EXPECT_EQ(text(hex), "[-2, 70000]");
}

TEST(BinlogJsonBinary, NestedObject) {
  // {"a": {"b": [1, 2]}, "c": "d"}
  const std::string hex =
      "00"
      "0200"
      "2c00"  // 2 members, 44 bytes
      "12000100"
      "13000100"  // keys "a" at 18, "c" at 19
      "001400"
      "0c2a00"  // object at 20, string at 42
      "61"
      "63"  // keys
      "0100"
      "1600"
      "0b000100"
      "020c00"
      "62"  // {"b": ...} (22 bytes), array at 12
      "0200"
      "0a00"
      "050100"
      "050200"  // [1, 2]
      "0164";   // "d"
  EXPECT_EQ(text(hex), "{\"a\": {\"b\": [1, 2]}, \"c\": \"d\"}");
}

TEST(BinlogJsonBinary, OpaqueValues) {
  // DECIMAL(5,2) 123.45 and DECIMAL(3,2) -1.50: precision, scale, binary decimal.
  EXPECT_EQ(text("0ff6"
                 "05"
                 "0502807b2d"),
            "123.45");
  EXPECT_EQ(text("0ff6"
                 "04"
                 "03027ecd"),
            "-1.50");
  // DATE / DATETIME / TIME: MySQL's packed longlongs, printed as strings with 6 fraction digits.
  EXPECT_EQ(text("0f0a"
                 "08"
                 "00000000001e9519"),
            "\"2015-01-15\"");
  EXPECT_EQ(text("0f0c"
                 "08"
                 "20a10719761f9519"),
            "\"2015-01-15 23:24:25.500000\"");
  EXPECT_EQ(text("0f07"
                 "08"
                 "20a10719761f9519"),
            "\"2015-01-15 23:24:25.500000\"");
  EXPECT_EQ(text("0f0b"
                 "08"
                 "ffffff4737ffffff"),
            "\"-12:34:56.000001\"");
  // Anything else: MySQL's base64 form.
  EXPECT_EQ(text("0f0f"
                 "02"
                 "0102"),
            "\"base64:type15:AQI=\"");
  EXPECT_EQ(text("0ffc"
                 "03"
                 "616263"),
            "\"base64:type252:YWJj\"");
  EXPECT_EQ(text("0ffc"
                 "00"),
            "\"base64:type252:\"");
}

TEST(BinlogJsonBinary, MalformedDocumentsAreDataLoss) {
  for (const char* hex : {
           "05ff",          // truncated int16
           "0403",          // bad literal
           "0d00",          // unknown type
           "0c05616263",    // string longer than the document
           "0cffffffffff",  // variable length of 6 bytes
           "020100",        // truncated array header
           "0201000800"
           "050100",  // size beyond the document
           "020100"
           "0700"
           "0c0900",  // value offset outside the container
           "00"
           "0100"
           "0b00"
           "14000100"
           "050100",  // key outside the object
           "0ff6"
           "01"
           "00",  // opaque DECIMAL without its bytes
           "0f0a"
           "02"
           "0000",  // opaque DATE of 2 bytes
           "0ff6"
           "04"
           "4302"
           "00ff",  // opaque DECIMAL(67,2): invalid precision
       }) {
    SCOPED_TRACE(hex);
    std::string out;
    expect_error([&] { bl::json_binary_to_text(unhex(hex), out); }, FERRY_DATA_LOSS);
  }
}

TEST(BinlogJsonBinary, DeepNestingIsRefusedNotOverflowed) {
  // 200 nested one-element arrays: [[[...]]]
  std::vector<uint8_t> doc;
  std::vector<uint8_t> inner = {0x00, 0x00, 0x04, 0x00};  // []
  for (int i = 0; i < 200; ++i) {
    const auto size = static_cast<uint16_t>(4 + 3 + inner.size());
    std::vector<uint8_t> outer = {
        0x01, 0x00, static_cast<uint8_t>(size & 0xff), static_cast<uint8_t>(size >> 8), 0x02,
        0x07, 0x00};
    outer.insert(outer.end(), inner.begin(), inner.end());
    inner = std::move(outer);
  }
  doc.push_back(0x02);
  doc.insert(doc.end(), inner.begin(), inner.end());
  std::string out;
  const auto e = expect_error([&] { bl::json_binary_to_text(doc, out); }, FERRY_DATA_LOSS);
  EXPECT_THAT(e.what(), ::testing::HasSubstr("deeper than 150"));
}

TEST(BinlogJsonBinary, MutatedDocumentsNeverCrash) {
  // Byte flips and truncations of valid documents: text or FERRY_DATA_LOSS, never a crash or
  // an out-of-bounds read (ASan in scripts/test.sh).
  const std::vector<std::string> docs = {
      "02"
      "0700"
      "2b00"
      "050100"
      "0c1900"
      "040000"
      "040100"
      "0b1b00"
      "022300"
      "002700"
      "0178"
      "0000000000000440"
      "00000400"
      "00000400",
      "01"
      "02000000"
      "22000000"
      "1e0000000200"
      "200000000200"
      "08ffffffff"
      "0700000080"
      "6b31"
      "6b32",
      "00"
      "0200"
      "2c00"
      "12000100"
      "13000100"
      "001400"
      "0c2a00"
      "61"
      "63"
      "0100"
      "1600"
      "0b000100"
      "020c00"
      "62"
      "0200"
      "0a00"
      "050100"
      "050200"
      "0164",
      "0ff6"
      "05"
      "0502807b2d",
  };
  std::mt19937 rng(7);
  size_t ok = 0, errors = 0;
  for (const auto& hex : docs) {
    const auto doc = unhex(hex);
    for (int i = 0; i < 3000; ++i) {
      auto d = doc;
      d[rng() % d.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      if (i % 5 == 0) d.resize(rng() % d.size());
      std::string out;
      try {
        bl::json_binary_to_text(d, out);
        ++ok;
      } catch (const ferry::Error& e) {
        EXPECT_EQ(e.status(), FERRY_DATA_LOSS);
        ++errors;
      }
    }
  }
  EXPECT_GT(ok, 0u);
  EXPECT_GT(errors, 0u);
}

}  // namespace
}  // namespace ferry_test
