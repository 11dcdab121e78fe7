// PostgreSQL text ↔ canonical text, per type and edge value, in both directions; the COPY text
// escaping and SQL literals. Expected values are written by hand from PostgreSQL's documented
// output (DateStyle=ISO, IntervalStyle=postgres, TimeZone=UTC, bytea_output=hex).
#include <gtest/gtest.h>

#include "pg_test_util.hpp"
#include "pg_values.hpp"

#include <string>

namespace ferry::pg {
namespace {

using testing::expect_error;

// ---- PostgreSQL → canonical ------------------------------------------------------------------

std::string canon(const Decoder& d, std::string_view text) {
  std::string out = "prefix:";  // to_canonical appends
  std::string why;
  EXPECT_TRUE(to_canonical(d, text, out, &why)) << text << ": " << why;
  EXPECT_EQ(out.substr(0, 7), "prefix:");
  return out.substr(7);
}
std::string canon(uint32_t type_oid, std::string_view text, int32_t typmod = -1) {
  return canon(decoder_for(type_oid, typmod), text);
}
// Not representable: returns the reason; checks nothing was appended.
std::string unrepresentable(const Decoder& d, std::string_view text) {
  std::string out = "keep", why;
  EXPECT_FALSE(to_canonical(d, text, out, &why)) << text;
  EXPECT_EQ(out, "keep");
  EXPECT_FALSE(why.empty());
  return why;
}
void bad_pg(uint32_t type_oid, std::string_view text, std::string_view mention,
            int32_t typmod = -1) {
  std::string out;
  expect_error([&] { to_canonical(decoder_for(type_oid, typmod), text, out); },
               FERRY_INVALID_ARGUMENT, {mention});
}

TEST(PgToCanonical, Bool) {
  EXPECT_EQ(decoder_for(oid::kBool, -1).type, FERRY_TYPE_BOOL);
  EXPECT_EQ(canon(oid::kBool, "t"), "1");
  EXPECT_EQ(canon(oid::kBool, "f"), "0");
  bad_pg(oid::kBool, "true", "PostgreSQL boolean text 'true' is not t or f");
  bad_pg(oid::kBool, "", "boolean");
}

TEST(PgToCanonical, IntegersAndNumericPassThrough) {
  EXPECT_EQ(decoder_for(oid::kInt2, -1).type, FERRY_TYPE_INT16);
  EXPECT_EQ(decoder_for(oid::kInt4, -1).type, FERRY_TYPE_INT32);
  EXPECT_EQ(decoder_for(oid::kInt8, -1).type, FERRY_TYPE_INT64);
  EXPECT_EQ(decoder_for(oid::kOid, -1).type, FERRY_TYPE_INT64);
  EXPECT_EQ(decoder_for(oid::kNumeric, (10 << 16 | 2) + 4).type, FERRY_TYPE_DECIMAL);
  EXPECT_EQ(canon(oid::kInt2, "-32768"), "-32768");
  EXPECT_EQ(canon(oid::kInt8, "9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(canon(oid::kOid, "4294967295"), "4294967295");
  EXPECT_EQ(canon(oid::kNumeric, "-0.001"), "-0.001");
  EXPECT_EQ(canon(oid::kNumeric, "0.000"), "0.000");
  const std::string huge = "1" + std::string(130, '0') + "." + std::string(16383, '9');
  EXPECT_EQ(canon(oid::kNumeric, huge), huge);
  // NaN and ±Infinity have no canonical DECIMAL spelling: they cross as PostgreSQL's words.
  EXPECT_EQ(canon(oid::kNumeric, "NaN"), "NaN");
  EXPECT_EQ(canon(oid::kNumeric, "Infinity"), "Infinity");
  EXPECT_EQ(canon(oid::kNumeric, "-Infinity"), "-Infinity");
}

TEST(PgToCanonical, Float8) {
  EXPECT_EQ(decoder_for(oid::kFloat8, -1).type, FERRY_TYPE_FLOAT64);
  EXPECT_EQ(canon(oid::kFloat8, "NaN"), "nan");
  EXPECT_EQ(canon(oid::kFloat8, "Infinity"), "inf");
  EXPECT_EQ(canon(oid::kFloat8, "-Infinity"), "-inf");
  EXPECT_EQ(canon(oid::kFloat8, "-0"), "-0");
  EXPECT_EQ(canon(oid::kFloat8, "0"), "0");
  EXPECT_EQ(canon(oid::kFloat8, "0.1"), "0.1");
  EXPECT_EQ(canon(oid::kFloat8, "100"), "100");
  EXPECT_EQ(canon(oid::kFloat8, "1e+15"), "1e+15");
  EXPECT_EQ(canon(oid::kFloat8, "1.5e-05"), "1.5e-05");
  // to_chars picks fixed notation when it is shorter than the exponent form.
  EXPECT_EQ(canon(oid::kFloat8, "1.2345678901234568e+20"), "123456789012345683968");
  EXPECT_EQ(canon(oid::kFloat8, "1.2345678901234568e+21"), "1234567890123456774144");  // a tie
  EXPECT_EQ(canon(oid::kFloat8, "1e+22"), "1e+22");
  EXPECT_EQ(canon(oid::kFloat8, "1.7976931348623157e+308"), "1.7976931348623157e+308");
  EXPECT_EQ(canon(oid::kFloat8, "-2.2250738585072014e-308"), "-2.2250738585072014e-308");
  EXPECT_EQ(canon(oid::kFloat8, "5e-324"), "5e-324");  // the smallest denormal
  // extra_float_digits=3 style output (17 digits) still becomes the shortest text.
  EXPECT_EQ(canon(oid::kFloat8, "0.10000000000000001"), "0.1");
  for (const char* bad : {"", "abc", "inf", "nan", "1.5x", "1e400", " 1", "+1", "--1"}) {
    bad_pg(oid::kFloat8, bad, "double precision");
  }
}

TEST(PgToCanonical, Float4IsTheFloatsShortestText) {
  EXPECT_EQ(decoder_for(oid::kFloat4, -1).type, FERRY_TYPE_FLOAT32);
  EXPECT_EQ(canon(oid::kFloat4, "NaN"), "nan");
  EXPECT_EQ(canon(oid::kFloat4, "-Infinity"), "-inf");
  EXPECT_EQ(canon(oid::kFloat4, "-0"), "-0");
  EXPECT_EQ(canon(oid::kFloat4, "0.1"), "0.1");
  EXPECT_EQ(canon(oid::kFloat4, "3.4028235e+38"), "3.4028235e+38");
  EXPECT_EQ(canon(oid::kFloat4, "1e-45"), "1e-45");  // the smallest denormal
  EXPECT_EQ(canon(oid::kFloat4, "1.1754944e-38"), "1.1754944e-38");
  EXPECT_EQ(canon(oid::kFloat4, "0.100000001"), "0.1");  // extra_float_digits=3 style
  bad_pg(oid::kFloat4, "1e39", "real");
}

TEST(PgToCanonical, ByteaBecomesRawBytes) {
  EXPECT_EQ(decoder_for(oid::kBytea, -1).type, FERRY_TYPE_BLOB);
  EXPECT_EQ(canon(oid::kBytea, "\\x00ff0a5c"), std::string("\x00\xff\x0a\x5c", 4));
  EXPECT_EQ(canon(oid::kBytea, "\\xDEADbeef"), "\xde\xad\xbe\xef");
  EXPECT_EQ(canon(oid::kBytea, "\\x"), "");
  // bytea_output=escape is read too.
  EXPECT_EQ(canon(oid::kBytea, "a\\\\b\\000\\377z"), std::string("a\\b\0\xffz", 6));
  bad_pg(oid::kBytea, "\\x0", "bytea");
  bad_pg(oid::kBytea, "\\xzz", "bytea");
  bad_pg(oid::kBytea, "a\\9", "bytea");
  bad_pg(oid::kBytea, "a\\", "bytea");
}

TEST(PgToCanonical, Date) {
  EXPECT_EQ(decoder_for(oid::kDate, -1).type, FERRY_TYPE_DATE);
  EXPECT_EQ(canon(oid::kDate, "2024-01-31"), "2024-01-31");
  EXPECT_EQ(canon(oid::kDate, "2024-02-29"), "2024-02-29");
  EXPECT_EQ(canon(oid::kDate, "0001-01-01"), "0001-01-01");
  EXPECT_EQ(canon(oid::kDate, "infinity"), "infinity");
  EXPECT_EQ(canon(oid::kDate, "-infinity"), "-infinity");
  // BC: astronomical year numbering, 1 BC = year 0.
  EXPECT_EQ(canon(oid::kDate, "0044-03-15 BC"), "-0043-03-15");
  EXPECT_EQ(canon(oid::kDate, "0001-01-01 BC"), "0000-01-01");
  EXPECT_EQ(canon(oid::kDate, "0002-12-31 BC"), "-0001-12-31");
  EXPECT_EQ(canon(oid::kDate, "4714-11-24 BC"), "-4713-11-24");  // PostgreSQL's first day
  EXPECT_EQ(canon(oid::kDate, "0005-02-29 BC"), "-0004-02-29");  // 5 BC is a leap year
  EXPECT_EQ(canon(oid::kDate, "10000-01-01"), "10000-01-01");
  EXPECT_EQ(canon(oid::kDate, "5874897-12-31"), "5874897-12-31");  // PostgreSQL's last day
  for (const char* bad : {"2024-1-31", "2024-02-30", "2023-02-29", "2024-13-01", "0000-01-01",
                          "31.01.2024", "2024-01-31 AD", "2024-01-31 BC x", "", "Infinity"}) {
    bad_pg(oid::kDate, bad, "date");
  }
}

TEST(PgToCanonical, Timestamp) {
  EXPECT_EQ(decoder_for(oid::kTimestamp, 3).type, FERRY_TYPE_TIMESTAMP);
  EXPECT_EQ(canon(oid::kTimestamp, "2024-01-31 08:30:00.25"), "2024-01-31T08:30:00.25");
  EXPECT_EQ(canon(oid::kTimestamp, "2024-01-31 08:30:00"), "2024-01-31T08:30:00");
  EXPECT_EQ(canon(oid::kTimestamp, "2024-01-31 23:59:59.999999"), "2024-01-31T23:59:59.999999");
  EXPECT_EQ(canon(oid::kTimestamp, "infinity"), "infinity");
  EXPECT_EQ(canon(oid::kTimestamp, "-infinity"), "-infinity");
  EXPECT_EQ(canon(oid::kTimestamp, "0044-03-15 08:30:00 BC"), "-0043-03-15T08:30:00");
  EXPECT_EQ(canon(oid::kTimestamp, "4714-11-24 00:00:00 BC"), "-4713-11-24T00:00:00");
  EXPECT_EQ(canon(oid::kTimestamp, "294276-12-31 23:59:59.999999"), "294276-12-31T23:59:59.999999");
  for (const char* bad : {"2024-01-31T08:30:00", "2024-01-31 24:00:00", "2024-01-31 08:30",
                          "2024-01-31 08:30:00.1234567", "2024-01-31 08:30:00.", "2024-01-31",
                          "2024-01-31 08:30:00+00"}) {
    bad_pg(oid::kTimestamp, bad, "timestamp");
  }
}

TEST(PgToCanonical, TimestamptzIsConvertedToUtcExactly) {
  const uint32_t tz = oid::kTimestamptz;
  EXPECT_EQ(decoder_for(tz, -1).type, FERRY_TYPE_TIMESTAMPTZ);
  EXPECT_EQ(canon(tz, "2024-01-31 07:30:00.25+00"), "2024-01-31T07:30:00.25Z");
  EXPECT_EQ(canon(tz, "2024-01-31 07:30:00+00"), "2024-01-31T07:30:00Z");
  EXPECT_EQ(canon(tz, "infinity"), "infinity");
  EXPECT_EQ(canon(tz, "-infinity"), "-infinity");
  EXPECT_EQ(canon(tz, "0044-03-15 07:30:00+00 BC"), "-0043-03-15T07:30:00Z");
  // Other offsets (a session not in UTC): hours, minutes and seconds.
  EXPECT_EQ(canon(tz, "2024-01-31 08:30:00.25+01"), "2024-01-31T07:30:00.25Z");
  EXPECT_EQ(canon(tz, "2024-01-31 13:00:00.25+05:30"), "2024-01-31T07:30:00.25Z");
  EXPECT_EQ(canon(tz, "2024-01-31 04:00:00.000001-03:30"), "2024-01-31T07:30:00.000001Z");
  EXPECT_EQ(canon(tz, "1900-01-01 00:19:32+00:19:32"), "1900-01-01T00:00:00Z");  // Amsterdam LMT
  EXPECT_EQ(canon(tz, "1900-01-01 00:00:00-00:19:32"), "1900-01-01T00:19:32Z");
  // Across midnight, month ends, leap days, years and the BC/AD boundary.
  EXPECT_EQ(canon(tz, "1999-12-31 23:59:59.999999-00:30"), "2000-01-01T00:29:59.999999Z");
  EXPECT_EQ(canon(tz, "2024-03-01 00:30:00+01"), "2024-02-29T23:30:00Z");
  EXPECT_EQ(canon(tz, "2023-03-01 00:30:00+01"), "2023-02-28T23:30:00Z");
  EXPECT_EQ(canon(tz, "2024-12-31 23:00:00-14"), "2025-01-01T13:00:00Z");
  EXPECT_EQ(canon(tz, "0001-01-01 00:30:00+01"), "0000-12-31T23:30:00Z");
  EXPECT_EQ(canon(tz, "0001-12-31 23:30:00-01 BC"), "0001-01-01T00:30:00Z");
  EXPECT_EQ(canon(tz, "0001-01-01 00:30:00+01 BC"), "-0001-12-31T23:30:00Z");
  EXPECT_EQ(canon(tz, "0005-03-01 00:00:00+00:00:01 BC"), "-0004-02-29T23:59:59Z");
  for (const char* bad : {"2024-01-31 07:30:00", "2024-01-31 07:30:00Z", "2024-01-31 07:30:00+1",
                          "2024-01-31 07:30:00+01:60", "2024-01-31 07:30:00+01:00:00:00"}) {
    bad_pg(tz, bad, "timestamp with time zone");
  }
}

TEST(PgToCanonical, TimeAndTimetz) {
  EXPECT_EQ(decoder_for(oid::kTime, -1).type, FERRY_TYPE_TIME);
  EXPECT_EQ(canon(oid::kTime, "08:30:00.5"), "8:30:00.5");
  EXPECT_EQ(canon(oid::kTime, "00:00:00"), "0:00:00");
  EXPECT_EQ(canon(oid::kTime, "23:59:59.999999"), "23:59:59.999999");
  EXPECT_EQ(canon(oid::kTime, "24:00:00"), "24:00:00");
  for (const char* bad : {"24:00:01", "24:00:00.5", "08:60:00", "8:30:00", "08:30", "-01:00:00"}) {
    bad_pg(oid::kTime, bad, "time");
  }

  EXPECT_EQ(decoder_for(oid::kTimetz, -1).type, FERRY_TYPE_TIMETZ);
  EXPECT_EQ(canon(oid::kTimetz, "08:30:00+02"), "8:30:00+02:00");
  EXPECT_EQ(canon(oid::kTimetz, "08:30:00.5+02"), "8:30:00.5+02:00");
  EXPECT_EQ(canon(oid::kTimetz, "00:00:00+00"), "0:00:00+00:00");
  EXPECT_EQ(canon(oid::kTimetz, "23:59:59.999999-03:30"), "23:59:59.999999-03:30");
  EXPECT_EQ(canon(oid::kTimetz, "08:30:00+05:45:30"), "8:30:00+05:45:30");
  EXPECT_EQ(canon(oid::kTimetz, "24:00:00-15:59"), "24:00:00-15:59");
  for (const char* bad : {"08:30:00", "08:30:00Z", "08:30:00+2"}) {
    bad_pg(oid::kTimetz, bad, "time with time zone");
  }
}

TEST(PgToCanonical, IntervalPureTimeOrIso8601) {
  const Decoder d = decoder_for(oid::kInterval, -1);
  EXPECT_EQ(d.type, FERRY_TYPE_INTERVAL);
  EXPECT_EQ(d.form, Form::IntervalIso);
  EXPECT_EQ(canon(d, "04:05:06.789"), "4:05:06.789");
  EXPECT_EQ(canon(d, "00:00:00"), "0:00:00");
  EXPECT_EQ(canon(d, "-00:00:00.5"), "-0:00:00.5");
  EXPECT_EQ(canon(d, "-838:59:59"), "-838:59:59");
  EXPECT_EQ(canon(d, "100000:00:00"), "100000:00:00");
  EXPECT_EQ(canon(d, "2562047788:00:54.775807"), "2562047788:00:54.775807");
  EXPECT_EQ(canon(d, "-2562047788:00:54.775808"), "-2562047788:00:54.775808");
  // A year, month or day part: the fields exactly, as IntervalStyle iso_8601 prints them.
  const std::pair<const char*, const char*> iso[] = {
      {"1 year 2 mons 3 days 04:05:06.5", "P1Y2M3DT4H5M6.5S"},
      {"-1 days +02:03:04.5", "P-1DT2H3M4.5S"},
      {"1 day", "P1D"},
      {"2 days", "P2D"},
      {"3 mons", "P3M"},
      {"1 mon", "P1M"},
      {"-1 years", "P-1Y"},
      {"1 year -00:00:01", "P1YT-1S"},
      {"1 mon -00:00:00.5", "P1MT-0.5S"},
      {"-1 years -2 mons +3 days -04:05:06.000001", "P-1Y-2M3DT-4H-5M-6.000001S"},
      {"-178000000 years", "P-178000000Y"},
      {"1 day 100000:00:00", "P1DT100000H"},
      {"2 days 2562047788:00:54.775807", "P2DT2562047788H54.775807S"},
      {"-2147483648 days -2562047788:00:54.775808", "P-2147483648DT-2562047788H-54.775808S"},
      {"1 day 00:01:00", "P1DT1M"},
      {"1 day 00:00:00.25", "P1DT0.25S"},
  };
  for (const auto& [pg_text, canonical] : iso) EXPECT_EQ(canon(d, pg_text), canonical) << pg_text;
  // The time-only form (the binary decoder's twin) still says why it cannot hold them.
  const Decoder time_only{Form::Interval, FERRY_TYPE_INTERVAL};
  const std::string why = unrepresentable(time_only, "1 year 2 mons");
  EXPECT_NE(why.find("year, month or day"), std::string::npos) << why;
  // PostgreSQL's own text is kept for same-engine use.
  EXPECT_EQ(canon(native_decoder(), "1 year 2 mons"), "1 year 2 mons");
  EXPECT_EQ(native_decoder().type, FERRY_TYPE_OTHER);
  for (const char* bad : {"01:02", "1:2:3", "", "-", "1 week", "1 day  02:00:00", "1 days2",
                          "1 day 02:00", " 1 day", "1 day ", "P1D", "year"}) {
    bad_pg(oid::kInterval, bad, "interval");
  }
}

TEST(PgToCanonical, BitUpTo64IsAnUnsignedIntegerElseOther) {
  EXPECT_EQ(decoder_for(oid::kBit, 8).type, FERRY_TYPE_BIT);
  EXPECT_EQ(canon(oid::kBit, "00000101", 8), "5");
  EXPECT_EQ(canon(oid::kBit, "10100101", 8), "165");
  EXPECT_EQ(canon(oid::kBit, "00000000", 8), "0");
  EXPECT_EQ(canon(oid::kBit, "1", 1), "1");
  EXPECT_EQ(canon(oid::kBit, std::string(64, '1'), 64), "18446744073709551615");
  EXPECT_EQ(canon(oid::kBit, "1" + std::string(63, '0'), 64), "9223372036854775808");
  bad_pg(oid::kBit, "0102", "bit", 4);
  bad_pg(oid::kBit, "", "bit", 4);
  // bit(65+), bit without a length, varbit: OTHER, the digits as PostgreSQL prints them.
  EXPECT_EQ(decoder_for(oid::kBit, 65).type, FERRY_TYPE_OTHER);
  EXPECT_EQ(canon(oid::kBit, std::string(65, '1'), 65), std::string(65, '1'));
  EXPECT_EQ(decoder_for(oid::kBit, -1).type, FERRY_TYPE_OTHER);
  EXPECT_EQ(decoder_for(oid::kVarbit, 16).type, FERRY_TYPE_OTHER);
  EXPECT_EQ(canon(oid::kVarbit, "0101", 16), "0101");
  EXPECT_EQ(canon(oid::kVarbit, ""), "");
}

TEST(PgToCanonical, PassThroughTypes) {
  EXPECT_EQ(decoder_for(oid::kText, -1).type, FERRY_TYPE_TEXT);
  EXPECT_EQ(decoder_for(oid::kVarchar, 24).type, FERRY_TYPE_VARCHAR);
  EXPECT_EQ(decoder_for(oid::kBpchar, 9).type, FERRY_TYPE_CHAR);
  EXPECT_EQ(decoder_for(oid::kName, -1).type, FERRY_TYPE_VARCHAR);
  EXPECT_EQ(decoder_for(oid::kJson, -1).type, FERRY_TYPE_JSON);
  EXPECT_EQ(decoder_for(oid::kJsonb, -1).type, FERRY_TYPE_JSON);
  EXPECT_EQ(decoder_for(oid::kUuid, -1).type, FERRY_TYPE_UUID);
  EXPECT_EQ(decoder_for(oid::kInet, -1).type, FERRY_TYPE_INET);
  EXPECT_EQ(decoder_for(oid::kCidr, -1).type, FERRY_TYPE_CIDR);
  EXPECT_EQ(decoder_for(oid::kMacaddr, -1).type, FERRY_TYPE_MACADDR);
  EXPECT_EQ(canon(oid::kText, "line1\nline2\t\\ \"q\" 's \xf0\x9f\x98\x80"),
            "line1\nline2\t\\ \"q\" 's \xf0\x9f\x98\x80");
  EXPECT_EQ(canon(oid::kBpchar, "ab   ", 9), "ab");  // char(n) loses its pad (as MySQL CHAR)
  EXPECT_EQ(canon(oid::kJsonb, R"({"a": [1, 2], "b": 1})"), R"({"a": [1, 2], "b": 1})");
  EXPECT_EQ(canon(oid::kUuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(canon(oid::kInet, "::1"), "::1");
  EXPECT_EQ(canon(oid::kMacaddr, "08:00:2b:01:02:03"), "08:00:2b:01:02:03");
  // OTHER: PostgreSQL's own text.
  for (const uint32_t t : {uint32_t{oid::kMoney}, uint32_t{oid::kXml}, uint32_t{oid::kPoint},
                           uint32_t{oid::kChar}, uint32_t{oid::kInt2Vector}, uint32_t{774},
                           uint32_t{3614}, uint32_t{3904}, uint32_t{3220}, uint32_t{99999}}) {
    EXPECT_EQ(decoder_for(t, -1).type, FERRY_TYPE_OTHER) << t;
    EXPECT_EQ(decoder_for(t, -1).form, Form::AsIs) << t;
  }
  EXPECT_EQ(canon(oid::kMoney, "-$1,000.00"), "-$1,000.00");
  EXPECT_EQ(canon(oid::kInt2Vector, "1 2 3"), "1 2 3");
  EXPECT_EQ(canon(oid::kOidVector, "23 25"), "23 25");
}

TEST(PgToCanonical, CatalogTypes) {
  TypeCatalog cat;
  cat.add({20001, 'e', 0, -1, 0, ','});              // enum mood
  cat.add({20002, 'b', 0, -1, 20001, ','});          // _mood
  cat.add({20003, 'd', oid::kVarchar, 14, 0, ','});  // domain code AS varchar(10)
  cat.add({20004, 'd', 20003, -1, 0, ','});          // domain over the domain
  cat.add({20005, 'b', 0, -1, 20004, ','});          // array of the domain
  cat.add({20006, 'c', 0, -1, 0, ','});              // a composite type
  cat.add({20007, 'b', 0, -1, 20006, ','});          // array of it
  cat.add({20008, 'd', 20008, -1, 0, ','});          // a broken catalog: a cycle
  cat.add({20009, 'b', 0, -1, 0, ';'});              // a base type with delimiter ';'
  cat.add({20010, 'b', 0, -1, 20009, ','});          // its array
  cat.add({20011, 'd', oid::kDate, -1, 0, ','});     // domain over date
  cat.add({20012, 'd', 1007, -1, 0, ','});           // domain over int[]
  cat.add({20013, 'r', 0, -1, 0, ','});              // a range

  EXPECT_EQ(decoder_for(20001, -1, &cat).type, FERRY_TYPE_ENUM);
  EXPECT_EQ(canon(decoder_for(20001, -1, &cat), "happy \xe2\x98\xba"), "happy \xe2\x98\xba");
  const Decoder moods = decoder_for(20002, -1, &cat);
  EXPECT_EQ(moods.type, FERRY_TYPE_ARRAY);
  EXPECT_EQ(moods.element_type, FERRY_TYPE_ENUM);
  EXPECT_EQ(canon(moods, "{sad,\"happy \xe2\x98\xba\"}"), "[\"sad\",\"happy \xe2\x98\xba\"]");
  EXPECT_EQ(decoder_for(20003, -1, &cat).type, FERRY_TYPE_VARCHAR);
  EXPECT_EQ(decoder_for(20004, -1, &cat).type, FERRY_TYPE_VARCHAR);
  EXPECT_EQ(decoder_for(20005, -1, &cat).element_type, FERRY_TYPE_VARCHAR);
  EXPECT_EQ(decoder_for(20006, -1, &cat).type, FERRY_TYPE_OTHER);
  const Decoder rows = decoder_for(20007, -1, &cat);
  EXPECT_EQ(rows.element_type, FERRY_TYPE_OTHER);
  EXPECT_EQ(canon(rows, R"x({"(1,\"a b\")",NULL})x"), R"x(["(1,\"a b\")",null])x");
  EXPECT_EQ(decoder_for(20008, -1, &cat).type, FERRY_TYPE_OTHER);
  const Decoder semi = decoder_for(20010, -1, &cat);
  EXPECT_EQ(semi.delimiter, ';');
  EXPECT_EQ(canon(semi, "{a,b;c}"), R"(["a,b","c"])");
  EXPECT_EQ(canon(decoder_for(20011, -1, &cat), "0044-03-15 BC"), "-0043-03-15");
  const Decoder int_dom = decoder_for(20012, -1, &cat);
  EXPECT_EQ(int_dom.type, FERRY_TYPE_ARRAY);
  EXPECT_EQ(int_dom.element_type, FERRY_TYPE_INT32);
  EXPECT_EQ(decoder_for(20013, -1, &cat).type, FERRY_TYPE_OTHER);
  // Without a catalog, a type that is not built in is OTHER.
  EXPECT_EQ(decoder_for(20001, -1).type, FERRY_TYPE_OTHER);
}

TEST(PgToCanonical, ArraysBecomeJsonArrays) {
  const Decoder ints = decoder_for(1007, -1);
  EXPECT_EQ(ints.type, FERRY_TYPE_ARRAY);
  EXPECT_EQ(ints.element_type, FERRY_TYPE_INT32);
  EXPECT_EQ(canon(ints, "{1,2,NULL}"), R"(["1","2",null])");
  EXPECT_EQ(canon(ints, "{}"), "[]");
  EXPECT_EQ(canon(ints, "{{1,2},{3,4}}"), R"([["1","2"],["3","4"]])");
  EXPECT_EQ(canon(ints, "{{{1},{2}},{{3},{4}}}"), R"([[["1"],["2"]],[["3"],["4"]]])");
  EXPECT_EQ(canon(ints, "{null, 2 }"), R"([null,"2"])");  // PostgreSQL input leniency

  const Decoder texts = decoder_for(1009, -1);
  EXPECT_EQ(canon(texts, R"({"a b","c\"d",NULL,"NULL","","x\\y","{}"})"),
            R"(["a b","c\"d",null,"NULL","","x\\y","{}"])");
  EXPECT_EQ(canon(texts, "{\"a\nb\",\"\t\x01\",\xc3\xa9}"),
            "[\"a\\nb\",\"\\t\\u0001\",\"\xc3\xa9\"]");
  EXPECT_EQ(canon(decoder_for(1000, -1), "{t,f,NULL}"), R"(["1","0",null])");
  // bytea elements: PostgreSQL's hex text (raw bytes cannot live in JSON).
  const Decoder byteas = decoder_for(1001, -1);
  EXPECT_EQ(byteas.element_type, FERRY_TYPE_BLOB);
  EXPECT_EQ(canon(byteas, R"({"\\x0a0b","\\x",NULL})"), R"(["\\x0a0b","\\x",null])");
  EXPECT_EQ(canon(byteas, R"({"\\x0A0B"})"), R"(["\\x0a0b"])");
  EXPECT_EQ(canon(decoder_for(1022, -1), "{NaN,Infinity,-Infinity,-0,1e+300}"),
            R"(["nan","inf","-inf","-0","1e+300"])");
  EXPECT_EQ(canon(decoder_for(1182, -1), R"({"0044-03-15 BC",infinity,2024-01-31})"),
            R"(["-0043-03-15","infinity","2024-01-31"])");
  EXPECT_EQ(canon(decoder_for(1185, -1), R"({"2024-01-31 08:30:00.25+01"})"),
            R"(["2024-01-31T07:30:00.25Z"])");
  EXPECT_EQ(canon(decoder_for(1561, 8), "{00000101,11111111}"), R"(["5","255"])");
  EXPECT_EQ(decoder_for(1563, 8).element_type, FERRY_TYPE_OTHER);
  EXPECT_EQ(canon(decoder_for(1563, -1), "{0101,\"\"}"), R"(["0101",""])");
  EXPECT_EQ(canon(decoder_for(1187, -1), "{01:00:00,-00:00:00.5}"), R"(["1:00:00","-0:00:00.5"])");
  // box uses ';' between elements.
  const Decoder boxes = decoder_for(1020, -1);
  EXPECT_EQ(boxes.delimiter, ';');
  EXPECT_EQ(canon(boxes, "{(1,1),(0,0);(2,2),(1,1)}"), R"x(["(1,1),(0,0)","(2,2),(1,1)"])x");

  // Interval elements: ISO 8601 with a day part. No canonical form: lower bounds other than 1.
  EXPECT_EQ(canon(decoder_for(1187, -1), R"({01:00:00,"1 day"})"), R"(["1:00:00","P1D"])");
  EXPECT_NE(unrepresentable(ints, "[0:1]={1,2}").find("lower bounds"), std::string::npos);
  EXPECT_EQ(canon(native_decoder(), "[0:1]={1,2}"), "[0:1]={1,2}");

  for (const char* bad : {"{1,2", "{1,2}}", "1,2", "{\"a}", "{,}", "{1,}", "{1 2 {}", "{a\"b}",
                          "{{{{{{{1}}}}}}}", ""}) {
    std::string out;
    expect_error([&] { to_canonical(texts, bad, out); }, FERRY_INVALID_ARGUMENT,
                 {"PostgreSQL array text"});
  }
  // A bad element names the element's type.
  std::string out;
  expect_error([&] { to_canonical(decoder_for(1000, -1), "{t,x}", out); }, FERRY_INVALID_ARGUMENT,
               {"boolean text 'x'"});
}

TEST(PgToCanonical, AppendCanonicalIntoABatch) {
  auto table = make_table(TableSchema{"s", "t", {}});
  BatchBuilder b = BatchBuilder::changes({table});
  EXPECT_TRUE(append_canonical(b, decoder_for(oid::kText, -1), "as is"));
  EXPECT_TRUE(append_canonical(b, decoder_for(oid::kBool, -1), "t"));
  EXPECT_TRUE(append_canonical(b, decoder_for(oid::kBytea, -1), "\\x00"));
  std::string why;
  EXPECT_FALSE(append_canonical(b, decoder_for(1007, -1), "[0:1]={1,2}", &why));
  EXPECT_NE(why.find("lower bounds"), std::string::npos);
  EXPECT_TRUE(append_canonical(b, decoder_for(oid::kInterval, -1), "-01:00:00"));
  b.add_record(FERRY_OP_INSERT, 0, FERRY_NO_ROW, 0, 1, 0);
  const OwnedBatch batch = OwnedBatch::from(std::move(b));
  const BatchView v(batch.get());
  ASSERT_EQ(v.cell_count(), 4u);  // nothing was added for the array without a canonical form
  EXPECT_EQ(v.cell(0).data, "as is");
  EXPECT_EQ(v.cell(1).data, "1");
  EXPECT_EQ(v.cell(2).data, std::string_view("\0", 1));
  EXPECT_EQ(v.cell(3).data, "-1:00:00");
}

// ---- canonical → PostgreSQL ------------------------------------------------------------------

Encoder enc(ferry_type t, int64_t length = -1, ferry_type element = FERRY_TYPE_UNKNOWN) {
  return Encoder{t, element, length, "shop.orders.c"};
}
std::string pg(ferry_type t, std::string_view v, int64_t length = -1) {
  return to_pg_text(enc(t, length), v);
}
void bad_canonical(ferry_type t, std::string_view v, std::string_view mention, int64_t length = -1,
                   ferry_type element = FERRY_TYPE_UNKNOWN) {
  expect_error([&] { to_pg_text(enc(t, length, element), v); }, FERRY_INVALID_ARGUMENT,
               {"shop.orders.c", mention});
}

TEST(CanonicalToPg, BoolIntegersDecimal) {
  EXPECT_EQ(pg(FERRY_TYPE_BOOL, "1"), "t");
  EXPECT_EQ(pg(FERRY_TYPE_BOOL, "0"), "f");
  bad_canonical(FERRY_TYPE_BOOL, "t", "value 't' is not a canonical BOOL");
  bad_canonical(FERRY_TYPE_BOOL, "2", "BOOL");
  EXPECT_EQ(pg(FERRY_TYPE_INT64, "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(pg(FERRY_TYPE_INT64, "18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(pg(FERRY_TYPE_YEAR, "2024"), "2024");
  for (const char* bad : {"", "-", "+5", "12a", "1.5", " 1"}) {
    bad_canonical(FERRY_TYPE_INT32, bad, "INT32");
  }
  for (const char* ok : {"-1234.50", "0", ".5", "5.", "NaN", "Infinity", "-Infinity"}) {
    EXPECT_EQ(pg(FERRY_TYPE_DECIMAL, ok), ok);
  }
  for (const char* bad : {"", "-", ".", "1e5", "abc", "1.2.3", "nan", "--1"}) {
    bad_canonical(FERRY_TYPE_DECIMAL, bad, "DECIMAL");
  }
}

TEST(CanonicalToPg, Floats) {
  EXPECT_EQ(pg(FERRY_TYPE_FLOAT64, "nan"), "NaN");
  EXPECT_EQ(pg(FERRY_TYPE_FLOAT64, "inf"), "Infinity");
  EXPECT_EQ(pg(FERRY_TYPE_FLOAT64, "-inf"), "-Infinity");
  EXPECT_EQ(pg(FERRY_TYPE_FLOAT32, "-inf"), "-Infinity");
  for (const char* ok : {"-0", "0.1", "1e+300", "5e-324", "1.7976931348623157e+308", "100"}) {
    EXPECT_EQ(pg(FERRY_TYPE_FLOAT64, ok), ok);
  }
  for (const char* bad : {"NaN", "Infinity", "", "abc", "1e400", "1,5"}) {
    bad_canonical(FERRY_TYPE_FLOAT64, bad, "FLOAT64");
  }
}

TEST(CanonicalToPg, BinaryBecomesHex) {
  EXPECT_EQ(pg(FERRY_TYPE_BLOB, std::string("\x00\xff\x0a\x5c", 4)), "\\x00ff0a5c");
  EXPECT_EQ(pg(FERRY_TYPE_VARBINARY, ""), "\\x");
  EXPECT_EQ(pg(FERRY_TYPE_BINARY, "AB"), "\\x4142");
  EXPECT_EQ(pg(FERRY_TYPE_GEOMETRY, "\x01\x01"), "\\x0101");
}

TEST(CanonicalToPg, DatesTimestampsBcInfinityAndZeroDates) {
  EXPECT_EQ(pg(FERRY_TYPE_DATE, "2024-01-31"), "2024-01-31");
  EXPECT_EQ(pg(FERRY_TYPE_DATE, "10000-01-01"), "10000-01-01");
  EXPECT_EQ(pg(FERRY_TYPE_DATE, "infinity"), "infinity");
  EXPECT_EQ(pg(FERRY_TYPE_DATE, "-infinity"), "-infinity");
  EXPECT_EQ(pg(FERRY_TYPE_DATE, "-0043-03-15"), "0044-03-15 BC");
  EXPECT_EQ(pg(FERRY_TYPE_DATE, "0000-01-01"), "0001-01-01 BC");
  EXPECT_EQ(pg(FERRY_TYPE_DATE, "-4713-11-24"), "4714-11-24 BC");
  EXPECT_EQ(pg(FERRY_TYPE_DATE, "0000-02-29"), "0001-02-29 BC");  // year 0 is a leap year
  bad_canonical(FERRY_TYPE_DATE, "0000-00-00", "'0000-00-00' is a MySQL zero date");
  bad_canonical(FERRY_TYPE_DATE, "2024-00-15", "zero date");
  bad_canonical(FERRY_TYPE_DATE, "2024-05-00", "zero date");
  bad_canonical(FERRY_TYPE_DATE, "2024-02-30", "not a valid date");
  bad_canonical(FERRY_TYPE_DATE, "2024-13-01", "not a valid date");
  bad_canonical(FERRY_TYPE_DATE, "2024-1-31", "not a canonical DATE");
  bad_canonical(FERRY_TYPE_DATE, "2024-01-31 BC", "not a canonical DATE");

  EXPECT_EQ(pg(FERRY_TYPE_TIMESTAMP, "2024-01-31T08:30:00.25"), "2024-01-31T08:30:00.25");
  EXPECT_EQ(pg(FERRY_TYPE_TIMESTAMP, "infinity"), "infinity");
  EXPECT_EQ(pg(FERRY_TYPE_TIMESTAMP, "-0043-03-15T08:30:00"), "0044-03-15 08:30:00 BC");
  EXPECT_EQ(pg(FERRY_TYPE_TIMESTAMP, "0000-12-31T23:59:59.999999"),
            "0001-12-31 23:59:59.999999 BC");
  bad_canonical(FERRY_TYPE_TIMESTAMP, "0000-00-00T00:00:00", "zero date");
  bad_canonical(FERRY_TYPE_TIMESTAMP, "2024-01-31 08:30:00", "not a canonical TIMESTAMP");
  bad_canonical(FERRY_TYPE_TIMESTAMP, "2024-01-31T24:00:00", "not a valid time of day");
  bad_canonical(FERRY_TYPE_TIMESTAMP, "2024-01-31T08:30:00Z", "not a canonical TIMESTAMP");

  EXPECT_EQ(pg(FERRY_TYPE_TIMESTAMPTZ, "2024-01-31T07:30:00.25Z"), "2024-01-31T07:30:00.25Z");
  EXPECT_EQ(pg(FERRY_TYPE_TIMESTAMPTZ, "-infinity"), "-infinity");
  EXPECT_EQ(pg(FERRY_TYPE_TIMESTAMPTZ, "-0043-03-15T07:30:00Z"), "0044-03-15 07:30:00+00 BC");
  bad_canonical(FERRY_TYPE_TIMESTAMPTZ, "0000-00-00T00:00:00Z",
                "'0000-00-00T00:00:00Z' is a MySQL zero date");
  bad_canonical(FERRY_TYPE_TIMESTAMPTZ, "2024-01-31T07:30:00", "not a canonical TIMESTAMPTZ");
  bad_canonical(FERRY_TYPE_TIMESTAMPTZ, "2024-01-31T07:30:00+01:00", "TIMESTAMPTZ");
}

TEST(CanonicalToPg, TimeTimetzInterval) {
  EXPECT_EQ(pg(FERRY_TYPE_TIME, "8:30:00.5"), "8:30:00.5");
  EXPECT_EQ(pg(FERRY_TYPE_TIME, "0:00:00"), "0:00:00");
  EXPECT_EQ(pg(FERRY_TYPE_TIME, "-0:00:00"), "0:00:00");
  EXPECT_EQ(pg(FERRY_TYPE_TIME, "24:00:00"), "24:00:00");
  EXPECT_EQ(pg(FERRY_TYPE_TIME, "23:59:59.999999"), "23:59:59.999999");
  bad_canonical(FERRY_TYPE_TIME, "-838:59:59",
                "value '-838:59:59' is out of range for PostgreSQL time");
  bad_canonical(FERRY_TYPE_TIME, "838:59:59", "out of range for PostgreSQL time");
  bad_canonical(FERRY_TYPE_TIME, "24:00:00.000001", "out of range");
  bad_canonical(FERRY_TYPE_TIME, "-0:00:01", "out of range");
  bad_canonical(FERRY_TYPE_TIME, "8:30", "not a canonical TIME");
  bad_canonical(FERRY_TYPE_TIME, "08:60:00", "not a canonical TIME");

  EXPECT_EQ(pg(FERRY_TYPE_TIMETZ, "8:30:00+02:00"), "8:30:00+02:00");
  EXPECT_EQ(pg(FERRY_TYPE_TIMETZ, "8:30:00.5-03:30"), "8:30:00.5-03:30");
  EXPECT_EQ(pg(FERRY_TYPE_TIMETZ, "8:30:00+05:45:30"), "8:30:00+05:45:30");
  bad_canonical(FERRY_TYPE_TIMETZ, "8:30:00", "TIMETZ");
  bad_canonical(FERRY_TYPE_TIMETZ, "-1:00:00+02:00", "out of range");
  bad_canonical(FERRY_TYPE_TIMETZ, "8:30:00+2", "TIMETZ");

  EXPECT_EQ(pg(FERRY_TYPE_INTERVAL, "-838:59:59"), "-838:59:59");
  EXPECT_EQ(pg(FERRY_TYPE_INTERVAL, "0:00:01.5"), "0:00:01.5");
  EXPECT_EQ(pg(FERRY_TYPE_INTERVAL, "2562047788:00:54.775807"), "2562047788:00:54.775807");
  bad_canonical(FERRY_TYPE_INTERVAL, "1 day", "not a canonical INTERVAL");
  // An interval with a year, month or day part: ISO 8601, which interval_in reads exactly.
  for (const char* v : {"P1Y2M3DT4H5M6.5S", "P-1DT2H3M4S", "P1D", "P1M", "P-1Y", "P1YT-1S",
                        "P1MT-0.5S", "P2DT2562047788H54.775807S", "P1DT1M"}) {
    EXPECT_EQ(pg(FERRY_TYPE_INTERVAL, v), v);
  }
  for (const char* v : {"P", "PT1H", "P1H", "P1DT", "P1.5D", "P1D2Y", "P1DT1H1H", "P1DT1.1234567S",
                        "P+1D", "P1D ", "p1d", "P1DT1.5M"}) {
    bad_canonical(FERRY_TYPE_INTERVAL, v, "not a canonical INTERVAL");
  }
}

TEST(CanonicalToPg, BitRendersTheColumnsWidth) {
  EXPECT_EQ(pg(FERRY_TYPE_BIT, "5", 8), "00000101");
  EXPECT_EQ(pg(FERRY_TYPE_BIT, "255", 8), "11111111");
  EXPECT_EQ(pg(FERRY_TYPE_BIT, "0", 1), "0");
  EXPECT_EQ(pg(FERRY_TYPE_BIT, "18446744073709551615", 64), std::string(64, '1'));
  EXPECT_EQ(pg(FERRY_TYPE_BIT, "5"), "101");  // width unknown: no leading zeros (varbit)
  EXPECT_EQ(pg(FERRY_TYPE_BIT, "0"), "0");
  bad_canonical(FERRY_TYPE_BIT, "256", "does not fit in bit(8)", 8);
  bad_canonical(FERRY_TYPE_BIT, "2", "does not fit in bit(1)", 1);
  for (const char* bad : {"", "-1", "+5", "abc", "18446744073709551616", "0101b"}) {
    bad_canonical(FERRY_TYPE_BIT, bad, "BIT", 8);
  }
}

TEST(CanonicalToPg, TextLikePassThroughWithoutNul) {
  for (const ferry_type t : {FERRY_TYPE_TEXT, FERRY_TYPE_VARCHAR, FERRY_TYPE_CHAR, FERRY_TYPE_JSON,
                             FERRY_TYPE_ENUM, FERRY_TYPE_SET, FERRY_TYPE_UUID, FERRY_TYPE_INET,
                             FERRY_TYPE_CIDR, FERRY_TYPE_MACADDR, FERRY_TYPE_OTHER}) {
    EXPECT_EQ(pg(t, "h\xc3\xa9llo \"q\" \\ 's"), "h\xc3\xa9llo \"q\" \\ 's");
    bad_canonical(t, std::string("a\0b", 3), "contains a NUL byte");
  }
  EXPECT_EQ(pg(FERRY_TYPE_SET, "a,c"), "a,c");
}

TEST(CanonicalToPg, ArraysBecomeArrayLiterals) {
  auto arr = [](ferry_type element, std::string_view v, int64_t length = -1) {
    return to_pg_text(enc(FERRY_TYPE_ARRAY, length, element), v);
  };
  EXPECT_EQ(arr(FERRY_TYPE_INT32, R"(["1","2",null])"), R"({"1","2",NULL})");
  EXPECT_EQ(arr(FERRY_TYPE_INT32, "[]"), "{}");
  EXPECT_EQ(arr(FERRY_TYPE_INT32, R"([["1","2"],["3","4"]])"), R"({{"1","2"},{"3","4"}})");
  EXPECT_EQ(arr(FERRY_TYPE_INT32, " [ 1 , -2 ] "), R"({"1","-2"})");  // JSON numbers too
  EXPECT_EQ(arr(FERRY_TYPE_TEXT, R"(["a b","c\"d","x\\y","NULL","","{}"])"),
            R"({"a b","c\"d","x\\y","NULL","","{}"})");
  EXPECT_EQ(arr(FERRY_TYPE_TEXT, R"(["\u00e9\ud83d\ude00\n\t\/"])"),
            "{\"\xc3\xa9\xf0\x9f\x98\x80\n\t/\"}");
  EXPECT_EQ(arr(FERRY_TYPE_BOOL, R"(["1","0",null])"), R"({"t","f",NULL})");
  EXPECT_EQ(arr(FERRY_TYPE_FLOAT64, R"(["nan","-inf","-0"])"), R"({"NaN","-Infinity","-0"})");
  EXPECT_EQ(arr(FERRY_TYPE_DATE, R"(["-0043-03-15","infinity"])"),
            R"({"0044-03-15 BC","infinity"})");
  EXPECT_EQ(arr(FERRY_TYPE_BIT, R"(["5"])", 8), R"({"00000101"})");
  // bytea elements are PostgreSQL hex text; inside the literal the backslash is escaped.
  EXPECT_EQ(arr(FERRY_TYPE_BLOB, R"(["\\x0a0b","\\x",null])"), R"({"\\x0a0b","\\x",NULL})");
  bad_canonical(FERRY_TYPE_ARRAY, R"(["0a0b"])", "binary element", -1, FERRY_TYPE_BLOB);
  bad_canonical(FERRY_TYPE_ARRAY, R"(["\\x0g"])", "binary element", -1, FERRY_TYPE_BLOB);
  // An element that is not its type's canonical form, or that PostgreSQL cannot store.
  bad_canonical(FERRY_TYPE_ARRAY, R"(["1","x"])", "'x' is not a canonical INT32", -1,
                FERRY_TYPE_INT32);
  bad_canonical(FERRY_TYPE_ARRAY, R"(["0000-00-00"])", "zero date", -1, FERRY_TYPE_DATE);
  bad_canonical(FERRY_TYPE_ARRAY, R"(["a\u0000b"])", "NUL byte", -1, FERRY_TYPE_TEXT);
  for (const char* bad :
       {"", "{1}", "[", "[\"a\"", "[\"a\",]", "[true]", "[\"a\"] x", "[,]", "[\"\\ud83d\"]",
        "[\"\\x\"]", "[\"\\u12\"]", "[[[[[[[\"1\"]]]]]]]", "[\"a\nb\"]"}) {
    bad_canonical(FERRY_TYPE_ARRAY, bad, "ARRAY", -1, FERRY_TYPE_TEXT);
  }
}

TEST(CanonicalToPg, RoundTripsThroughCanonical) {
  // PostgreSQL text → canonical → PostgreSQL text gives back what PostgreSQL reads as the same.
  struct Case {
    uint32_t oid;
    int32_t typmod;
    ferry_type type;
    const char* pg_text;
    const char* back;
  };
  const Case cases[] = {
      {oid::kDate, -1, FERRY_TYPE_DATE, "0044-03-15 BC", "0044-03-15 BC"},
      {oid::kDate, -1, FERRY_TYPE_DATE, "0001-01-01 BC", "0001-01-01 BC"},
      {oid::kTimestamp, -1, FERRY_TYPE_TIMESTAMP, "0044-03-15 08:30:00 BC",
       "0044-03-15 08:30:00 BC"},
      {oid::kTimestamptz, -1, FERRY_TYPE_TIMESTAMPTZ, "0044-03-15 07:30:00+00 BC",
       "0044-03-15 07:30:00+00 BC"},
      {oid::kBool, -1, FERRY_TYPE_BOOL, "t", "t"},
      {oid::kFloat8, -1, FERRY_TYPE_FLOAT64, "-Infinity", "-Infinity"},
      {oid::kBytea, -1, FERRY_TYPE_BLOB, "\\x00ff", "\\x00ff"},
      {oid::kBit, 8, FERRY_TYPE_BIT, "00000101", "00000101"},
      {oid::kTime, -1, FERRY_TYPE_TIME, "24:00:00", "24:00:00"},
  };
  for (const auto& c : cases) {
    const std::string mid = canon(c.oid, c.pg_text, c.typmod);
    EXPECT_EQ(to_pg_text(Encoder{c.type, FERRY_TYPE_UNKNOWN, c.typmod, "x"}, mid), c.back)
        << c.pg_text;
  }
}

// ---- COPY text format, literals, messages ------------------------------------------------------

TEST(PgCopy, EscapesBackslashTabNewlineCarriageReturn) {
  std::string out;
  append_copy_escaped(out, "a\tb\nc\rd\\e");
  EXPECT_EQ(out, "a\\tb\\nc\\rd\\\\e");
  out.clear();
  append_copy_escaped(out, "plain \xc3\xa9 \"q\" 's");
  EXPECT_EQ(out, "plain \xc3\xa9 \"q\" 's");
  out.clear();
  append_copy_escaped(out, "");
  EXPECT_EQ(out, "");
  out = "x";
  append_copy_escaped(out, "\\N");  // the text \N, not NULL
  EXPECT_EQ(out, "x\\\\N");
}

TEST(PgCopy, Fields) {
  std::string out;
  append_copy_field(out, enc(FERRY_TYPE_TEXT), Cell{{}, FERRY_CELL_NULL});
  EXPECT_EQ(out, "\\N");
  out.clear();
  append_copy_field(out, enc(FERRY_TYPE_TEXT), Cell{"", 0});
  EXPECT_EQ(out, "");
  out.clear();
  append_copy_field(out, enc(FERRY_TYPE_BOOL), Cell{"1", 0});
  EXPECT_EQ(out, "t");
  out.clear();
  // bytea: \x hex, whose backslash COPY must see doubled.
  append_copy_field(out, enc(FERRY_TYPE_BLOB), Cell{"\n\\", 0});
  EXPECT_EQ(out, "\\\\x0a5c");
  out.clear();
  append_copy_field(out, enc(FERRY_TYPE_ARRAY, -1, FERRY_TYPE_TEXT), Cell{R"(["a\tb","c\\d"])", 0});
  EXPECT_EQ(out, "{\"a\\tb\",\"c\\\\\\\\d\"}");
  expect_error(
      [&] {
        append_copy_field(out, enc(FERRY_TYPE_TEXT), Cell{{}, FERRY_CELL_UNCHANGED});
      },
      FERRY_INVALID_ARGUMENT, {"shop.orders.c", "unchanged", "COPY"});
  expect_error(
      [&] {
        append_copy_field(out, enc(FERRY_TYPE_TEXT), Cell{{}, FERRY_CELL_DEFAULT});
      },
      FERRY_INVALID_ARGUMENT, {"DEFAULT", "COPY"});
  expect_error(
      [&] {
        append_copy_field(out, enc(FERRY_TYPE_TIME), Cell{"-838:59:59", 0});
      },
      FERRY_INVALID_ARGUMENT, {"shop.orders.c", "-838:59:59"});
}

TEST(PgLiteral, QuotesAndRefusesNul) {
  std::string out;
  append_sql_literal(out, "it's a \\ test");
  EXPECT_EQ(out, "'it''s a \\ test'");
  out.clear();
  append_sql_literal(out, "''");
  EXPECT_EQ(out, "''''''");
  out.clear();
  append_sql_literal(out, "");
  EXPECT_EQ(out, "''");
  expect_error([&] { append_sql_literal(out, std::string("a\0", 2)); }, FERRY_INVALID_ARGUMENT,
               {"NUL byte"});
}

TEST(PgShownValue, CutsAndEscapes) {
  EXPECT_EQ(shown_value("abc"), "abc");
  EXPECT_EQ(shown_value("a\nb"), "a\\x0ab");
  EXPECT_EQ(shown_value("\xff"), "\\xff");
  EXPECT_EQ(shown_value("h\xc3\xa9"), "h\xc3\xa9");
  EXPECT_EQ(shown_value("\xc3"), "\\xc3");  // a cut UTF-8 sequence
  EXPECT_EQ(shown_value(std::string(100, 'x')), std::string(64, 'x') + "...");
}

}  // namespace
}  // namespace ferry::pg
