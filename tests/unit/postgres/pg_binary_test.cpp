// PostgreSQL's binary COPY format ↔ canonical text (pg_binary.hpp), per type and edge value.
// Source side: every binary value is checked against the text decoder's output for the same
// value as PostgreSQL prints it (the text Decoder is the spec). Destination side: the bytes
// each encoder writes (as PostgreSQL's send functions lay them out), the decoders read them back
// to the same canonical text, and refusals name the column and value as the text path does.
#include <gtest/gtest.h>

#include "pg_binary.hpp"
#include "pg_test_util.hpp"
#include "pg_values.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace ferry::pg {
namespace {

using testing::expect_error;
using testing::put_be;

std::string be(uint64_t v, int n) {
  std::string s;
  put_be(s, v, n);
  return s;
}
std::string f4(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return be(u, 4);
}
std::string f8(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return be(u, 8);
}
// numeric_send: ndigits, weight, sign, dscale, base-10000 digits.
std::string numeric(int16_t weight, uint16_t sign, uint16_t dscale, std::vector<uint16_t> digits) {
  std::string s =
      be(digits.size(), 2) + be(static_cast<uint16_t>(weight), 2) + be(sign, 2) + be(dscale, 2);
  for (const uint16_t d : digits) s += be(d, 2);
  return s;
}
std::string bits(uint32_t n, std::vector<int> bytes) {
  std::string s = be(n, 4);
  for (const int b : bytes) s += static_cast<char>(b);
  return s;
}
std::string interval(int64_t us, int32_t days, int32_t months) {
  return be(static_cast<uint64_t>(us), 8) + be(static_cast<uint32_t>(days), 4) +
         be(static_cast<uint32_t>(months), 4);
}
std::string timetz(int64_t us, int32_t zone_west) {
  return be(static_cast<uint64_t>(us), 8) + be(static_cast<uint32_t>(zone_west), 4);
}
// array_send: ndim, has-nulls, element type, (size, lower bound) per dimension, elements.
std::string array(uint32_t element_oid, std::vector<std::pair<int32_t, int32_t>> dims,
                  std::vector<std::optional<std::string>> elements) {
  std::string s = be(dims.size(), 4) + be(0, 4) + be(element_oid, 4);
  for (const auto& [size, lower] : dims) {
    s += be(static_cast<uint32_t>(size), 4) + be(static_cast<uint32_t>(lower), 4);
  }
  for (const auto& e : elements) {
    s += e ? be(e->size(), 4) + *e : be(0xFFFFFFFF, 4);
  }
  return s;
}

BinaryDecoder bin_decoder(uint32_t type_oid, int32_t typmod = -1,
                          const TypeCatalog* catalog = nullptr) {
  const auto d = binary_decoder_for(type_oid, decoder_for(type_oid, typmod, catalog), catalog);
  EXPECT_TRUE(d.has_value()) << type_oid;
  return d.value_or(BinaryDecoder{});
}

std::string from_binary(const BinaryDecoder& d, const std::string& value) {
  std::string out = "prefix:", why;
  EXPECT_TRUE(binary_to_canonical(d, value, out, &why)) << why;
  EXPECT_EQ(out.substr(0, 7), "prefix:");
  return out.substr(7);
}
std::string from_text(uint32_t type_oid, int32_t typmod, std::string_view text,
                      const TypeCatalog* catalog = nullptr) {
  std::string out, why;
  EXPECT_TRUE(to_canonical(decoder_for(type_oid, typmod, catalog), text, out, &why)) << why;
  return out;
}

// The binary value decodes to what the text decoder makes of PostgreSQL's text of it.
void same(uint32_t type_oid, const std::string& binary, std::string_view pg_text,
          int32_t typmod = -1, const TypeCatalog* catalog = nullptr) {
  const std::string want = from_text(type_oid, typmod, pg_text, catalog);
  EXPECT_EQ(from_binary(bin_decoder(type_oid, typmod, catalog), binary), want)
      << "type " << type_oid << ", PostgreSQL text '" << pg_text << "'";
}

// The time-only interval decoder (Form::Interval) and its binary twin: interval columns get
// Form::IntervalIso, which has no binary decoder (they are read as interval_out's text), but
// BinForm::Interval still pairs with Form::Interval.
const Decoder kTimeOnlyInterval{Form::Interval, FERRY_TYPE_INTERVAL};
BinaryDecoder interval_decoder() {
  const auto d = binary_decoder_for(oid::kInterval, kTimeOnlyInterval, nullptr);
  EXPECT_TRUE(d.has_value());
  return d.value_or(BinaryDecoder{});
}
void same_interval(const std::string& binary, std::string_view pg_text) {
  std::string want, why;
  EXPECT_TRUE(to_canonical(kTimeOnlyInterval, pg_text, want, &why)) << why;
  EXPECT_EQ(from_binary(interval_decoder(), binary), want) << "interval '" << pg_text << "'";
}

// ---- binary → canonical ----------------------------------------------------------------------

TEST(PgBinaryDecode, Integers) {
  same(oid::kInt2, be(0x8000, 2), "-32768");
  same(oid::kInt2, be(0x7fff, 2), "32767");
  same(oid::kInt4, be(0x80000000u, 4), "-2147483648");
  same(oid::kInt4, be(0, 4), "0");
  same(oid::kInt8, be(0x8000000000000000ull, 8), "-9223372036854775808");
  same(oid::kInt8, be(0x7fffffffffffffffull, 8), "9223372036854775807");
  same(oid::kOid, be(0xffffffffu, 4), "4294967295");
  same(oid::kBool, std::string(1, '\1'), "t");
  same(oid::kBool, std::string(1, '\0'), "f");
}

TEST(PgBinaryDecode, Floats) {
  same(oid::kFloat4, f4(std::numeric_limits<float>::quiet_NaN()), "NaN");
  same(oid::kFloat4, f4(std::numeric_limits<float>::infinity()), "Infinity");
  same(oid::kFloat4, f4(-std::numeric_limits<float>::infinity()), "-Infinity");
  same(oid::kFloat4, f4(-0.0f), "-0");
  same(oid::kFloat4, f4(1.00000012f), "1.0000001");
  same(oid::kFloat4, f4(1e-45f), "1e-45");
  same(oid::kFloat4, f4(3.4028235e38f), "3.4028235e+38");
  same(oid::kFloat8, f8(std::nan("")), "NaN");
  same(oid::kFloat8, f8(-0.0), "-0");
  same(oid::kFloat8, f8(0.1), "0.1");
  same(oid::kFloat8, f8(5e-324), "5e-324");
  same(oid::kFloat8, f8(1.7976931348623157e308), "1.7976931348623157e+308");
  same(oid::kFloat8, f8(-std::numeric_limits<double>::infinity()), "-Infinity");
}

TEST(PgBinaryDecode, NumericKeepsItsDisplayScale) {
  same(oid::kNumeric, numeric(0, 0xC000, 0, {}), "NaN");
  same(oid::kNumeric, numeric(0, 0xD000, 0, {}), "Infinity");
  same(oid::kNumeric, numeric(0, 0xF000, 0, {}), "-Infinity");
  same(oid::kNumeric, numeric(0, 0, 0, {}), "0");
  same(oid::kNumeric, numeric(0, 0, 3, {}), "0.000");
  same(oid::kNumeric, numeric(-1, 0x4000, 4, {5}), "-0.0005");
  same(oid::kNumeric, numeric(-2, 0, 20, {1}), "0.00000001000000000000");
  same(oid::kNumeric, numeric(1, 0, 1, {1234, 5678, 9000}), "12345678.9");
  same(oid::kNumeric, numeric(1, 0, 0, {1}), "10000");
  same(oid::kNumeric, numeric(1, 0x4000, 4, {9999, 9999, 9999}), "-99999999.9999");
  same(oid::kNumeric,
       numeric(7, 0x4000, 9, {12, 3456, 7890, 1234, 5678, 9012, 3456, 7890, 1234, 5678, 9000}),
       "-123456789012345678901234567890.123456789");
  expect_error([&] { from_binary(bin_decoder(oid::kNumeric), numeric(0, 0x1234, 0, {})); },
               FERRY_DATA_LOSS, {"numeric"});
  expect_error([&] { from_binary(bin_decoder(oid::kNumeric), numeric(0, 0, 0, {10000})); },
               FERRY_DATA_LOSS, {"numeric"});
}

TEST(PgBinaryDecode, TextLikeValues) {
  same(oid::kText, "line1\nline2\ttab\\", "line1\nline2\ttab\\");
  same(oid::kVarchar, "", "");
  same(oid::kName, "pg_class", "pg_class");
  same(oid::kJson, "{\"b\": 1,  \"a\": 2}", "{\"b\": 1,  \"a\": 2}");
  same(oid::kJsonb, "\1{\"a\": 1}", "{\"a\": 1}");
  same(oid::kBpchar, "ab ", "ab ", 7);
  same(oid::kBpchar, "   ", "   ", 7);
  same(oid::kUuid, testing::from_hex("a0eebc999c0b4ef8bb6d6bb9bd380a11"),
       "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  same(oid::kBytea, std::string("\x00\xff\x0a\x5c", 4), "\\x00ff0a5c");
  same(oid::kBytea, "", "\\x");
  same(oid::kMacaddr, std::string("\x08\x00\x2b\x01\x02\x03", 6), "08:00:2b:01:02:03");
  EXPECT_EQ(
      from_binary(bin_decoder(oid::kMacaddr8), std::string("\x08\x00\x2b\xff\xfe\x01\x02\x03", 8)),
      "08:00:2b:ff:fe:01:02:03");
  expect_error([&] { from_binary(bin_decoder(oid::kJsonb), "\2{}"); }, FERRY_DATA_LOSS, {"jsonb"});
  expect_error([&] { from_binary(bin_decoder(oid::kUuid), "short"); }, FERRY_DATA_LOSS,
               {"uuid", "5 bytes"});
}

TEST(PgBinaryDecode, DatesAndTimestamps) {
  same(oid::kDate, be(0, 4), "2000-01-01");
  same(oid::kDate, be(0x7fffffff, 4), "infinity");
  same(oid::kDate, be(0x80000000u, 4), "-infinity");
  // 0044-03-15 BC (astronomical -43): days from 2000-01-01.
  const int64_t bc = days_from_civil(-43, 3, 15) - 10957;
  same(oid::kDate, be(static_cast<uint32_t>(bc), 4), "0044-03-15 BC");
  same(oid::kDate, be(static_cast<uint32_t>(days_from_civil(0, 1, 1) - 10957), 4), "0001-01-01 BC");
  same(oid::kDate, be(static_cast<uint32_t>(days_from_civil(10000, 1, 1) - 10957), 4),
       "10000-01-01");
  same(oid::kDate, be(static_cast<uint32_t>(-2451545), 4), "4714-11-24 BC");
  const int64_t day = 86400000000;
  same(oid::kTimestamp, be(0x7fffffffffffffffull, 8), "infinity");
  same(oid::kTimestamp, be(0x8000000000000000ull, 8), "-infinity");
  same(oid::kTimestamp, be(static_cast<uint64_t>(-1), 8), "1999-12-31 23:59:59.999999");
  same(oid::kTimestamp, be(static_cast<uint64_t>(bc * day + 30600500000), 8),
       "0044-03-15 08:30:00.5 BC");
  same(oid::kTimestamp, be(static_cast<uint64_t>(9224318015999999999ull - 946684800000000ull), 8),
       "294276-12-31 23:59:59.999999");
  same(oid::kTimestamptz, be(static_cast<uint64_t>(-211813488000000000), 8),
       "4714-11-24 00:00:00+00 BC");
  same(oid::kTimestamptz, be(static_cast<uint64_t>(1 * day + 45296250000), 8),
       "2000-01-02 12:34:56.25+00");
  same(oid::kTimestamptz, be(static_cast<uint64_t>(1 * day), 8), "2000-01-02 05:30:00+05:30");
}

TEST(PgBinaryDecode, TimesAndIntervals) {
  same(oid::kTime, be(0, 8), "00:00:00");
  same(oid::kTime, be(86400000000ull, 8), "24:00:00");
  same(oid::kTime, be(30600000001ull, 8), "08:30:00.000001");
  // timetz: the zone is in seconds WEST of UTC, the text shows the offset east.
  same(oid::kTimetz, timetz(30600000000, -7200), "08:30:00+02");
  same(oid::kTimetz, timetz(30600000000, 19800), "08:30:00-05:30");
  same(oid::kTimetz, timetz(30600500000, -19815), "08:30:00.5+05:30:15");
  same(oid::kTimetz, timetz(0, 0), "00:00:00+00");
  same_interval(interval(-500000, 0, 0), "-00:00:00.5");
  same_interval(interval(0, 0, 0), "00:00:00");
  same_interval(interval(3020399000001, 0, 0), "838:59:59.000001");
  same_interval(interval(std::numeric_limits<int64_t>::max(), 0, 0), "2562047788:00:54.775807");
  same_interval(interval(-std::numeric_limits<int64_t>::max(), 0, 0), "-2562047788:00:54.775807");
  std::string out = "keep", why;
  EXPECT_FALSE(binary_to_canonical(interval_decoder(), interval(14706000000, 3, 14), out, &why));
  EXPECT_EQ(out, "keep");
  EXPECT_NE(why.find("year, month or day"), std::string::npos) << why;
  EXPECT_NE(why.find("1 year 2 mons 3 days 04:05:06"), std::string::npos) << why;
}

TEST(PgBinaryDecode, Bits) {
  same(oid::kBit, bits(8, {0x05}), "00000101", 8);
  same(oid::kBit, bits(5, {0xf8}), "11111", 5);
  same(oid::kBit, bits(64, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), std::string(64, '1'),
       64);
  same(oid::kBit, bits(65, {0x80, 0, 0, 0, 0, 0, 0, 0, 0x80}), "1" + std::string(63, '0') + "1",
       65);
  same(oid::kVarbit, bits(3, {0xa0}), "101");
  same(oid::kVarbit, bits(0, {}), "");
  expect_error([&] { from_binary(bin_decoder(oid::kVarbit), bits(9, {0xff})); }, FERRY_DATA_LOSS,
               {"bit"});
}

TEST(PgBinaryDecode, ArraysAsTheTextDecoderWritesThem) {
  const uint32_t int4_array = 1007, text_array = 1009, bytea_array = 1001, bpchar_array = 1014,
                 interval_array = 1187, float8_array = 1022;
  same(int4_array, array(oid::kInt4, {{3, 1}}, {be(1, 4), std::nullopt, be(3, 4)}), "{1,NULL,3}");
  same(int4_array, array(oid::kInt4, {}, {}), "{}");
  same(int4_array, array(oid::kInt4, {{2, 1}, {2, 1}}, {be(1, 4), be(2, 4), be(3, 4), be(4, 4)}),
       "{{1,2},{3,4}}");
  same(text_array, array(oid::kText, {{5, 1}}, {"a b", "c\"d", std::nullopt, "NULL", ""}),
       R"({"a b","c\"d",NULL,"NULL",""})");
  same(text_array, array(oid::kText, {{1, 1}}, {"tab\there\\"}), R"({"tab	here\\"})");
  same(bytea_array, array(oid::kBytea, {{2, 1}}, {std::string("\x0a\x0b", 2), ""}),
       R"({"\\x0a0b","\\x"})");
  same(bpchar_array, array(oid::kBpchar, {{1, 1}}, {"ab "}), R"({"ab "})", 7);
  same(float8_array, array(oid::kFloat8, {{2, 1}}, {f8(std::nan("")), f8(-0.0)}), "{NaN,-0}");
  std::string out = "keep", why;
  EXPECT_FALSE(binary_to_canonical(bin_decoder(int4_array),
                                   array(oid::kInt4, {{2, 0}}, {be(1, 4), be(2, 4)}), out, &why));
  EXPECT_EQ(out, "keep");
  EXPECT_NE(why.find("lower bounds"), std::string::npos) << why;
  Decoder time_only_intervals{Form::Array, FERRY_TYPE_ARRAY, Form::Interval, FERRY_TYPE_INTERVAL};
  const auto interval_elements = binary_decoder_for(interval_array, time_only_intervals, nullptr);
  ASSERT_TRUE(interval_elements.has_value());
  EXPECT_FALSE(binary_to_canonical(
      *interval_elements, array(oid::kInterval, {{1, 1}}, {interval(0, 1, 0)}), out, &why));
  EXPECT_EQ(out, "keep");
  EXPECT_NE(why.find("day part"), std::string::npos) << why;
  expect_error(
      [&] {
        from_binary(bin_decoder(int4_array), array(oid::kInt4, {{2, 1}}, {be(1, 4)}));
      },
      FERRY_DATA_LOSS, {"array"});
}

TEST(PgBinaryDecode, WhichColumnsAreDecoded) {
  TypeCatalog cat;
  cat.add(CatalogType{90001, 'e'});                  // enum
  cat.add(CatalogType{90002, 'd', oid::kInt4, -1});  // domain over int4
  cat.add(CatalogType{90003, 'b', 0, -1, 90002});    // array of that domain
  cat.add(CatalogType{90004, 'd', oid::kInet, -1});  // domain over inet
  cat.add(CatalogType{90005, 'd', 1007, -1});        // domain over int4[]
  cat.add(CatalogType{90006, 'b', 0, -1, 90005});    // array of the domain over int4[]
  cat.add(CatalogType{90007, 'r'});                  // range
  auto form = [&](uint32_t type_oid, int32_t typmod = -1) -> std::optional<BinaryDecoder> {
    return binary_decoder_for(type_oid, decoder_for(type_oid, typmod, &cat), &cat);
  };
  EXPECT_EQ(form(90001)->form, BinForm::Text);
  EXPECT_EQ(form(90002)->form, BinForm::Int4);
  EXPECT_EQ(form(90003)->form, BinForm::Array);
  EXPECT_EQ(form(90003)->element, BinForm::Int4);
  EXPECT_EQ(form(90005)->form, BinForm::Array);
  EXPECT_FALSE(form(90004));  // inet: read as inet_out's text
  EXPECT_FALSE(form(90006));  // its elements are arrays: text
  EXPECT_FALSE(form(90007));
  EXPECT_FALSE(form(oid::kInet));
  EXPECT_FALSE(form(oid::kCidr));
  EXPECT_FALSE(form(oid::kMoney));
  EXPECT_FALSE(form(oid::kXml));
  EXPECT_FALSE(form(oid::kChar));
  EXPECT_FALSE(form(oid::kPoint));
  EXPECT_FALSE(form(1041));  // inet[]
  EXPECT_EQ(form(oid::kBit, 8)->form, BinForm::Bit);
  EXPECT_EQ(form(oid::kBit, 100)->form, BinForm::BitText);
  EXPECT_EQ(form(oid::kBpchar, 7)->form, BinForm::CharTrim);
  EXPECT_EQ(form(1001)->element, BinForm::ByteaHex);
  // A decoder other than the type's own (OTHER text) is not paired with the type's binary form.
  EXPECT_FALSE(binary_decoder_for(oid::kInterval, native_decoder(), &cat));
  // Interval columns (any interval, ISO 8601 with days or months) are read as interval_out's
  // text; the time-only form still pairs with BinForm::Interval.
  EXPECT_FALSE(form(oid::kInterval));
  EXPECT_FALSE(form(1187));  // interval[]
  EXPECT_EQ(binary_decoder_for(oid::kInterval, kTimeOnlyInterval, &cat)->form, BinForm::Interval);
}

// ---- the COPY stream ---------------------------------------------------------------------------

std::string header() {
  return std::string("PGCOPY\n\xff\r\n\0", 11) + be(0, 4) + be(0, 4);
}
std::string tuple(std::vector<std::optional<std::string>> fields) {
  std::string s = be(fields.size(), 2);
  for (const auto& f : fields) s += f ? be(f->size(), 4) + *f : be(0xFFFFFFFF, 4);
  return s;
}
std::string trailer() {
  return be(0xFFFF, 2);
}
uint32_t be32_of(const BinaryField& f) {
  const auto* b = reinterpret_cast<const unsigned char*>(f.data);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}

TEST(PgBinaryCopyReader, TuplesInOneMessageEachAndAcrossMessages) {
  const std::string data = header() + tuple({be(1, 4), std::string("ab")}) +
                           tuple({be(2, 4), std::nullopt}) + tuple({be(3, 4), std::string()}) +
                           trailer();
  // Every way of cutting the stream into two messages gives the same tuples.
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    BinaryCopyReader r(2);
    std::vector<BinaryField> f;
    std::vector<std::string> got;
    const std::string parts[] = {data.substr(0, cut), data.substr(cut)};
    for (const auto& part : parts) {
      r.feed(part);
      while (r.next(f)) {
        got.push_back(std::to_string(be32_of(f[0])) + "|" +
                      (f[1].len < 0 ? std::string("NULL") : std::string(f[1].view())));
      }
    }
    EXPECT_TRUE(r.ended()) << cut;
    EXPECT_FALSE(r.pending()) << cut;
    EXPECT_EQ(got, (std::vector<std::string>{"1|ab", "2|NULL", "3|"})) << cut;
  }
}

TEST(PgBinaryCopyReader, MalformedStreamsAreDataLoss) {
  std::vector<BinaryField> f;
  {
    BinaryCopyReader r(2);
    r.feed("PGCOPY\nxxxxxxxxxxxxxxxxxxxxx");
    expect_error([&] { r.next(f); }, FERRY_DATA_LOSS, {"signature"});
  }
  {
    BinaryCopyReader r(3);
    const std::string d = header() + tuple({be(1, 4), std::string("ab")});
    r.feed(d);
    expect_error([&] { r.next(f); }, FERRY_DATA_LOSS, {"2 fields for 3 columns"});
  }
  {
    BinaryCopyReader r(1);
    const std::string d = header() + tuple({be(1, 4)}).substr(0, 5);
    r.feed(d);
    EXPECT_FALSE(r.next(f));
    EXPECT_FALSE(r.ended());
    EXPECT_TRUE(r.pending());  // cut short: the stream's end is an error
  }
}

// ---- canonical → binary ------------------------------------------------------------------------

Encoder enc(ferry_type t, int64_t length = -1) {
  return Encoder{t, FERRY_TYPE_UNKNOWN, length, "s.t.c"};
}
// The bytes of one field (without its length), checking the length prefix.
std::string encode(BinEnc k, const Encoder& e, std::string_view v) {
  std::string out = "prefix";
  append_binary_value(out, k, e, v);
  EXPECT_GE(out.size(), 10u);
  const std::string field = out.substr(6);
  const uint32_t len = static_cast<uint32_t>(
      static_cast<unsigned char>(field[0]) << 24 | static_cast<unsigned char>(field[1]) << 16 |
      static_cast<unsigned char>(field[2]) << 8 | static_cast<unsigned char>(field[3]));
  EXPECT_EQ(len, field.size() - 4) << v;
  return field.substr(4);
}
void refused(BinEnc k, const Encoder& e, std::string_view v,
             std::initializer_list<std::string_view> parts) {
  std::string out;
  expect_error([&] { append_binary_value(out, k, e, v); }, FERRY_INVALID_ARGUMENT, parts);
}
// Encoded, then decoded by the source side's decoder of the destination type.
std::string round_trip(BinEnc k, const Encoder& e, std::string_view v, uint32_t type_oid,
                       int32_t typmod = -1) {
  return from_binary(bin_decoder(type_oid, typmod), encode(k, e, v));
}

TEST(PgBinaryEncode, EncoderPerDestinationTypeAndIncomingType) {
  TypeCatalog cat;
  cat.add(CatalogType{90001, 'e'});
  cat.add(CatalogType{90002, 'd', oid::kDate, -1});
  auto k = [&](uint32_t dest, ferry_type in) { return binary_encoder_for(dest, in, &cat); };
  EXPECT_EQ(k(oid::kInt4, FERRY_TYPE_INT64), BinEnc::Int4);
  EXPECT_EQ(k(oid::kInt2, FERRY_TYPE_YEAR), BinEnc::Int2);
  EXPECT_FALSE(k(oid::kInt4, FERRY_TYPE_DECIMAL));
  EXPECT_FALSE(k(oid::kInt4, FERRY_TYPE_BOOL));
  EXPECT_EQ(k(oid::kBool, FERRY_TYPE_INT8), BinEnc::Bool);
  EXPECT_EQ(k(oid::kFloat4, FERRY_TYPE_DECIMAL), BinEnc::Float4);
  EXPECT_EQ(k(oid::kNumeric, FERRY_TYPE_INT64), BinEnc::Numeric);
  EXPECT_FALSE(k(oid::kNumeric, FERRY_TYPE_FLOAT64));
  EXPECT_EQ(k(oid::kText, FERRY_TYPE_BOOL), BinEnc::Text);
  EXPECT_EQ(k(oid::kBpchar, FERRY_TYPE_CHAR), BinEnc::Text);
  EXPECT_EQ(k(oid::kJsonb, FERRY_TYPE_JSON), BinEnc::Jsonb);
  EXPECT_EQ(k(90001, FERRY_TYPE_ENUM), BinEnc::Text);
  EXPECT_EQ(k(90002, FERRY_TYPE_DATE), BinEnc::Date);
  EXPECT_FALSE(k(90002, FERRY_TYPE_TIMESTAMP));
  EXPECT_EQ(k(oid::kBytea, FERRY_TYPE_BLOB), BinEnc::Bytea);
  EXPECT_FALSE(k(oid::kBytea, FERRY_TYPE_TEXT));  // bytea_in reads escapes: text path
  EXPECT_EQ(k(oid::kTimestamptz, FERRY_TYPE_TIMESTAMP), BinEnc::TimestampTz);
  EXPECT_EQ(k(oid::kUuid, FERRY_TYPE_CHAR), BinEnc::Uuid);
  EXPECT_EQ(k(oid::kVarbit, FERRY_TYPE_BIT), BinEnc::Bit);
  EXPECT_FALSE(k(oid::kName, FERRY_TYPE_VARCHAR));  // namerecv refuses what namein truncates
  EXPECT_FALSE(k(oid::kInet, FERRY_TYPE_INET));
  EXPECT_FALSE(k(oid::kCidr, FERRY_TYPE_CIDR));
  EXPECT_FALSE(k(oid::kMacaddr, FERRY_TYPE_MACADDR));
  EXPECT_FALSE(k(1007, FERRY_TYPE_ARRAY));
  EXPECT_FALSE(k(oid::kMoney, FERRY_TYPE_OTHER));
}

TEST(PgBinaryEncode, IntegersWithRangeChecks) {
  EXPECT_EQ(encode(BinEnc::Int2, enc(FERRY_TYPE_INT16), "-32768"), be(0x8000, 2));
  EXPECT_EQ(encode(BinEnc::Int4, enc(FERRY_TYPE_INT64), "2147483647"), be(0x7fffffff, 4));
  EXPECT_EQ(encode(BinEnc::Int8, enc(FERRY_TYPE_INT64), "-9223372036854775808"),
            be(0x8000000000000000ull, 8));
  EXPECT_EQ(encode(BinEnc::Int4, enc(FERRY_TYPE_INT32), "-0"), be(0, 4));
  EXPECT_EQ(encode(BinEnc::Int4, enc(FERRY_TYPE_INT32), "007"), be(7, 4));
  refused(BinEnc::Int2, enc(FERRY_TYPE_INT32), "32768",
          {"s.t.c", "'32768'", "out of range for type smallint"});
  refused(BinEnc::Int4, enc(FERRY_TYPE_INT64), "-2147483649", {"out of range for type integer"});
  refused(BinEnc::Int8, enc(FERRY_TYPE_INT64), "18446744073709551615",
          {"out of range for type bigint"});
  refused(BinEnc::Int8, enc(FERRY_TYPE_INT64), "99999999999999999999999",
          {"out of range for type bigint"});
  // Not canonical: the text path's message.
  refused(BinEnc::Int4, enc(FERRY_TYPE_INT32), "1.5", {"s.t.c", "is not a canonical INT32"});
  refused(BinEnc::Int4, enc(FERRY_TYPE_INT32), "", {"is not a canonical"});
  refused(BinEnc::Int4, enc(FERRY_TYPE_INT32), "+1", {"is not a canonical"});
}

TEST(PgBinaryEncode, Booleans) {
  EXPECT_EQ(encode(BinEnc::Bool, enc(FERRY_TYPE_BOOL), "1"), "\1");
  EXPECT_EQ(encode(BinEnc::Bool, enc(FERRY_TYPE_BOOL), "0"), std::string(1, '\0'));
  EXPECT_EQ(encode(BinEnc::Bool, enc(FERRY_TYPE_INT8), "1"), "\1");
  refused(BinEnc::Bool, enc(FERRY_TYPE_BOOL), "t", {"is not a canonical BOOL"});
  refused(BinEnc::Bool, enc(FERRY_TYPE_INT8), "2", {"s.t.c", "'2'", "is not a boolean"});
  refused(BinEnc::Bool, enc(FERRY_TYPE_INT8), "x", {"is not a canonical INT8"});
}

TEST(PgBinaryEncode, FloatsAreExactBits) {
  EXPECT_EQ(encode(BinEnc::Float4, enc(FERRY_TYPE_FLOAT32), "3.4028235e+38"), f4(3.4028235e38f));
  EXPECT_EQ(encode(BinEnc::Float4, enc(FERRY_TYPE_FLOAT64), "0.1"), f4(0.1f));
  EXPECT_EQ(encode(BinEnc::Float4, enc(FERRY_TYPE_FLOAT32), "1e-45"), f4(1e-45f));
  EXPECT_EQ(encode(BinEnc::Float4, enc(FERRY_TYPE_FLOAT32), "-0"), f4(-0.0f));
  EXPECT_EQ(encode(BinEnc::Float8, enc(FERRY_TYPE_FLOAT64), "5e-324"), f8(5e-324));
  EXPECT_EQ(encode(BinEnc::Float8, enc(FERRY_TYPE_FLOAT64), "inf"),
            f8(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(encode(BinEnc::Float8, enc(FERRY_TYPE_FLOAT64), "-inf"),
            f8(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ(encode(BinEnc::Float8, enc(FERRY_TYPE_FLOAT64), "nan"),
            f8(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(encode(BinEnc::Float8, enc(FERRY_TYPE_DECIMAL), "NaN"),
            f8(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(encode(BinEnc::Float8, enc(FERRY_TYPE_DECIMAL), "-Infinity"),
            f8(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ(encode(BinEnc::Float8, enc(FERRY_TYPE_DECIMAL), "-.5"), f8(-0.5));
  EXPECT_EQ(encode(BinEnc::Float8, enc(FERRY_TYPE_INT64), "9007199254740993"),
            f8(9007199254740992.0));
  EXPECT_EQ(round_trip(BinEnc::Float8, enc(FERRY_TYPE_FLOAT64), "1e+300", oid::kFloat8), "1e+300");
  // float4in's range: refused as PostgreSQL refuses it (strtof's overflow and underflow to 0).
  refused(BinEnc::Float4, enc(FERRY_TYPE_FLOAT64), "1e39", {"s.t.c", "out of range for type real"});
  refused(BinEnc::Float4, enc(FERRY_TYPE_FLOAT64), "3.4028236e38", {"out of range"});
  refused(BinEnc::Float4, enc(FERRY_TYPE_FLOAT64), "1e-46", {"out of range"});
  refused(BinEnc::Float8, enc(FERRY_TYPE_DECIMAL), ("1" + std::string(400, '0')).c_str(),
          {"out of range for type double precision"});
  // Not canonical: the text path's message.
  refused(BinEnc::Float8, enc(FERRY_TYPE_FLOAT64), "NaN", {"is not a canonical FLOAT64"});
  refused(BinEnc::Float8, enc(FERRY_TYPE_FLOAT64), "1e309", {"is not a canonical FLOAT64"});
  refused(BinEnc::Float8, enc(FERRY_TYPE_FLOAT64), "0x10", {"is not a canonical FLOAT64"});
}

TEST(PgBinaryEncode, NumericAsNumericSendLaysItOut) {
  EXPECT_EQ(encode(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), "12345.678"),
            numeric(1, 0, 3, {1, 2345, 6780}));
  EXPECT_EQ(encode(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), "-0.0005"),
            numeric(-1, 0x4000, 4, {5}));
  EXPECT_EQ(encode(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), "0.000"), numeric(0, 0, 3, {}));
  EXPECT_EQ(encode(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), "-0"), numeric(0, 0, 0, {}));
  EXPECT_EQ(encode(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), "10000"), numeric(1, 0, 0, {1}));
  EXPECT_EQ(encode(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), "NaN"), numeric(0, 0xC000, 0, {}));
  EXPECT_EQ(encode(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), "Infinity"),
            numeric(0, 0xD000, 0, {}));
  EXPECT_EQ(encode(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), "-Infinity"),
            numeric(0, 0xF000, 0, {}));
  EXPECT_EQ(encode(BinEnc::Numeric, enc(FERRY_TYPE_INT64), "18446744073709551615"),
            numeric(4, 0, 0, {1844, 6744, 737, 955, 1615}));
  for (const char* v : {"0", "1", "-1", "0.1", "-0.0005", "1.500", "12345678.9", "99999999.9999",
                        "-123456789012345678901234567890.1234567890",
                        "0.000000000000000000000000000001", "100000000", "0.00010000"}) {
    EXPECT_EQ(round_trip(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), v, oid::kNumeric), v);
  }
  EXPECT_EQ(round_trip(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), "007.50", oid::kNumeric), "7.50");
  EXPECT_EQ(round_trip(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), ".5", oid::kNumeric), "0.5");
  EXPECT_EQ(round_trip(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), "5.", oid::kNumeric), "5");
  refused(BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL), "1e5", {"is not a canonical DECIMAL"});
  refused(BinEnc::Numeric, enc(FERRY_TYPE_INT64), "NaN", {"is not a canonical INT64"});
  // More digits than numeric_recv takes: the batch goes as text.
  std::string out;
  EXPECT_THROW(append_binary_value(out, BinEnc::Numeric, enc(FERRY_TYPE_DECIMAL),
                                   "1." + std::string(12001, '1')),
               NeedsTextFormat);
}

TEST(PgBinaryEncode, DatesAndTimestamps) {
  EXPECT_EQ(encode(BinEnc::Date, enc(FERRY_TYPE_DATE), "2000-01-01"), be(0, 4));
  EXPECT_EQ(encode(BinEnc::Date, enc(FERRY_TYPE_DATE), "infinity"), be(0x7fffffff, 4));
  EXPECT_EQ(encode(BinEnc::Date, enc(FERRY_TYPE_DATE), "-infinity"), be(0x80000000u, 4));
  for (const char* v : {"-0043-03-15", "0000-01-01", "10000-01-01", "-4713-11-24", "1999-12-31",
                        "5874897-12-31", "2024-02-29"}) {
    EXPECT_EQ(round_trip(BinEnc::Date, enc(FERRY_TYPE_DATE), v, oid::kDate), v);
  }
  refused(BinEnc::Date, enc(FERRY_TYPE_DATE), "-4713-11-23",
          {"s.t.c", "out of range for type date"});
  refused(BinEnc::Date, enc(FERRY_TYPE_DATE), "5874898-01-01", {"out of range for type date"});
  refused(BinEnc::Date, enc(FERRY_TYPE_DATE), "0000-00-00", {"s.t.c", "zero date"});
  refused(BinEnc::Date, enc(FERRY_TYPE_DATE), "2023-02-29", {"is not a valid date"});
  refused(BinEnc::Date, enc(FERRY_TYPE_DATE), "2024-1-01", {"is not a canonical DATE"});
  for (const char* v :
       {"-0043-03-15T08:30:00.5", "1969-12-31T23:59:59.999999", "294276-12-31T23:59:59.999999",
        "-4713-11-24T00:00:00", "2000-01-01T00:00:00", "infinity", "-infinity"}) {
    EXPECT_EQ(round_trip(BinEnc::Timestamp, enc(FERRY_TYPE_TIMESTAMP), v, oid::kTimestamp), v);
  }
  EXPECT_EQ(round_trip(BinEnc::TimestampTz, enc(FERRY_TYPE_TIMESTAMPTZ),
                       "2038-01-19T03:14:07.999999Z", oid::kTimestamptz),
            "2038-01-19T03:14:07.999999Z");
  // Across the two types: a Z is ignored by timestamp_in; a time without zone is UTC here.
  EXPECT_EQ(encode(BinEnc::Timestamp, enc(FERRY_TYPE_TIMESTAMPTZ), "2024-01-01T08:30:00Z"),
            encode(BinEnc::TimestampTz, enc(FERRY_TYPE_TIMESTAMP), "2024-01-01T08:30:00"));
  refused(BinEnc::Timestamp, enc(FERRY_TYPE_TIMESTAMP), "294277-01-01T00:00:00",
          {"s.t.c", "out of range for type timestamp"});
  refused(BinEnc::TimestampTz, enc(FERRY_TYPE_TIMESTAMPTZ), "-4713-11-23T23:59:59Z",
          {"out of range for type timestamp with time zone"});
  refused(BinEnc::Timestamp, enc(FERRY_TYPE_TIMESTAMP), "999999999-01-01T00:00:00",
          {"out of range"});
  refused(BinEnc::Timestamp, enc(FERRY_TYPE_TIMESTAMP), "2024-01-01T08:30:00Z",
          {"is not a canonical TIMESTAMP"});
  refused(BinEnc::TimestampTz, enc(FERRY_TYPE_TIMESTAMPTZ), "2024-01-01T24:00:00Z",
          {"is not a valid time of day"});
  refused(BinEnc::Timestamp, enc(FERRY_TYPE_TIMESTAMP), "0000-00-00T00:00:00", {"zero date"});
}

TEST(PgBinaryEncode, TimesAndIntervals) {
  EXPECT_EQ(encode(BinEnc::Time, enc(FERRY_TYPE_TIME), "24:00:00"), be(86400000000ull, 8));
  EXPECT_EQ(encode(BinEnc::Time, enc(FERRY_TYPE_TIME), "-0:00:00"), be(0, 8));
  EXPECT_EQ(round_trip(BinEnc::Time, enc(FERRY_TYPE_TIME), "8:30:00.000001", oid::kTime),
            "8:30:00.000001");
  refused(BinEnc::Time, enc(FERRY_TYPE_TIME), "-838:59:59", {"s.t.c", "out of range"});
  refused(BinEnc::Time, enc(FERRY_TYPE_TIME), "24:00:00.000001", {"out of range"});
  refused(BinEnc::Time, enc(FERRY_TYPE_TIME), "8:60:00", {"is not a canonical TIME"});
  EXPECT_EQ(encode(BinEnc::TimeTz, enc(FERRY_TYPE_TIMETZ), "8:30:00+02:00"),
            timetz(30600000000, -7200));
  EXPECT_EQ(encode(BinEnc::TimeTz, enc(FERRY_TYPE_TIMETZ), "8:30:00-05:30:15"),
            timetz(30600000000, 19815));
  for (const char* v :
       {"8:30:00+05:30", "0:00:00+00:00", "24:00:00-15:59:59", "23:59:59.5+14:00"}) {
    EXPECT_EQ(round_trip(BinEnc::TimeTz, enc(FERRY_TYPE_TIMETZ), v, oid::kTimetz), v);
  }
  refused(BinEnc::TimeTz, enc(FERRY_TYPE_TIMETZ), "8:30:00+16:00", {"s.t.c", "offset"});
  refused(BinEnc::TimeTz, enc(FERRY_TYPE_TIMETZ), "24:30:00+00:00", {"out of range"});
  refused(BinEnc::TimeTz, enc(FERRY_TYPE_TIMETZ), "8:30:00", {"is not a canonical TIMETZ"});
  for (const char* v : {"-0:00:00.5", "0:00:00", "100000:00:00", "838:59:59.000001",
                        "2562047788:00:54.775807", "-2562047788:00:54.775807"}) {
    EXPECT_EQ(
        from_binary(interval_decoder(), encode(BinEnc::Interval, enc(FERRY_TYPE_INTERVAL), v)), v);
  }
  EXPECT_EQ(encode(BinEnc::Interval, enc(FERRY_TYPE_INTERVAL), "-0:00:00.5"),
            interval(-500000, 0, 0));
  refused(BinEnc::Interval, enc(FERRY_TYPE_INTERVAL), "2562047788:00:54.775808",
          {"s.t.c", "out of range for type interval"});
  refused(BinEnc::Interval, enc(FERRY_TYPE_INTERVAL), "-2562047788:00:54.775808",
          {"out of range for type interval"});
  refused(BinEnc::Interval, enc(FERRY_TYPE_INTERVAL), "999999999999999999:00:00", {"out of range"});
  refused(BinEnc::Interval, enc(FERRY_TYPE_INTERVAL), "1 day", {"is not a canonical INTERVAL"});
  // An interval with a year, month or day part (ISO 8601): the text path writes it, so its
  // batch goes in text format.
  for (const char* v : {"P1Y2M3DT4H5M6.5S", "P-1DT2H3M4S", "P1M"}) {
    std::string out;
    EXPECT_THROW(append_binary_value(out, BinEnc::Interval, enc(FERRY_TYPE_INTERVAL), v),
                 NeedsTextFormat)
        << v;
  }
  refused(BinEnc::Interval, enc(FERRY_TYPE_INTERVAL), "P1H", {"is not a canonical INTERVAL"});
}

TEST(PgBinaryEncode, TextBytesUuidBits) {
  EXPECT_EQ(encode(BinEnc::Text, enc(FERRY_TYPE_VARCHAR), "héllo\ttab"), "héllo\ttab");
  EXPECT_EQ(encode(BinEnc::Text, enc(FERRY_TYPE_BOOL), "1"), "t");  // as the text path sends it
  EXPECT_EQ(encode(BinEnc::Jsonb, enc(FERRY_TYPE_JSON), "{\"a\":1}"), "\1{\"a\":1}");
  EXPECT_EQ(encode(BinEnc::Text, enc(FERRY_TYPE_TEXT), ""), "");
  refused(BinEnc::Text, enc(FERRY_TYPE_TEXT), std::string("a\0b", 3), {"s.t.c", "NUL"});
  EXPECT_EQ(encode(BinEnc::Bytea, enc(FERRY_TYPE_BLOB), std::string("\0\xff", 2)),
            std::string("\0\xff", 2));
  const std::string u = testing::from_hex("a0eebc999c0b4ef8bb6d6bb9bd380a11");
  EXPECT_EQ(encode(BinEnc::Uuid, enc(FERRY_TYPE_UUID), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), u);
  EXPECT_EQ(encode(BinEnc::Uuid, enc(FERRY_TYPE_UUID), "A0EEBC999C0B4EF8BB6D6BB9BD380A11"), u);
  EXPECT_EQ(encode(BinEnc::Uuid, enc(FERRY_TYPE_CHAR), "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}"), u);
  EXPECT_EQ(encode(BinEnc::Uuid, enc(FERRY_TYPE_UUID), "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11"),
            u);
  refused(BinEnc::Uuid, enc(FERRY_TYPE_UUID), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
          {"s.t.c", "is not a uuid"});
  refused(BinEnc::Uuid, enc(FERRY_TYPE_UUID), "a0e-ebc999c0b4ef8bb6d6bb9bd380a11",
          {"is not a uuid"});
  refused(BinEnc::Uuid, enc(FERRY_TYPE_UUID), "{a0eebc999c0b4ef8bb6d6bb9bd380a11", {"uuid"});
  refused(BinEnc::Uuid, enc(FERRY_TYPE_UUID), "a0eebc999c0b4ef8bb6d6bb9bd380a11-", {"uuid"});
  EXPECT_EQ(encode(BinEnc::Bit, enc(FERRY_TYPE_BIT, 5), "31"), bits(5, {0xf8}));
  EXPECT_EQ(encode(BinEnc::Bit, enc(FERRY_TYPE_BIT, 64), "18446744073709551615"),
            bits(64, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(encode(BinEnc::Bit, enc(FERRY_TYPE_BIT), "5"), bits(3, {0xa0}));
  refused(BinEnc::Bit, enc(FERRY_TYPE_BIT, 5), "32", {"s.t.c", "does not fit in bit(5)"});
}

TEST(PgBinaryEncode, CopyFraming) {
  std::string out;
  append_binary_copy_header(out);
  append_binary_tuple_start(out, 2);
  append_binary_value(out, BinEnc::Int4, enc(FERRY_TYPE_INT32), "7");
  append_binary_null(out);
  append_binary_copy_trailer(out);
  EXPECT_EQ(out, header() + tuple({be(7, 4), std::nullopt}) + trailer());
  BinaryCopyReader r(2);
  r.feed(out);
  std::vector<BinaryField> f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f[0].view(), be(7, 4));
  EXPECT_LT(f[1].len, 0);
  EXPECT_FALSE(r.next(f));
  EXPECT_TRUE(r.ended());
}

}  // namespace
}  // namespace ferry::pg
