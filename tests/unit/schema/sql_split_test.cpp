// sql::split_statements: an operator's DDL script into statements, at top-level semicolons only.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sql_lex.hpp"

namespace ferry::schema {
namespace {

TEST(SqlSplitStatements, SplitsAtTopLevelSemicolonsOnly) {
  std::string error;
  const auto pg = sql::split_statements(
      "CREATE TABLE \"a;b\" (c text DEFAULT 'x;y'); -- trailing; comment\n"
      "DO $f$ BEGIN PERFORM 1; END $f$;;\n  ",
      Dialect::PostgreSQL, &error);
  EXPECT_TRUE(error.empty()) << error;
  ASSERT_EQ(pg.size(), 2u);
  EXPECT_EQ(pg[0], "CREATE TABLE \"a;b\" (c text DEFAULT 'x;y')");
  EXPECT_NE(pg[1].find("PERFORM 1; END"), std::string::npos) << pg[1];

  const auto my =
      sql::split_statements("CREATE TABLE `x;y` (a int COMMENT 'p;q');", Dialect::MySQL, &error);
  ASSERT_EQ(my.size(), 1u);
  EXPECT_EQ(my[0], "CREATE TABLE `x;y` (a int COMMENT 'p;q')");
}

TEST(SqlSplitStatements, AnUnterminatedQuoteIsAnError) {
  std::string error;
  sql::split_statements("CREATE TABLE t (a text DEFAULT 'x);", Dialect::PostgreSQL, &error);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace ferry::schema
