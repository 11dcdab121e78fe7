// A lexer for the SQL the catalogs hand over — view definitions, CHECK clauses, defaults and
// generated expressions — in either dialect, and a tree of parenthesised groups over its
// tokens. Enough to rename and re-quote identifiers and to rewrite the common constructs one
// dialect spells differently; not a SQL parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "naming.hpp"

namespace ferry::schema::sql {

enum class Tok {
  Space,   // whitespace (comments are dropped)
  Word,    // unquoted word: keyword, function name, or (PostgreSQL) an unquoted identifier
  Ident,   // quoted identifier (`a` / "a"); `value` is the name
  String,  // string literal; `value` is its decoded content, `prefix` its kind
  Number,  // numeric literal (also MySQL 0x.. / 0b..)
  Op,      // operator: one or more of + - * / < > = ~ ! @ # % ^ & | ? (and PostgreSQL ::)
  Punct,   // ( ) [ ] , . ;
  Param,   // $1, ? placeholders — never expected in catalog text
};

struct Token {
  Tok kind = Tok::Space;
  std::string text;        // as written
  std::string value;       // Ident: the name; String: the content; Word: lower-cased text
  std::string prefix;      // String: "" plain, "E", "N", "X" hex, "B" bits, "$" dollar-quoted,
                           // "_charset" MySQL introducer (lower-cased); Number: "0x" / "0b" forms
  bool converted = false;  // already in the destination dialect (made by a rewrite)
};

// Splits `sql` into tokens of dialect `d`. An unterminated quote or comment is an error
// returned in `error` (the tokens read so far are returned).
std::vector<Token> lex(std::string_view sql, Dialect d, std::string* error);

// A token, or a parenthesised / bracketed group of nodes.
struct Node {
  Token tok;  // leaf token, or the opening "(" / "[" of a group
  bool group = false;
  std::vector<Node> kids;
  std::string close;  // ")" / "]"
};

// A script split at its top-level semicolons (quotes, comments and dollar quotes respected),
// empty statements left out: what an operator's edited DDL holds, one statement per apply_ddl.
// Comments are dropped, as lex() drops them. An unterminated quote or comment is an error
// returned in `error`.
std::vector<std::string> split_statements(std::string_view sql, Dialect d, std::string* error);

// Groups tokens by ( ) and [ ]; unbalanced brackets are an error.
std::vector<Node> build_tree(const std::vector<Token>& tokens, std::string* error);

// The text of nodes, concatenated.
std::string render(const std::vector<Node>& nodes);
std::string render(const Node& node);

// Helpers for rewriting.
Node leaf(Tok kind, std::string text, std::string value = {});
Node word(const std::string& text);  // a Word token
Node space();
bool is_word(const Node& n, std::string_view lower);  // a Word with this lower-case value
bool is_punct(const Node& n, char c);
bool is_op(const Node& n, std::string_view op);
bool is_space(const Node& n);

// Splits a group's kids at top-level commas (each part keeps its spaces).
std::vector<std::vector<Node>> split_args(const std::vector<Node>& kids);
// Removes leading and trailing Space nodes.
std::vector<Node> trimmed(std::vector<Node> nodes);

}  // namespace ferry::schema::sql
