// The MySQL connector's pure helpers: positions, canonical text from the text protocol, type
// normalization, ENUM/SET labels, object selection.
#include <gtest/gtest.h>

#include "catalog.hpp"
#include "literal.hpp"
#include "position.hpp"
#include "values.hpp"

namespace ferry::mysql {
namespace {

TEST(MysqlPosition, EncodesDecodesAndOrders) {
  BinlogPosition a{"mysql-bin.000009", 1234, "0-1-42,1-2-7", 0};
  const Bytes bytes = a.encode();
  const BinlogPosition b = BinlogPosition::decode(bytes.data(), bytes.size());
  EXPECT_EQ(b.file, a.file);
  EXPECT_EQ(b.pos, a.pos);
  EXPECT_EQ(b.gtid, a.gtid);
  EXPECT_EQ(b.index, 0u);
  EXPECT_EQ(a.display(), "mysql-bin.000009:1234 gtid 0-1-42,1-2-7");
  // Files are ordered by their sequence number.
  EXPECT_LT(compare(a, BinlogPosition{"mysql-bin.000010", 4, "", 0}), 0);
  EXPECT_GT(compare(a, BinlogPosition{"mysql-bin.000009", 1000, "", 0}), 0);
  EXPECT_LT(compare(a, BinlogPosition{"mysql-bin.000009", 1234, "", 3}), 0);
  EXPECT_EQ(compare(a, b), 0);
  EXPECT_THROW(compare(a, BinlogPosition{"other.000001", 4, "", 0}), Error);
  const Bytes junk = to_bytes("lsn 0/16B3748");
  EXPECT_THROW(BinlogPosition::decode(junk.data(), junk.size()), Error);
}

TEST(MysqlValues, TextProtocolRenderingsBecomeCanonical) {
  EXPECT_EQ(to_canonical(TextForm::DateTime, "2024-02-29 12:34:56.500000"),
            "2024-02-29T12:34:56.5");
  EXPECT_EQ(to_canonical(TextForm::DateTime, "2024-02-29 12:34:56.000000"), "2024-02-29T12:34:56");
  EXPECT_EQ(to_canonical(TextForm::DateTime, "2024-02-29 12:34:50"), "2024-02-29T12:34:50");
  EXPECT_EQ(to_canonical(TextForm::DateTimeUtc, "1970-01-01 00:00:01.000"), "1970-01-01T00:00:01Z");
  EXPECT_EQ(to_canonical(TextForm::DateTimeUtc, "0000-00-00 00:00:00"), "0000-00-00T00:00:00Z");
  EXPECT_EQ(to_canonical(TextForm::Time, "-838:59:59"), "-838:59:59");
  EXPECT_EQ(to_canonical(TextForm::Time, "00:00:01.500000"), "0:00:01.5");
  EXPECT_EQ(to_canonical(TextForm::Time, "-00:00:00.000001"), "-0:00:00.000001");
  EXPECT_EQ(to_canonical(TextForm::Time, "10:00:00"), "10:00:00");
  EXPECT_EQ(to_canonical(TextForm::Year, "0000"), "0");
  EXPECT_EQ(to_canonical(TextForm::Year, "2155"), "2155");
  // FLOAT arrives as the exact double of the float; the canonical text is the float's shortest.
  EXPECT_EQ(to_canonical(TextForm::Float32, "1.0000001192092896"), "1.0000001");
  EXPECT_EQ(to_canonical(TextForm::Float32, "0.10000000149011612"), "0.1");
  EXPECT_EQ(to_canonical(TextForm::Float64, "1.7976931348623157e308"), "1.7976931348623157e+308");
  EXPECT_EQ(to_canonical(TextForm::Float64, "-0"), "-0");
  EXPECT_EQ(to_canonical(TextForm::AsIs, "12.50"), "12.50");
}

// The largest floats' shortest text (3.4028235e+38) reads as a double beyond FLT_MAX, which a
// MySQL FLOAT column refuses: it is sent as the float's exact double value. Other values and
// DOUBLE are sent as they are.
TEST(MysqlLiterals, LargestFloatsAreSentAsTheirExactDouble) {
  auto load = [](ferry_type type, std::string_view v) {
    ferry_column column{};
    column.type = type;
    column.name = "f";
    std::string out;
    append_load_field(out, ValueSite{"s", "t", column}, Cell{v, 0});
    return out;
  };
  EXPECT_EQ(load(FERRY_TYPE_FLOAT32, "3.4028235e+38"), "3.4028234663852886e+38");
  EXPECT_EQ(load(FERRY_TYPE_FLOAT32, "-3.4028235e+38"), "-3.4028234663852886e+38");
  EXPECT_EQ(load(FERRY_TYPE_FLOAT32, "3.4028233e+38"), "3.4028233e+38");
  EXPECT_EQ(load(FERRY_TYPE_FLOAT32, "1.0000001"), "1.0000001");
  EXPECT_EQ(load(FERRY_TYPE_FLOAT64, "1.7976931348623157e+308"), "1.7976931348623157e+308");
  EXPECT_EQ(load(FERRY_TYPE_FLOAT64, "3.4028235e+38"), "3.4028235e+38");
}

TEST(MysqlCatalog, NormalizesTypes) {
  auto norm =
      [](std::string dt, std::string ct, std::optional<int64_t> chars = std::nullopt,
         std::optional<int64_t> octets = std::nullopt, std::optional<int64_t> prec = std::nullopt,
         std::optional<int64_t> scale = std::nullopt, std::optional<int64_t> dtp = std::nullopt) {
        Column c;
        normalize_type(
            ColumnTypeInfo{dt, ct, chars, octets, prec, scale, dtp, std::nullopt, std::nullopt}, c);
        return c;
      };
  EXPECT_EQ(norm("bigint", "bigint(20) unsigned").type, FERRY_TYPE_INT64);
  EXPECT_TRUE(norm("bigint", "bigint(20) unsigned").flags & FERRY_COLUMN_UNSIGNED);
  EXPECT_EQ(norm("mediumint", "mediumint(9)").type, FERRY_TYPE_INT24);
  const Column d = norm("decimal", "decimal(65,30)", {}, {}, 65, 30);
  EXPECT_EQ(d.type, FERRY_TYPE_DECIMAL);
  EXPECT_EQ(d.precision, 65);
  EXPECT_EQ(d.scale, 30);
  EXPECT_EQ(norm("bit", "bit(64)", {}, {}, 64).length, 64);
  EXPECT_EQ(norm("varchar", "varchar(40)", 40, 160).length, 40);
  EXPECT_EQ(norm("mediumtext", "mediumtext", 16777215, 16777215).type, FERRY_TYPE_TEXT);
  EXPECT_EQ(norm("datetime", "datetime(6)", {}, {}, {}, {}, 6).type, FERRY_TYPE_TIMESTAMP);
  EXPECT_EQ(norm("datetime", "datetime(6)", {}, {}, {}, {}, 6).scale, 6);
  EXPECT_EQ(norm("timestamp", "timestamp").type, FERRY_TYPE_TIMESTAMPTZ);
  EXPECT_EQ(norm("point", "point").type, FERRY_TYPE_GEOMETRY);
  EXPECT_EQ(norm("enum", "enum('a','b')").labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(norm("whatever", "whatever(3)").type, FERRY_TYPE_OTHER);
  EXPECT_EQ(norm("whatever", "whatever(3)").native_type, "whatever(3)");
}

TEST(MysqlCatalog, ParsesEnumAndSetLabels) {
  EXPECT_EQ(parse_labels("enum('a','it''s','c,d','')"),
            (std::vector<std::string>{"a", "it's", "c,d", ""}));
  EXPECT_EQ(parse_labels("set('x')"), std::vector<std::string>{"x"});
  EXPECT_EQ(parse_labels("enum('back\\\\slash')"), std::vector<std::string>{"back\\slash"});
}

TEST(MysqlCatalog, SelectionRules) {
  EXPECT_TRUE(glob_match("shop.*", "shop.orders"));
  EXPECT_TRUE(glob_match("t?p_*", "tmp_x"));
  EXPECT_FALSE(glob_match("t?p_*", "temp_x"));
  Selection s = parse_selection(R"({"include":["shop.*","crm"],"exclude":["shop.tmp_*"]})");
  EXPECT_TRUE(s.matches("shop", "orders"));
  EXPECT_FALSE(s.matches("shop", "tmp_orders"));
  EXPECT_TRUE(s.matches("crm", "anything"));
  EXPECT_FALSE(s.matches("other", "orders"));
  EXPECT_FALSE(Selection{}.matches("mysql", "user"));  // system databases never
  EXPECT_TRUE(Selection{}.matches("app", "t"));
  EXPECT_THROW(parse_selection("{\"include\": 3}"), Error);
  EXPECT_THROW(parse_selection("{\"includes\": []}"), Error);
  EXPECT_THROW(parse_selection("not json"), Error);
}

}  // namespace
}  // namespace ferry::mysql
