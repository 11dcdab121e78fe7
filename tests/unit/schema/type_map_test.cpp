// The type map of each direction, column by column, as docs/type-mapping.md lists it; refusals
// naming the column; allow_lossy; the other mapping options; defaults.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "catalog_builder.hpp"
#include "ddl.hpp"

namespace ferry::schema {
namespace {

using testing::Col;
using testing::dest_type;

constexpr uint32_t U = FERRY_COLUMN_UNSIGNED;

// Every type of the mysql connector's type matrix (tests/db/mysql/type_matrix.hpp) and the
// rest of its type table, as its catalog reports them (MariaDB spellings).
Table mysql_matrix() {
  return testing::table(
      "shop", "types",
      {Col("id", FERRY_TYPE_INT32, "int(11)"),
       Col("ti", FERRY_TYPE_INT8, "tinyint(4)"),
       Col("tu", FERRY_TYPE_INT8, "tinyint(3) unsigned").flag(U),
       Col("flag", FERRY_TYPE_INT8, "tinyint(1)"),
       Col("si", FERRY_TYPE_INT16, "smallint(6)"),
       Col("su", FERRY_TYPE_INT16, "smallint(5) unsigned").flag(U),
       Col("mi", FERRY_TYPE_INT24, "mediumint(9)"),
       Col("mu", FERRY_TYPE_INT24, "mediumint(8) unsigned").flag(U),
       Col("i", FERRY_TYPE_INT32, "int(11)"),
       Col("iu", FERRY_TYPE_INT32, "int(10) unsigned").flag(U),
       Col("bi", FERRY_TYPE_INT64, "bigint(20)"),
       Col("bu", FERRY_TYPE_INT64, "bigint(20) unsigned").flag(U),
       Col("d1", FERRY_TYPE_DECIMAL, "decimal(65,30)").prec(65, 30),
       Col("d2", FERRY_TYPE_DECIMAL, "decimal(10,2)").prec(10, 2),
       Col("f", FERRY_TYPE_FLOAT32, "float"),
       Col("dbl", FERRY_TYPE_FLOAT64, "double"),
       Col("b1", FERRY_TYPE_BIT, "bit(1)").len(1),
       Col("b64", FERRY_TYPE_BIT, "bit(64)").len(64),
       Col("c", FERRY_TYPE_CHAR, "char(10)").len(10).charset("utf8mb4", "utf8mb4_general_ci"),
       Col("vc", FERRY_TYPE_VARCHAR, "varchar(100)")
           .len(100)
           .charset("utf8mb4", "utf8mb4_general_ci"),
       Col("tx", FERRY_TYPE_TEXT, "text").len(65535).charset("utf8mb4", "utf8mb4_general_ci"),
       Col("cl", FERRY_TYPE_CHAR, "char(10)").len(10).charset("latin1", "latin1_swedish_ci"),
       Col("bn", FERRY_TYPE_BINARY, "binary(4)").len(4),
       Col("vb", FERRY_TYPE_VARBINARY, "varbinary(10)").len(10),
       Col("bl", FERRY_TYPE_BLOB, "blob").len(65535),
       Col("dt", FERRY_TYPE_DATE, "date"),
       Col("dtm", FERRY_TYPE_TIMESTAMP, "datetime"),
       Col("dtm6", FERRY_TYPE_TIMESTAMP, "datetime(6)").scale(6),
       Col("ts", FERRY_TYPE_TIMESTAMPTZ, "timestamp(3)").scale(3),
       Col("tm", FERRY_TYPE_TIME, "time"),
       Col("tm6", FERRY_TYPE_TIME, "time(6)").scale(6),
       Col("y", FERRY_TYPE_YEAR, "year(4)"),
       Col("e", FERRY_TYPE_ENUM, "enum('small','medium','large')")
           .labels({"small", "medium", "large"})
           .charset("utf8mb4", "utf8mb4_general_ci"),
       Col("st", FERRY_TYPE_SET, "set('a','b','c')")
           .labels({"a", "b", "c"})
           .charset("utf8mb4", "utf8mb4_general_ci"),
       Col("j", FERRY_TYPE_JSON, "longtext"),
       Col("g", FERRY_TYPE_GEOMETRY, "point"),
       Col("ip", FERRY_TYPE_INET, "inet6"),
       Col("u", FERRY_TYPE_UUID, "uuid")},
      {"id"});
}

// Every type of the postgres connector's type matrix (tests/db/postgres/pg_fixture.hpp), as
// its catalog reports them (format_type spellings).
Table pg_matrix() {
  return testing::table("public", "types",
                        {Col("id", FERRY_TYPE_INT32, "integer"),
                         Col("i2", FERRY_TYPE_INT16, "smallint"),
                         Col("i4", FERRY_TYPE_INT32, "integer"),
                         Col("i8", FERRY_TYPE_INT64, "bigint"),
                         Col("n", FERRY_TYPE_DECIMAL, "numeric"),
                         Col("n2", FERRY_TYPE_DECIMAL, "numeric(10,2)").prec(10, 2),
                         Col("r", FERRY_TYPE_FLOAT32, "real"),
                         Col("d", FERRY_TYPE_FLOAT64, "double precision"),
                         Col("b", FERRY_TYPE_BOOL, "boolean"),
                         Col("c", FERRY_TYPE_CHAR, "character(3)").len(3),
                         Col("vc", FERRY_TYPE_VARCHAR, "character varying(10)").len(10),
                         Col("t", FERRY_TYPE_TEXT, "text").len(0),
                         Col("ba", FERRY_TYPE_BLOB, "bytea"),
                         Col("dt", FERRY_TYPE_DATE, "date"),
                         Col("tm", FERRY_TYPE_TIME, "time(6) without time zone").scale(6),
                         Col("ttz", FERRY_TYPE_TIMETZ, "time with time zone").scale(6),
                         Col("ts", FERRY_TYPE_TIMESTAMP, "timestamp(6) without time zone").scale(6),
                         Col("tstz", FERRY_TYPE_TIMESTAMPTZ, "timestamp with time zone").scale(6),
                         Col("iv", FERRY_TYPE_INTERVAL, "interval").scale(6),
                         Col("u", FERRY_TYPE_UUID, "uuid"),
                         Col("j", FERRY_TYPE_JSON, "json"),
                         Col("jb", FERRY_TYPE_JSON, "jsonb"),
                         Col("ip", FERRY_TYPE_INET, "inet"),
                         Col("cidr_", FERRY_TYPE_CIDR, "cidr"),
                         Col("mac", FERRY_TYPE_MACADDR, "macaddr"),
                         Col("bt", FERRY_TYPE_BIT, "bit(8)").len(8),
                         Col("m", FERRY_TYPE_ENUM, "mood").labels({"sad", "ok"}),
                         Col("arr", FERRY_TYPE_ARRAY, "integer[]").element(FERRY_TYPE_INT32),
                         Col("tarr", FERRY_TYPE_ARRAY, "text[]").element(FERRY_TYPE_TEXT),
                         Col("money_", FERRY_TYPE_OTHER, "money"),
                         Col("vbit", FERRY_TYPE_OTHER, "bit varying(5)")},
                        {"id"});
}

TEST(SchemaTypeMap, MysqlToPostgres) {
  const TablePlan p = plan_table(mysql_matrix(), Dialect::MySQL, Dialect::PostgreSQL, {}, {});
  const std::map<std::string, std::string> expected = {{"id", "integer"},
                                                       {"ti", "smallint"},
                                                       {"tu", "smallint"},
                                                       {"flag", "smallint"},
                                                       {"si", "smallint"},
                                                       {"su", "integer"},
                                                       {"mi", "integer"},
                                                       {"mu", "integer"},
                                                       {"i", "integer"},
                                                       {"iu", "bigint"},
                                                       {"bi", "bigint"},
                                                       {"bu", "numeric(20,0)"},
                                                       {"d1", "numeric(65,30)"},
                                                       {"d2", "numeric(10,2)"},
                                                       {"f", "real"},
                                                       {"dbl", "double precision"},
                                                       {"b1", "bit(1)"},
                                                       {"b64", "bit(64)"},
                                                       {"c", "character(10)"},
                                                       {"vc", "character varying(100)"},
                                                       {"tx", "text"},
                                                       {"cl", "character(10)"},
                                                       {"bn", "bytea"},
                                                       {"vb", "bytea"},
                                                       {"bl", "bytea"},
                                                       {"dt", "date"},
                                                       {"dtm", "timestamp(0) without time zone"},
                                                       {"dtm6", "timestamp(6) without time zone"},
                                                       {"ts", "timestamp(3) with time zone"},
                                                       {"tm", "time(0) without time zone"},
                                                       {"tm6", "time(6) without time zone"},
                                                       {"y", "smallint"},
                                                       {"e", "\"shop\".\"types_e\""},
                                                       {"st", "text"},
                                                       {"j", "jsonb"},
                                                       {"g", "bytea"},
                                                       {"ip", "inet"},
                                                       {"u", "uuid"}};
  ASSERT_EQ(p.columns.size(), expected.size());
  for (const auto& [col, type] : expected) EXPECT_EQ(dest_type(p, col), type) << col;
  EXPECT_TRUE(p.refusals.empty());
}

TEST(SchemaTypeMap, MysqlToPostgresOptions) {
  MappingOptions o;
  o.tinyint1_as_boolean = true;
  o.enum_as = MappingOptions::EnumAs::Check;
  o.json_as = MappingOptions::JsonAs::Json;
  const TablePlan p = plan_table(mysql_matrix(), Dialect::MySQL, Dialect::PostgreSQL, {}, o);
  EXPECT_EQ(dest_type(p, "flag"), "boolean");
  EXPECT_EQ(dest_type(p, "ti"), "smallint");  // tinyint(4) stays a number
  EXPECT_EQ(dest_type(p, "e"), "text");
  EXPECT_EQ(dest_type(p, "j"), "json");
  ASSERT_FALSE(p.create.empty());
  EXPECT_NE(p.create[0].find("CONSTRAINT \"types_e_check\" CHECK (\"e\" IN ('small', 'medium', "
                             "'large'))"),
            std::string::npos)
      << p.create[0];
  EXPECT_EQ(p.create[0].find("CREATE TYPE"), std::string::npos);
}

TEST(SchemaTypeMap, PostgresToMysql) {
  MappingOptions o;
  o.allow_lossy = {"public.types.n", "public.types.ttz", "public.types.iv", "public.types.money_",
                   "public.types.vbit"};
  const TablePlan p = plan_table(pg_matrix(), Dialect::PostgreSQL, Dialect::MySQL, {}, o);
  const std::map<std::string, std::string> expected = {
      {"id", "int"},          {"i2", "smallint"},      {"i4", "int"},
      {"i8", "bigint"},       {"n", "decimal(65,30)"}, {"n2", "decimal(10,2)"},
      {"r", "float"},         {"d", "double"},         {"b", "tinyint(1)"},
      {"c", "char(3)"},       {"vc", "varchar(10)"},   {"t", "longtext"},
      {"ba", "longblob"},     {"dt", "date"},          {"tm", "time(6)"},
      {"ttz", "varchar(24)"}, {"ts", "datetime(6)"},   {"tstz", "datetime(6)"},
      {"iv", "time(6)"},      {"u", "char(36)"},       {"j", "json"},
      {"jb", "json"},         {"ip", "varchar(43)"},   {"cidr_", "varchar(43)"},
      {"mac", "varchar(17)"}, {"bt", "bit(8)"},        {"m", "enum('sad','ok')"},
      {"arr", "json"},        {"tarr", "json"},        {"money_", "longtext"},
      {"vbit", "longtext"}};
  ASSERT_EQ(p.columns.size(), expected.size());
  for (const auto& [col, type] : expected) EXPECT_EQ(dest_type(p, col), type) << col;
  EXPECT_TRUE(p.refusals.empty()) << p.refusals[0].column << ": " << p.refusals[0].reason;
  for (const char* c : {"n", "ttz", "iv", "money_", "vbit"}) {
    EXPECT_TRUE(testing::column_plan(p, c)->lossy_allowed) << c;
  }
  EXPECT_FALSE(testing::column_plan(p, "n2")->lossy_allowed);
  EXPECT_NE(p.create[0].find("`vc` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL"),
            std::string::npos)
      << p.create[0];
  EXPECT_NE(p.create[0].find(") DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"), std::string::npos);
}

TEST(SchemaTypeMap, RefusedLossyMappingsNameTheColumn) {
  const TablePlan p = plan_table(pg_matrix(), Dialect::PostgreSQL, Dialect::MySQL, {}, {});
  std::map<std::string, std::string> refused;
  for (const auto& r : p.refusals) refused[r.column] = r.reason;
  ASSERT_EQ(refused.size(), 5u);
  EXPECT_EQ(refused["public.types.n"],
            "PostgreSQL numeric without precision can hold values MySQL DECIMAL(65,30) cannot: "
            "set allow_lossy = [\"public.types.n\"] to map it to DECIMAL(65,30) anyway");
  EXPECT_NE(refused["public.types.ttz"].find("time with time zone"), std::string::npos);
  EXPECT_NE(refused["public.types.iv"].find("interval"), std::string::npos);
  EXPECT_NE(refused["public.types.money_"].find("money"), std::string::npos);
  EXPECT_NE(refused["public.types.vbit"].find("bit varying(5)"), std::string::npos);
}

TEST(SchemaTypeMap, AllowLossyGlobs) {
  MappingOptions o;
  o.allow_lossy = {"public.types.*"};
  EXPECT_TRUE(plan_table(pg_matrix(), Dialect::PostgreSQL, Dialect::MySQL, {}, o).refusals.empty());
  o.allow_lossy = {"*"};
  EXPECT_TRUE(plan_table(pg_matrix(), Dialect::PostgreSQL, Dialect::MySQL, {}, o).refusals.empty());
  o.allow_lossy = {"public.other.*", "*.types.n"};
  EXPECT_EQ(plan_table(pg_matrix(), Dialect::PostgreSQL, Dialect::MySQL, {}, o).refusals.size(),
            4u);
}

TEST(SchemaTypeMap, WideNumericIsRefused) {
  const Table t = testing::table("s", "t",
                                 {Col("a", FERRY_TYPE_DECIMAL, "numeric(70,2)").prec(70, 2),
                                  Col("b", FERRY_TYPE_DECIMAL, "numeric(40,35)").prec(40, 35),
                                  Col("c", FERRY_TYPE_DECIMAL, "numeric(5,-2)").prec(5, -2)});
  const TablePlan p = plan_table(t, Dialect::PostgreSQL, Dialect::MySQL, {}, {});
  ASSERT_EQ(p.refusals.size(), 2u);
  EXPECT_EQ(p.refusals[0].column, "s.t.a");
  EXPECT_EQ(p.refusals[1].column, "s.t.b");
  EXPECT_EQ(dest_type(p, "c"), "decimal(7,0)");
}

TEST(SchemaTypeMap, SameEngineKeepsTypesExactly) {
  const TablePlan my = plan_table(mysql_matrix(), Dialect::MySQL, Dialect::MySQL, {}, {});
  for (const auto& c : mysql_matrix().columns) {
    EXPECT_EQ(dest_type(my, c.name), c.type == FERRY_TYPE_JSON ? "json" : c.native_type);
  }
  EXPECT_NE(my.create[0].find("`cl` char(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci"),
            std::string::npos);
  EXPECT_TRUE(my.refusals.empty());

  const TablePlan pg = plan_table(pg_matrix(), Dialect::PostgreSQL, Dialect::PostgreSQL, {}, {});
  for (const auto& c : pg_matrix().columns) {
    if (c.name == "m") continue;
    EXPECT_EQ(dest_type(pg, c.name), c.native_type);
  }
  EXPECT_EQ(dest_type(pg, "m"), "\"public\".\"mood\"");
  EXPECT_TRUE(pg.refusals.empty());
}

TEST(SchemaTypeMap, PostgresDomainsBecomeTheirBaseType) {
  const Table t =
      testing::table("s", "t",
                     {Col("price", FERRY_TYPE_DECIMAL, "positive_money").prec(12, 2),
                      Col("email", FERRY_TYPE_TEXT, "s.email_address"),
                      Col("tags", FERRY_TYPE_ARRAY, "tag_list").element(FERRY_TYPE_TEXT)});
  const TablePlan p = plan_table(t, Dialect::PostgreSQL, Dialect::PostgreSQL, {}, {});
  EXPECT_EQ(dest_type(p, "price"), "numeric(12,2)");
  EXPECT_EQ(dest_type(p, "email"), "text");
  EXPECT_EQ(dest_type(p, "tags"), "text[]");
  EXPECT_NE(testing::column_plan(p, "price")->note.find("domain positive_money"),
            std::string::npos);
}

TEST(SchemaTypeMap, PostgresToMysqlWideRowsFallBackToText) {
  // 10 × varchar(2000) utf8mb4 = 80000 bytes > 65535: the widest unindexed ones become TEXT.
  std::vector<Column> cols = {Col("id", FERRY_TYPE_INT32, "integer")};
  for (int i = 0; i < 10; ++i) {
    cols.push_back(
        Col("v" + std::to_string(i), FERRY_TYPE_VARCHAR, "character varying(2000)").len(2000));
  }
  Table t = testing::table("s", "wide", cols, {"id"});
  t.indexes.push_back(testing::pg_index(FERRY_INDEX_PLAIN, "wide_v0", {"v0"},
                                        "CREATE INDEX wide_v0 ON s.wide USING btree (v0)"));
  const TablePlan p = plan_table(t, Dialect::PostgreSQL, Dialect::MySQL, {}, {});
  EXPECT_EQ(dest_type(p, "v0"), "varchar(2000)");  // indexed: kept
  int text = 0;
  for (const auto& c : p.columns) text += c.dest_type == "text";
  EXPECT_EQ(text, 2);
  EXPECT_TRUE(p.refusals.empty());
  // The index of a 8000-byte key cannot be created: it fails alone.
  ASSERT_EQ(p.indexes.size(), 1u);
  EXPECT_NE(p.indexes[0].error.find("3072"), std::string::npos) << p.indexes[0].error;
}

TEST(SchemaTypeMap, PostgresTextPrimaryKeyNeedsAllowLossy) {
  const Table t = testing::table("s", "k", {Col("code", FERRY_TYPE_TEXT, "text").len(0)}, {"code"});
  const TablePlan refused = plan_table(t, Dialect::PostgreSQL, Dialect::MySQL, {}, {});
  ASSERT_EQ(refused.refusals.size(), 1u);
  EXPECT_EQ(refused.refusals[0].column, "s.k.code");
  EXPECT_NE(refused.refusals[0].reason.find("VARCHAR(768)"), std::string::npos);
  MappingOptions o;
  o.allow_lossy = {"s.k.code"};
  const TablePlan allowed = plan_table(t, Dialect::PostgreSQL, Dialect::MySQL, {}, o);
  EXPECT_TRUE(allowed.refusals.empty());
  EXPECT_EQ(dest_type(allowed, "code"), "varchar(768)");
}

TEST(SchemaTypeMap, ZeroDateDefaults) {
  const Table t =
      testing::table("s", "z",
                     {Col("d", FERRY_TYPE_DATE, "date").not_null().def("'0000-00-00'"),
                      Col("dt", FERRY_TYPE_TIMESTAMP, "datetime").def("'0000-00-00 00:00:00'")});
  const TablePlan refused = plan_table(t, Dialect::MySQL, Dialect::PostgreSQL, {}, {});
  ASSERT_EQ(refused.refusals.size(), 2u);
  EXPECT_EQ(refused.refusals[0].column, "s.z.d");
  EXPECT_NE(refused.refusals[0].reason.find("zero_dates"), std::string::npos);
  MappingOptions o;
  o.zero_dates = MappingOptions::ZeroDates::Null;
  const TablePlan p = plan_table(t, Dialect::MySQL, Dialect::PostgreSQL, {}, o);
  EXPECT_TRUE(p.refusals.empty());
  EXPECT_NE(p.create[0].find("  \"d\" date,\n"), std::string::npos) << p.create[0];
  EXPECT_NE(p.create[0].find("  \"dt\" timestamp(0) without time zone\n"), std::string::npos);
}

TEST(SchemaTypeMap, MysqlDefaultsToPostgres) {
  const Table t = testing::table(
      "s", "d",
      {Col("a", FERRY_TYPE_INT32, "int(11)").def("0"),
       Col("b", FERRY_TYPE_INT32, "int(11)").def("-5"),
       Col("c", FERRY_TYPE_VARCHAR, "varchar(10)").len(10).def("'it''s'"),
       Col("d", FERRY_TYPE_TIMESTAMPTZ, "timestamp").not_null().def("current_timestamp()"),
       Col("e", FERRY_TYPE_TIMESTAMP, "datetime(3)").scale(3).def("current_timestamp(3)"),
       Col("f", FERRY_TYPE_BIT, "bit(5)").len(5).def("b'101'"),
       Col("g", FERRY_TYPE_INT8, "tinyint(1)").def("1"),
       Col("h", FERRY_TYPE_DATE, "date").def("curdate()"),
       Col("i", FERRY_TYPE_DECIMAL, "decimal(5,2)").prec(5, 2).def("1.50"),
       Col("j", FERRY_TYPE_ENUM, "enum('x','y')").labels({"x", "y"}).def("'y'"),
       Col("k", FERRY_TYPE_INT32, "int(11)").def("1 + 2"),
       Col("l", FERRY_TYPE_VARCHAR, "varchar(10)").len(10).def("'a\\\\b'"),
       Col("m", FERRY_TYPE_TIMESTAMPTZ, "timestamp").def("'2020-01-02 03:04:05'"),
       Col("n", FERRY_TYPE_BLOB, "blob").def("'ab'")});
  MappingOptions o;
  o.tinyint1_as_boolean = true;
  const TablePlan p = plan_table(t, Dialect::MySQL, Dialect::PostgreSQL, {}, o);
  const std::string& ddl = p.create.back();
  const std::string& create = p.create[1];  // after the enum type
  (void)ddl;
  for (const char* want : {"\"a\" integer DEFAULT 0,", "\"b\" integer DEFAULT -5,",
                           "\"c\" character varying(10) DEFAULT 'it''s',",
                           "\"d\" timestamp(0) with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,",
                           "\"e\" timestamp(3) without time zone DEFAULT LOCALTIMESTAMP(3),",
                           "\"f\" bit(5) DEFAULT B'00101',", "\"g\" boolean DEFAULT true,",
                           "\"h\" date DEFAULT CURRENT_DATE,", "\"i\" numeric(5,2) DEFAULT 1.50,",
                           "\"j\" \"s\".\"d_j\" DEFAULT 'y',", "\"k\" integer DEFAULT (1 + 2),",
                           "\"l\" character varying(10) DEFAULT E'a\\\\b',",
                           "\"m\" timestamp(0) with time zone DEFAULT '2020-01-02 03:04:05+00',",
                           "\"n\" bytea DEFAULT '\\x6162'::bytea"}) {
    EXPECT_NE(create.find(want), std::string::npos) << want << "\n" << create;
  }
}

TEST(SchemaTypeMap, PostgresDefaultsToMysql) {
  const Table t = testing::table(
      "s", "d",
      {Col("a", FERRY_TYPE_INT32, "integer").def("0"),
       Col("b", FERRY_TYPE_INT32, "integer").def("'-5'::integer"),
       Col("c", FERRY_TYPE_VARCHAR, "character varying(10)")
           .len(10)
           .def("'it''s'::character varying"),
       Col("d", FERRY_TYPE_TIMESTAMPTZ, "timestamp with time zone").scale(6).def("now()"),
       Col("e", FERRY_TYPE_TIMESTAMP, "timestamp(3) without time zone")
           .scale(3)
           .def("CURRENT_TIMESTAMP(3)"),
       Col("f", FERRY_TYPE_BOOL, "boolean").def("true"),
       Col("g", FERRY_TYPE_TEXT, "text").def("'x'::text"),
       Col("h", FERRY_TYPE_DATE, "date").def("CURRENT_DATE"),
       Col("i", FERRY_TYPE_UUID, "uuid").def("gen_random_uuid()"),
       Col("j", FERRY_TYPE_JSON, "jsonb").def("'{}'::jsonb"),
       Col("k", FERRY_TYPE_ENUM, "mood").labels({"sad", "ok"}).def("'ok'::mood"),
       Col("l", FERRY_TYPE_INT32, "integer").def("(1 + 2)"),
       Col("m", FERRY_TYPE_TEXT, "text").def("to_char(now(), 'YYYY'::text)"),
       Col("n", FERRY_TYPE_BLOB, "bytea").def("'\\x0a0b'::bytea")});
  const TablePlan p = plan_table(t, Dialect::PostgreSQL, Dialect::MySQL, {}, {});
  const std::string& create = p.create[0];
  for (const char* want :
       {"`a` int NULL DEFAULT 0,", "`b` int NULL DEFAULT '-5',",
        "`c` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL DEFAULT 'it''s',",
        "`d` datetime(6) NULL DEFAULT CURRENT_TIMESTAMP(6),",
        "`e` datetime(3) NULL DEFAULT CURRENT_TIMESTAMP(3),", "`f` tinyint(1) NULL DEFAULT 1,",
        "`g` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL DEFAULT ('x'),",
        "`h` date NULL DEFAULT (curdate()),",
        "`i` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL DEFAULT (uuid()),",
        "`j` json NULL DEFAULT ('{}'),",
        "`k` enum('sad','ok') CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL DEFAULT 'ok',",
        "`l` int NULL DEFAULT ((1 + 2)),", "`n` longblob NULL DEFAULT (X'0a0b')"}) {
    EXPECT_NE(create.find(want), std::string::npos) << want << "\n" << create;
  }
  // A default with no MySQL form is dropped with a note, not refused.
  EXPECT_NE(create.find("  `m` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,\n"),
            std::string::npos)
      << create;
  EXPECT_NE(testing::column_plan(p, "m")->note.find("to_char"), std::string::npos);
  EXPECT_TRUE(p.refusals.empty());
}

}  // namespace
}  // namespace ferry::schema
