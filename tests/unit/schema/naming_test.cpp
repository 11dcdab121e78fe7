// Quoting, identifier limits, derived names and the renames document.
#include <gtest/gtest.h>

#include <ferry/sdk/error.hpp>

#include <string>

#include "naming.hpp"

namespace ferry::schema {
namespace {

TEST(SchemaNaming, DialectOfPlugin) {
  EXPECT_EQ(dialect_of_plugin("mysql"), Dialect::MySQL);
  EXPECT_EQ(dialect_of_plugin("postgres"), Dialect::PostgreSQL);
  EXPECT_EQ(dialect_of_plugin("oracle"), std::nullopt);
}

TEST(SchemaNaming, QuotesEveryIdentifierWithEscaping) {
  EXPECT_EQ(quote_ident("orders", Dialect::MySQL), "`orders`");
  EXPECT_EQ(quote_ident("a`b", Dialect::MySQL), "`a``b`");
  EXPECT_EQ(quote_ident("a\"b", Dialect::MySQL), "`a\"b`");
  EXPECT_EQ(quote_ident("Mixed Case", Dialect::PostgreSQL), "\"Mixed Case\"");
  EXPECT_EQ(quote_ident("a\"b", Dialect::PostgreSQL), "\"a\"\"b\"");
  EXPECT_EQ(quote_ident("a`b", Dialect::PostgreSQL), "\"a`b\"");
  EXPECT_EQ(quote_ident("größe ✓", Dialect::PostgreSQL), "\"größe ✓\"");
  EXPECT_EQ(quote_qualified("s p", "t", Dialect::MySQL), "`s p`.`t`");
}

TEST(SchemaNaming, QuotesLiteralsPerDialect) {
  EXPECT_EQ(quote_literal("it's", Dialect::MySQL), "'it''s'");
  EXPECT_EQ(quote_literal("a\\b", Dialect::MySQL), "'a\\\\b'");
  EXPECT_EQ(quote_literal(std::string("a\0b", 3), Dialect::MySQL), "'a\\0b'");
  EXPECT_EQ(quote_literal("it's", Dialect::PostgreSQL), "'it''s'");
  EXPECT_EQ(quote_literal("a\\b", Dialect::PostgreSQL), "E'a\\\\b'");
}

TEST(SchemaNaming, IdentifierLimits) {
  EXPECT_EQ(identifier_problem(std::string(63, 'a'), Dialect::PostgreSQL), "");
  EXPECT_NE(identifier_problem(std::string(64, 'a'), Dialect::PostgreSQL).find("63 bytes"),
            std::string::npos);
  // 32 two-byte characters: 64 bytes, too long for PostgreSQL, fine for MySQL (characters).
  std::string umlauts;
  for (int i = 0; i < 32; ++i) umlauts += "ü";
  EXPECT_NE(identifier_problem(umlauts, Dialect::PostgreSQL), "");
  EXPECT_EQ(identifier_problem(umlauts, Dialect::MySQL), "");
  EXPECT_NE(identifier_problem(std::string(65, 'a'), Dialect::MySQL).find("64 characters"),
            std::string::npos);
  EXPECT_NE(identifier_problem("trailing ", Dialect::MySQL), "");
  EXPECT_EQ(identifier_problem("trailing ", Dialect::PostgreSQL), "");
}

TEST(SchemaNaming, DerivedNamesShortenDeterministically) {
  EXPECT_EQ(derived_name("orders_idx", Dialect::PostgreSQL), "orders_idx");
  const std::string longer = std::string(50, 't') + "_" + std::string(30, 'i');
  const std::string d = derived_name(longer, Dialect::PostgreSQL);
  EXPECT_EQ(d.size(), 63u);
  EXPECT_EQ(d, derived_name(longer, Dialect::PostgreSQL));
  EXPECT_EQ(d.substr(0, 54), longer.substr(0, 54));
  EXPECT_EQ(d[54], '_');
  EXPECT_NE(d, derived_name(longer + "x", Dialect::PostgreSQL));
  // Never cuts a character in half.
  std::string u;
  for (int i = 0; i < 40; ++i) u += "é";
  const std::string du = derived_name(u, Dialect::PostgreSQL);
  EXPECT_LE(du.size(), 63u);
  EXPECT_EQ(du.substr(0, 54), u.substr(0, 54));
}

TEST(SchemaNaming, NameScopeSuffixesTakenNames) {
  NameScope pg(Dialect::PostgreSQL);
  pg.take("orders");
  EXPECT_EQ(pg.claim("orders"), "orders_2");
  EXPECT_EQ(pg.claim("orders"), "orders_3");
  EXPECT_EQ(pg.claim("Orders"), "Orders");  // PostgreSQL names are case-sensitive
  NameScope my(Dialect::MySQL);
  EXPECT_EQ(my.claim("idx"), "idx");
  EXPECT_EQ(my.claim("IDX"), "IDX_2");  // MySQL index names are not
}

TEST(SchemaNaming, ParsesRenames) {
  const Renames r = parse_renames(
      R"({"schemas":{"shop":"shop2"},"tables":{"shop.orders":"orders2","shop.\"a.b\"":"ab"},)"
      R"("columns":{"shop.orders.amt":"amount"}})");
  EXPECT_EQ(r.schema("shop"), "shop2");
  EXPECT_EQ(r.schema("crm"), "crm");
  EXPECT_EQ(r.table("shop", "orders"), "orders2");
  EXPECT_EQ(r.table("shop", "a.b"), "ab");
  EXPECT_EQ(r.table("crm", "orders"), "orders");
  EXPECT_EQ(r.column("shop", "orders", "amt"), "amount");
  EXPECT_EQ(r.column("shop", "orders", "id"), "id");
  EXPECT_TRUE(parse_renames("").empty());
  EXPECT_TRUE(parse_renames("null").empty());
  EXPECT_TRUE(parse_renames("{}").empty());
}

std::string renames_error(const std::string& json) {
  try {
    parse_renames(json);
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
    return e.what();
  }
  return "<no error>";
}

TEST(SchemaNaming, RefusesBadRenamesNamingTheKey) {
  EXPECT_NE(renames_error(R"({"tables":{"orders":"o2"}})").find("'orders'"), std::string::npos);
  EXPECT_NE(renames_error(R"({"columns":{"shop.orders":"x"}})").find("'shop.orders'"),
            std::string::npos);
  EXPECT_NE(renames_error(R"({"schemas":{"shop":""}})").find("'shop'"), std::string::npos);
  EXPECT_NE(renames_error(R"({"schemas":{"shop":1}})").find("'shop'"), std::string::npos);
  EXPECT_NE(renames_error(R"({"views":{}})").find("'views'"), std::string::npos);
  EXPECT_NE(renames_error(R"({"tables":{"shop..x":"y"}})").find("'shop..x'"), std::string::npos);
  EXPECT_NE(renames_error("[1]").find("expected an object"), std::string::npos);
  EXPECT_NE(renames_error("{").find("not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace ferry::schema
