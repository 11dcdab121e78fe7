// View definitions and expressions between the dialects. The view texts are exactly what
// MariaDB 10.11 (information_schema.VIEWS) and PostgreSQL 15 (pg_get_viewdef(oid, true)) give
// for the same views (written by the test bed, copied here).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "catalog_builder.hpp"
#include "ddl.hpp"
#include "view_convert.hpp"

namespace ferry::schema {
namespace {

using testing::Col;

const char* kDb = "src";

Catalog mysql_catalog() {
  Catalog c;
  c.schemas = {kDb};
  c.tables.push_back(testing::table(kDb, "c",
                                    {Col("id", FERRY_TYPE_INT32, "int(11)"),
                                     Col("name", FERRY_TYPE_VARCHAR, "varchar(20)").len(20),
                                     Col("amt", FERRY_TYPE_DECIMAL, "decimal(10,2)").prec(10, 2),
                                     Col("created", FERRY_TYPE_TIMESTAMP, "datetime"),
                                     Col("flag", FERRY_TYPE_INT8, "tinyint(1)")},
                                    {"id"}));
  c.tables.push_back(testing::table(
      kDb, "o",
      {Col("id", FERRY_TYPE_INT32, "int(11)"), Col("cid", FERRY_TYPE_INT32, "int(11)"),
       Col("total", FERRY_TYPE_DECIMAL, "decimal(10,2)").prec(10, 2),
       Col("st", FERRY_TYPE_ENUM, "enum('a','b')").labels({"a", "b"})},
      {"id"}));
  auto view = [&](const char* name, const char* def) {
    c.views.push_back(View{kDb, name, def, ""});
  };
  // v5 reads v1: it is listed first, and planned after it.
  view("v5", "select `v1`.`id` AS `id`,`v1`.`name` AS `name` from `src`.`v1`");
  view("v1",
       "select `src`.`c`.`id` AS `id`,`src`.`c`.`name` AS `name` from `src`.`c` where "
       "`src`.`c`.`amt` > 10 order by `src`.`c`.`name` limit 5");
  view("v2",
       "select `src`.`c`.`id` AS `id`,concat(`src`.`c`.`name`,'-',`src`.`o`.`total`) AS "
       "`label`,ifnull(`src`.`o`.`total`,0) AS `t`,if(`src`.`c`.`flag`,'y','n') AS `yn` from "
       "(`src`.`c` join `src`.`o` on(`src`.`o`.`cid` = `src`.`c`.`id`)) where `src`.`c`.`name` "
       "like 'A%' and `src`.`o`.`st` in ('a','b')");
  view("v3",
       "select `x`.`id` AS `id`,count(0) AS `n`,sum(`y`.`total`) AS `s` from (`src`.`c` `x` "
       "left join `src`.`o` `y` on(`y`.`cid` = `x`.`id`)) group by `x`.`id` having count(0) > 1");
  view("v4",
       "select `src`.`c`.`id` AS `id`,cast(`src`.`c`.`amt` as char charset utf8mb3) AS "
       "`a`,cast(`src`.`c`.`id` as signed) AS `b`,current_timestamp() AS `n`,curdate() AS "
       "`d`,`src`.`c`.`created` + interval 1 day AS `tomorrow`,year(`src`.`c`.`created`) AS `y` "
       "from `src`.`c` where `src`.`c`.`name` <=> NULL or `src`.`c`.`id` in (select "
       "`src`.`o`.`cid` from `src`.`o`)");
  return c;
}

Catalog pg_catalog() {
  Catalog c;
  c.schemas = {"public", kDb};
  c.tables.push_back(
      testing::table(kDb, "c",
                     {Col("id", FERRY_TYPE_INT32, "integer"),
                      Col("name", FERRY_TYPE_VARCHAR, "character varying(20)").len(20),
                      Col("amt", FERRY_TYPE_DECIMAL, "numeric(10,2)").prec(10, 2),
                      Col("created", FERRY_TYPE_TIMESTAMP, "timestamp without time zone"),
                      Col("m", FERRY_TYPE_ENUM, "src.mood").labels({"sad", "ok"})},
                     {"id"}));
  c.tables.push_back(testing::table(
      kDb, "o",
      {Col("id", FERRY_TYPE_INT32, "integer"), Col("cid", FERRY_TYPE_INT32, "integer"),
       Col("total", FERRY_TYPE_DECIMAL, "numeric(10,2)").prec(10, 2),
       Col("st", FERRY_TYPE_TEXT, "text")},
      {"id"}));
  c.tables.push_back(testing::table(
      "public", "pt", {Col("id", FERRY_TYPE_INT32, "integer"), Col("v", FERRY_TYPE_TEXT, "text")},
      {"id"}));
  auto view = [&](const char* schema, const char* name, const char* def) {
    c.views.push_back(View{schema, name, def, ""});
  };
  view("public", "pv",
       " SELECT pt.id,\n    upper(pt.v) AS u\n   FROM pt\n  WHERE pt.v ~~* 'x%'::text;");
  view(kDb, "v1",
       " SELECT c.id,\n    c.name\n   FROM src.c\n  WHERE c.amt > 10::numeric\n  ORDER BY "
       "c.name\n LIMIT 5;");
  view(kDb, "v2",
       " SELECT c.id,\n    (c.name::text || '-'::text) || o.total AS label,\n    "
       "COALESCE(o.total, 0::numeric) AS t,\n        CASE\n            WHEN c.amt > 0::numeric "
       "THEN 'y'::text\n            ELSE 'n'::text\n        END AS yn\n   FROM src.c\n     JOIN "
       "src.o ON o.cid = c.id\n  WHERE c.name::text ~~ 'A%'::text AND (o.st = ANY "
       "(ARRAY['a'::text, 'b'::text])) AND c.m = 'sad'::src.mood;");
  view(kDb, "v3",
       " SELECT x.id,\n    count(*) AS n,\n    sum(y.total) AS s\n   FROM src.c x\n     LEFT "
       "JOIN src.o y ON y.cid = x.id\n  GROUP BY x.id\n HAVING count(*) > 1;");
  view(kDb, "v4",
       " SELECT c.id,\n    c.amt::text AS a,\n    c.id::bigint AS b,\n    now() AS n,\n    "
       "CURRENT_DATE AS d,\n    EXTRACT(year FROM c.created) AS y\n   FROM src.c\n  WHERE "
       "c.name IS NULL OR (c.id IN ( SELECT o.cid\n           FROM src.o));");
  view(kDb, "v5", " SELECT v1.id,\n    v1.name\n   FROM src.v1;");
  return c;
}

Renames renames() {
  return parse_renames(R"({"schemas":{"src":"dst"},"tables":{"src.c":"cust"},)"
                       R"("columns":{"src.c.name":"nm"}})");
}

std::vector<std::string> ddl_of(const SchemaPlan& plan) {
  std::vector<std::string> out;
  for (const auto& v : plan.views) out.push_back(v.key + " | " + v.error + " | " + v.ddl);
  return out;
}

TEST(SchemaViews, MysqlToPostgres) {
  const auto plan =
      plan_catalog(mysql_catalog(), Dialect::MySQL, Dialect::PostgreSQL, renames(), {});
  const std::vector<std::string> expected = {
      "view:src.v1 |  | CREATE VIEW \"dst\".\"v1\" AS select \"dst\".\"cust\".\"id\" AS "
      "\"id\",\"dst\".\"cust\".\"nm\" AS \"name\" from \"dst\".\"cust\" where "
      "\"dst\".\"cust\".\"amt\" > 10 order by \"dst\".\"cust\".\"nm\" limit 5",
      "view:src.v5 |  | CREATE VIEW \"dst\".\"v5\" AS select \"v1\".\"id\" AS "
      "\"id\",\"v1\".\"name\" AS \"name\" from \"dst\".\"v1\"",
      "view:src.v2 |  | CREATE VIEW \"dst\".\"v2\" AS select \"dst\".\"cust\".\"id\" AS "
      "\"id\",((\"dst\".\"cust\".\"nm\")::text || ('-')::text || (\"dst\".\"o\".\"total\")::text) "
      "AS \"label\",coalesce(\"dst\".\"o\".\"total\",0) AS \"t\",(CASE WHEN "
      "\"dst\".\"cust\".\"flag\" THEN 'y' ELSE 'n' END) AS \"yn\" from (\"dst\".\"cust\" join "
      "\"dst\".\"o\" on(\"dst\".\"o\".\"cid\" = \"dst\".\"cust\".\"id\")) where "
      "\"dst\".\"cust\".\"nm\" like 'A%' and \"dst\".\"o\".\"st\" in ('a','b')",
      "view:src.v3 |  | CREATE VIEW \"dst\".\"v3\" AS select \"x\".\"id\" AS \"id\",count(0) AS "
      "\"n\",sum(\"y\".\"total\") AS \"s\" from (\"dst\".\"cust\" \"x\" left join \"dst\".\"o\" "
      "\"y\" on(\"y\".\"cid\" = \"x\".\"id\")) group by \"x\".\"id\" having count(0) > 1",
      "view:src.v4 |  | CREATE VIEW \"dst\".\"v4\" AS select \"dst\".\"cust\".\"id\" AS "
      "\"id\",CAST(\"dst\".\"cust\".\"amt\" AS text) AS \"a\",CAST(\"dst\".\"cust\".\"id\" AS "
      "bigint) AS \"b\",LOCALTIMESTAMP AS \"n\",CURRENT_DATE AS \"d\",\"dst\".\"cust\".\"created\" "
      "+ interval '1 days' AS \"tomorrow\",(floor(EXTRACT(YEAR FROM "
      "\"dst\".\"cust\".\"created\"))::integer) AS \"y\" from \"dst\".\"cust\" where "
      "\"dst\".\"cust\".\"nm\" IS NOT DISTINCT FROM NULL or \"dst\".\"cust\".\"id\" in (select "
      "\"dst\".\"o\".\"cid\" from \"dst\".\"o\")"};
  EXPECT_EQ(ddl_of(plan), expected);
}

TEST(SchemaViews, MysqlToMysqlRenamesOnly) {
  const auto plan = plan_catalog(mysql_catalog(), Dialect::MySQL, Dialect::MySQL, renames(), {});
  ASSERT_EQ(plan.views.size(), 5u);
  EXPECT_EQ(plan.views[4].ddl,
            "CREATE VIEW `dst`.`v4` AS select `dst`.`cust`.`id` AS `id`,cast(`dst`.`cust`.`amt` "
            "as char charset utf8mb3) AS `a`,cast(`dst`.`cust`.`id` as signed) AS "
            "`b`,current_timestamp() AS `n`,curdate() AS `d`,`dst`.`cust`.`created` + interval 1 "
            "day AS `tomorrow`,year(`dst`.`cust`.`created`) AS `y` from `dst`.`cust` where "
            "`dst`.`cust`.`nm` <=> NULL or `dst`.`cust`.`id` in (select `dst`.`o`.`cid` from "
            "`dst`.`o`)");
  for (const auto& v : plan.views) EXPECT_EQ(v.error, "") << v.key;
}

TEST(SchemaViews, PostgresToMysql) {
  const auto plan = plan_catalog(pg_catalog(), Dialect::PostgreSQL, Dialect::MySQL, renames(), {});
  const std::vector<std::string> expected = {
      "view:public.pv | cannot convert the view: PostgreSQL operator ~~* has no MySQL equivalent "
      "ferry converts | CREATE VIEW `public`.`pv` AS SELECT `pt`.`id`,\n    upper(`pt`.`v`) AS "
      "`u`\n   FROM `public`.`pt`\n  WHERE `pt`.`v` ~~* 'x%'",
      "view:src.v1 |  | CREATE VIEW `dst`.`v1` AS SELECT `cust`.`id`,\n    `cust`.`nm`\n   FROM "
      "`dst`.`cust`\n  WHERE `cust`.`amt` > 10\n  ORDER BY `cust`.`nm`\n LIMIT 5",
      "view:src.v2 |  | CREATE VIEW `dst`.`v2` AS SELECT `cust`.`id`,\n    "
      "CONCAT((CONCAT(CAST(`cust`.`nm` AS CHAR), '-')), `o`.`total`) AS `label`,\n    "
      "COALESCE(`o`.`total`, 0) AS `t`,\n        CASE\n            WHEN `cust`.`amt` > 0 THEN "
      "'y'\n            ELSE 'n'\n        END AS `yn`\n   FROM `dst`.`cust`\n     JOIN `dst`.`o` "
      "ON `o`.`cid` = `cust`.`id`\n  WHERE CAST(`cust`.`nm` AS CHAR) LIKE 'A%' AND (`o`.`st` IN  "
      "('a', 'b')) AND `cust`.`m` = 'sad'",
      "view:src.v3 |  | CREATE VIEW `dst`.`v3` AS SELECT `x`.`id`,\n    count(*) AS `n`,\n    "
      "sum(`y`.`total`) AS `s`\n   FROM `dst`.`cust` `x`\n     LEFT JOIN `dst`.`o` `y` ON "
      "`y`.`cid` = `x`.`id`\n  GROUP BY `x`.`id`\n HAVING count(*) > 1",
      "view:src.v4 |  | CREATE VIEW `dst`.`v4` AS SELECT `cust`.`id`,\n    CAST(`cust`.`amt` AS "
      "CHAR) AS `a`,\n    CAST(`cust`.`id` AS SIGNED) AS `b`,\n    now() AS `n`,\n    "
      "CURRENT_DATE AS `d`,\n    EXTRACT(year FROM `cust`.`created`) AS `y`\n   FROM "
      "`dst`.`cust`\n  WHERE `cust`.`nm` IS NULL OR (`cust`.`id` IN ( SELECT `o`.`cid`\n        "
      "   FROM `dst`.`o`))",
      "view:src.v5 |  | CREATE VIEW `dst`.`v5` AS SELECT `v1`.`id`,\n    `v1`.`name`\n   FROM "
      "`dst`.`v1`"};
  EXPECT_EQ(ddl_of(plan), expected);
}

TEST(SchemaViews, PostgresToPostgresQualifiesAndRenames) {
  const auto plan =
      plan_catalog(pg_catalog(), Dialect::PostgreSQL, Dialect::PostgreSQL, renames(), {});
  ASSERT_EQ(plan.views.size(), 6u);
  EXPECT_EQ(plan.views[0].ddl,
            "CREATE VIEW \"public\".\"pv\" AS SELECT pt.id,\n    upper(pt.v) AS u\n   FROM "
            "\"public\".\"pt\"\n  WHERE pt.v ~~* 'x%'::text");
  EXPECT_EQ(plan.views[2].ddl,
            "CREATE VIEW \"dst\".\"v2\" AS SELECT \"cust\".\"id\",\n    (\"cust\".\"nm\"::text || "
            "'-'::text) || o.total AS label,\n    COALESCE(o.total, 0::numeric) AS t,\n        "
            "CASE\n            WHEN \"cust\".\"amt\" > 0::numeric THEN 'y'::text\n            ELSE "
            "'n'::text\n        END AS yn\n   FROM \"dst\".\"cust\"\n     JOIN \"dst\".\"o\" ON "
            "o.cid = \"cust\".\"id\"\n  WHERE \"cust\".\"nm\"::text ~~ 'A%'::text AND (o.st = ANY "
            "(ARRAY['a'::text, 'b'::text])) AND \"cust\".\"m\" = 'sad'::\"dst\".\"mood\"");
  for (const auto& v : plan.views) EXPECT_EQ(v.error, "") << v.key;
}

TEST(SchemaViews, ViewComments) {
  View v{"s", "v", "SELECT 1 AS one", "it's a view"};
  const DdlObject pg = plan_view(v, Dialect::PostgreSQL, Dialect::PostgreSQL, {}, {});
  EXPECT_EQ(pg.after, std::vector<std::string>{"COMMENT ON VIEW \"s\".\"v\" IS 'it''s a view'"});
  const DdlObject my = plan_view(v, Dialect::PostgreSQL, Dialect::MySQL, {}, {});
  EXPECT_TRUE(my.after.empty());
  EXPECT_NE(my.note.find("comment"), std::string::npos);
}

TEST(SchemaViews, AmbiguousColumnRenameFailsTheView) {
  Catalog c;
  c.tables.push_back(testing::table("s", "a", {Col("k", FERRY_TYPE_INT32, "integer")}));
  c.tables.push_back(testing::table("s", "b", {Col("k", FERRY_TYPE_INT32, "integer")}));
  c.views.push_back(View{"s", "v", " SELECT k\n   FROM s.a, s.b;", ""});
  const Renames r = parse_renames(R"({"columns":{"s.a.k":"ka","s.b.k":"kb"}})");
  const auto plan = plan_catalog(c, Dialect::PostgreSQL, Dialect::PostgreSQL, r, {});
  ASSERT_EQ(plan.views.size(), 1u);
  EXPECT_NE(plan.views[0].error.find("'k'"), std::string::npos) << plan.views[0].error;
}

// ---- expressions ----------------------------------------------------------------------------

// An expression of table s.t (columns a, b, price, code), as CHECKs and defaults are converted.
std::string convert(const std::string& expr, Dialect from, Dialect to) {
  static const Table t = testing::table(
      "s", "t",
      {Col("a", FERRY_TYPE_INT32, "integer"), Col("b", FERRY_TYPE_TEXT, "text"),
       Col("price", FERRY_TYPE_DECIMAL, "numeric"), Col("code", FERRY_TYPE_TEXT, "text")});
  NameContext ctx;
  ctx.from = from;
  ctx.to = to;
  ctx.tables = {&t};
  ctx.self = &t;
  ctx.default_schema = "s";
  const Converted c = convert_expression(expr, ctx);
  return c.error.empty() ? c.text : "ERROR: " + c.error;
}

std::string my2pg(const std::string& e) {
  return convert(e, Dialect::MySQL, Dialect::PostgreSQL);
}
std::string pg2my(const std::string& e) {
  return convert(e, Dialect::PostgreSQL, Dialect::MySQL);
}

TEST(SchemaExpressions, MysqlToPostgres) {
  EXPECT_EQ(my2pg("`a` >= 0 and `b` <> 'x'"), "\"a\" >= 0 and \"b\" <> 'x'");
  EXPECT_EQ(my2pg("ifnull(`a`,0)"), "coalesce(\"a\",0)");
  EXPECT_EQ(my2pg("if(`a` > 1,'y','n')"), "(CASE WHEN \"a\" > 1 THEN 'y' ELSE 'n' END)");
  EXPECT_EQ(my2pg("concat(`a`,'-',1)"), "((\"a\")::text || ('-')::text || (1)::text)");
  EXPECT_EQ(my2pg("`a` <=> `b`"), "\"a\" IS NOT DISTINCT FROM \"b\"");
  EXPECT_EQ(my2pg("`a` regexp '^x'"), "\"a\" ~ '^x'");
  EXPECT_EQ(my2pg("`a` not regexp '^x'"), "\"a\"  !~ '^x'");
  EXPECT_EQ(my2pg("'it\\'s \\\\ ok'"), "E'it''s \\\\ ok'");
  EXPECT_EQ(my2pg("_utf8mb4'abc'"), "'abc'");
  EXPECT_EQ(my2pg("X'0aFF'"), "'\\x0aff'::bytea");
  EXPECT_EQ(my2pg("b'101'"), "B'101'");
  EXPECT_EQ(my2pg("0x0A"), "'\\x0a'::bytea");
  EXPECT_EQ(my2pg("cast(`a` as decimal(10,2))"), "CAST(\"a\" AS numeric(10,2))");
  EXPECT_EQ(my2pg("cast(`a` as unsigned)"), "CAST(\"a\" AS numeric(20))");
  EXPECT_EQ(my2pg("cast(`a` as datetime(3))"), "CAST(\"a\" AS timestamp(3))");
  EXPECT_EQ(my2pg("convert(`a` using utf8mb4)"), "(\"a\")");
  EXPECT_EQ(my2pg("locate('x',`a`)"), "strpos(\"a\",'x')");
  EXPECT_EQ(my2pg("lcase(`a`)"), "lower(\"a\")");
  EXPECT_EQ(my2pg("now()"), "LOCALTIMESTAMP");
  EXPECT_EQ(my2pg("uuid()"), "gen_random_uuid()::text");
  EXPECT_EQ(my2pg("`a` collate utf8mb4_bin = 'x'"), "\"a\"   = 'x'");
  EXPECT_NE(my2pg("date_format(`a`,'%Y')").find("date_format()"), std::string::npos);
  EXPECT_NE(my2pg("`a` div 2").find("div"), std::string::npos);
  EXPECT_NE(my2pg("json_extract(`a`,'$.x')").find("ERROR"), std::string::npos);
  EXPECT_NE(my2pg("'unterminated").find("ERROR: cannot read"), std::string::npos);
}

TEST(SchemaExpressions, PostgresToMysql) {
  EXPECT_EQ(pg2my("(price >= (0)::numeric)"), "(`price` >= 0)");
  EXPECT_EQ(pg2my("((code)::text ~~ 'A%'::text)"), "(CAST((`code`) AS CHAR) LIKE 'A%')");
  EXPECT_EQ(pg2my("(a !~~ 'x')"), "(`a` NOT LIKE 'x')");
  EXPECT_EQ(pg2my("(a ~ '^x')"), "(`a` REGEXP '^x')");
  EXPECT_EQ(pg2my("(a)::numeric(5,2)"), "CAST((`a`) AS DECIMAL(5,2))");
  EXPECT_EQ(pg2my("a::timestamp(3) without time zone"), "CAST(`a` AS DATETIME(3))");
  EXPECT_EQ(pg2my("'2020-01-01'::date"), "CAST('2020-01-01' AS DATE)");
  EXPECT_EQ(pg2my("a || b || 'x'"), "CONCAT(`a`, `b`, 'x')");
  EXPECT_EQ(pg2my("upper(a || b)"), "upper(CONCAT(`a`, `b`))");
  EXPECT_EQ(pg2my("strpos(a, 'x')"), "locate( 'x',`a`)");
  EXPECT_EQ(pg2my("length(a)"), "char_length(`a`)");
  EXPECT_EQ(pg2my("a = ANY (ARRAY[1, 2])"), "`a` IN  (1, 2)");
  EXPECT_EQ(pg2my("a <> ALL (ARRAY['x'::text])"), "`a` NOT IN  ('x')");
  EXPECT_EQ(pg2my("a IS NOT DISTINCT FROM b"), "`a`    <=> `b`");
  EXPECT_EQ(pg2my("E'a\\\\b'"), "'a\\\\b'");
  EXPECT_EQ(pg2my("$$it's$$"), "'it''s'");
  EXPECT_EQ(pg2my("\"Mixed\" > 0"), "`Mixed` > 0");
  EXPECT_EQ(pg2my("date_part('year', a)"), "EXTRACT(year FROM `a`)");
  EXPECT_NE(pg2my("a ILIKE 'x'").find("ERROR"), std::string::npos);
  EXPECT_NE(pg2my("a @> b").find("@>"), std::string::npos);
  EXPECT_NE(pg2my("a::interval").find("interval"), std::string::npos);
  EXPECT_NE(pg2my("date_trunc('day', a)").find("date_trunc()"), std::string::npos);
  EXPECT_NE(pg2my("a = ANY (b)").find("ERROR"), std::string::npos);
  EXPECT_NE(pg2my("a IS DISTINCT FROM b").find("ERROR"), std::string::npos);
}

TEST(SchemaExpressions, ColumnsOfTheTableAreRenamed) {
  const Table t = testing::table(
      "s", "t",
      {Col("a", FERRY_TYPE_INT32, "integer"), Col("select", FERRY_TYPE_INT32, "integer")});
  const Renames r = parse_renames(R"({"columns":{"s.t.a":"alpha"}})");
  NameContext ctx;
  ctx.from = Dialect::PostgreSQL;
  ctx.to = Dialect::PostgreSQL;
  ctx.renames = &r;
  ctx.tables = {&t};
  ctx.self = &t;
  ctx.default_schema = "s";
  EXPECT_EQ(convert_expression("(a > 0 AND \"select\" < a)", ctx).text,
            "(\"alpha\" > 0 AND \"select\" < \"alpha\")");
  ctx.to = Dialect::MySQL;
  EXPECT_EQ(convert_expression("(a > 0 AND \"select\" < a)", ctx).text,
            "(`alpha` > 0 AND `select` < `alpha`)");
}

}  // namespace
}  // namespace ferry::schema
