#include "view_convert.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "sql_lex.hpp"

namespace ferry::schema {

namespace {

using sql::is_op;
using sql::is_punct;
using sql::is_space;
using sql::is_word;
using sql::leaf;
using sql::Node;
using sql::Tok;

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lower(std::string(a)) == lower(std::string(b));
}

// Accumulates the first error and every note of a conversion.
struct Outcome {
  std::string error;
  std::vector<std::string> notes;
  void fail(const std::string& why) {
    if (error.empty()) error = why;
  }
  void note(const std::string& what) {
    if (std::find(notes.begin(), notes.end(), what) == notes.end()) notes.push_back(what);
  }
};

size_t next_sig(const std::vector<Node>& v, size_t i) {
  while (i < v.size() && is_space(v[i])) ++i;
  return i;
}

// Index of the previous non-space node before i, or v.size() when none.
size_t prev_sig(const std::vector<Node>& v, size_t i) {
  while (i > 0) {
    --i;
    if (!is_space(v[i])) return i;
  }
  return v.size();
}

bool starts_query(const std::vector<Node>& kids) {
  const size_t i = next_sig(kids, 0);
  if (i >= kids.size()) return false;
  if (kids[i].group) return starts_query(kids[i].kids);
  return is_word(kids[i], "select") || is_word(kids[i], "with") || is_word(kids[i], "values");
}

bool is_name_node(const Node& n) {
  return !n.group && (n.tok.kind == Tok::Ident || n.tok.kind == Tok::Word);
}

bool is_call_group(const Node& n) {
  return n.group && n.tok.value == "(";
}

// ---- names ----------------------------------------------------------------------------------

struct Chain {
  std::vector<std::string> parts;
  std::vector<bool> quoted;
  size_t end = 0;
  bool star = false;  // ends with .*
};

struct Rel {
  std::string schema, name;
  const Table* table = nullptr;  // nullptr: a view (no column renames)
};

const std::set<std::string>& clause_words() {
  static const std::set<std::string> words = {"on",
                                              "using",
                                              "where",
                                              "join",
                                              "inner",
                                              "left",
                                              "right",
                                              "full",
                                              "outer",
                                              "cross",
                                              "natural",
                                              "group",
                                              "order",
                                              "having",
                                              "limit",
                                              "offset",
                                              "union",
                                              "except",
                                              "intersect",
                                              "window",
                                              "for",
                                              "fetch",
                                              "lateral",
                                              "set",
                                              "returning",
                                              "into",
                                              "values",
                                              "select",
                                              "with",
                                              "as",
                                              "partition",
                                              "use",
                                              "ignore",
                                              "force",
                                              "tablesample",
                                              "only",
                                              "straight_join",
                                              "when",
                                              "then",
                                              "else",
                                              "end",
                                              "and",
                                              "or",
                                              "not",
                                              "from",
                                              "is",
                                              "in",
                                              "like",
                                              "between"};
  return words;
}

class Resolver {
 public:
  explicit Resolver(const NameContext& ctx) : ctx_(ctx) {
    for (const Table* t : ctx.tables) {
      rels_.push_back(Rel{t->schema, t->name, t});
      schemas_.insert(t->schema);
    }
    for (const auto& [s, n] : ctx.views) {
      rels_.push_back(Rel{s, n, nullptr});
      schemas_.insert(s);
    }
    if (ctx.renames) {
      for (const auto& [s, to] : ctx.renames->schemas) schemas_.insert(s);
    }
    if (!ctx.default_schema.empty()) schemas_.insert(ctx.default_schema);
  }

  void collect(std::vector<Node>& nodes, bool query) {
    walk(nodes, query ? Mode::Query : Mode::Expr, false, "");
  }
  void rewrite(std::vector<Node>& nodes, bool query) {
    walk(nodes, query ? Mode::Query : Mode::Expr, true, "");
  }

  const std::vector<const Rel*>& referenced() const { return referenced_; }
  Outcome out;

 private:
  enum class Mode { Query, JoinParens, Expr };

  bool cross() const { return ctx_.from != ctx_.to; }
  std::string q(const std::string& name) const { return quote_ident(name, ctx_.to); }

  std::string dst_schema(const std::string& s) const {
    return ctx_.renames ? ctx_.renames->schema(s) : s;
  }
  std::string dst_table(const std::string& s, const std::string& t) const {
    return ctx_.renames ? ctx_.renames->table(s, t) : t;
  }

  // The destination name of column `col` of `r`; nullopt when `r` has no such column.
  std::optional<std::string> dst_column(const Rel* r, const std::string& col) const {
    if (!r || !r->table) return std::nullopt;
    for (const auto& c : r->table->columns) {
      const bool match = ctx_.from == Dialect::MySQL ? iequals(c.name, col) : c.name == col;
      if (!match) continue;
      return ctx_.renames ? ctx_.renames->column(r->schema, r->name, c.name) : c.name;
    }
    return std::nullopt;
  }

  const Rel* find(const std::string& schema, const std::string& name) const {
    for (const auto& r : rels_) {
      if (r.schema == schema && r.name == name) return &r;
    }
    return nullptr;
  }

  const Rel* find_unqualified(const std::string& name) const {
    if (ctx_.from == Dialect::PostgreSQL) {
      if (const Rel* r = find("public", name)) return r;
    }
    return find(ctx_.default_schema, name);
  }

  std::string name_of(const Node& n) const {
    if (n.tok.kind == Tok::Ident) return n.tok.value;
    return ctx_.from == Dialect::PostgreSQL ? n.tok.value : n.tok.text;
  }

  std::optional<Chain> chain_at(const std::vector<Node>& v, size_t i) const {
    if (i >= v.size() || !is_name_node(v[i])) return std::nullopt;
    Chain c;
    c.parts.push_back(name_of(v[i]));
    c.quoted.push_back(v[i].tok.kind == Tok::Ident);
    size_t j = i + 1;
    while (j + 1 < v.size() && is_punct(v[j], '.')) {
      if (is_name_node(v[j + 1])) {
        c.parts.push_back(name_of(v[j + 1]));
        c.quoted.push_back(v[j + 1].tok.kind == Tok::Ident);
        j += 2;
      } else if (is_op(v[j + 1], "*")) {
        c.star = true;
        j += 2;
        break;
      } else {
        break;
      }
    }
    c.end = j;
    return c;
  }

  void replace(std::vector<Node>& v, size_t i, size_t end, const std::string& text,
               const std::string& last) {
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(i) + 1,
            v.begin() + static_cast<std::ptrdiff_t>(end));
    v[i] = leaf(Tok::Ident, text, last);
  }

  // The chain's parts re-quoted for the destination, with `names` substituted.
  std::string join(const std::vector<std::string>& names, bool star) const {
    std::string text;
    for (size_t k = 0; k < names.size(); ++k) text += (k ? "." : "") + q(names[k]);
    if (star) text += ".*";
    return text;
  }

  void note_ref(const Rel* r) {
    if (r && std::find(referenced_.begin(), referenced_.end(), r) == referenced_.end()) {
      referenced_.push_back(r);
    }
  }

  // A table reference at v[i] (a chain or a parenthesised join / subquery), and its alias.
  size_t table_ref(std::vector<Node>& v, size_t i, bool rewrite) {
    const Rel* rel = nullptr;
    size_t j;
    bool derived = false;
    if (v[i].group) {
      const bool sub = starts_query(v[i].kids);
      walk(v[i].kids, sub ? Mode::Query : Mode::JoinParens, rewrite, "");
      if (!sub) return i + 1;
      derived = true;
      j = i + 1;
    } else {
      auto c = chain_at(v, i);
      if (c->end < v.size() && is_call_group(v[c->end])) return c->end;  // a table function
      if (c->parts.size() == 2) {
        rel = find(c->parts[0], c->parts[1]);
      } else if (c->parts.size() == 1) {
        rel = find_unqualified(c->parts[0]);
      }
      const bool bare_word = c->parts.size() == 1 && !c->quoted[0];
      bool replaced = false;
      if (!rewrite) {
        note_ref(rel);
        if (rel) by_name_[rel->name] = rel;
      } else if (rel) {
        replace(
            v, i, c->end,
            quote_qualified(dst_schema(rel->schema), dst_table(rel->schema, rel->name), ctx_.to),
            rel->name);
        replaced = true;
      } else if (c->parts.size() == 2 && (cross() || dst_schema(c->parts[0]) != c->parts[0])) {
        replace(v, i, c->end, join({dst_schema(c->parts[0]), c->parts[1]}, false), c->parts[1]);
        replaced = true;
      } else if (cross() && !bare_word) {
        replace(v, i, c->end, join(c->parts, false), c->parts.back());
        replaced = true;
      }
      j = replaced ? i + 1 : c->end;
    }
    // [AS] alias
    size_t k = next_sig(v, j);
    if (k < v.size() && is_word(v[k], "as")) k = next_sig(v, k + 1);
    if (k < v.size() && !v[k].group &&
        (v[k].tok.kind == Tok::Ident ||
         (v[k].tok.kind == Tok::Word && !clause_words().count(v[k].tok.value)))) {
      const std::string alias = name_of(v[k]);
      if (!rewrite) {
        aliases_[alias] = derived ? nullptr : rel;
      } else if (cross()) {
        v[k] = leaf(Tok::Ident, q(alias), alias);
      }
      return k + 1;
    }
    return j;
  }

  // A column (or other name) reference at v[i].
  size_t column_ref(std::vector<Node>& v, size_t i, bool rewrite, bool output_alias) {
    auto c = chain_at(v, i);
    const size_t end = c->end;
    const bool call = end < v.size() && is_call_group(v[end]);
    const bool single_word = c->parts.size() == 1 && !c->quoted[0] && !c->star;
    if (call) {
      if (rewrite && cross() &&
          std::find(c->quoted.begin(), c->quoted.end(), true) != c->quoted.end()) {
        replace(v, i, end, join(c->parts, false), c->parts.back());
        return i + 1;
      }
      return end;
    }
    if (single_word && ctx_.from == Dialect::MySQL) return i + 1;  // a keyword
    if (!rewrite) return end;

    std::vector<std::string> names = c->parts;
    bool known = false;  // a name this resolver recognised
    if (c->parts.size() == 1 && !c->star) {
      const std::string& name = c->parts[0];
      if (output_alias) {
        known = true;
      } else if (ctx_.self) {
        Rel self{ctx_.self->schema, ctx_.self->name, ctx_.self};
        if (auto d = dst_column(&self, name)) {
          names[0] = *d;
          known = true;
        }
      } else if (aliases_.count(name) || by_name_.count(name)) {
        known = true;
      } else {
        std::set<std::string> dst;
        for (const Rel* r : referenced_) {
          if (auto d = dst_column(r, name)) dst.insert(*d);
        }
        if (dst.size() > 1) {
          out.fail("column '" + name +
                   "' is renamed differently in the tables the view reads: qualify it with its "
                   "table in the source view");
        } else if (dst.size() == 1) {
          names[0] = *dst.begin();
          known = true;
        }
      }
      if (single_word && !known) return end;  // a keyword or a name this text does not know
    } else if (c->parts.size() == 2 || (c->parts.size() == 1 && c->star)) {
      const std::string& qual = c->parts[0];
      const Rel* r = nullptr;
      bool alias = false;
      if (auto a = aliases_.find(qual); a != aliases_.end()) {
        r = a->second;
        alias = true;
      } else if (auto b = by_name_.find(qual); b != by_name_.end()) {
        r = b->second;
        names[0] = dst_table(r->schema, r->name);
      } else if (const Rel* t = c->parts.size() == 2 ? find(qual, c->parts[1]) : nullptr) {
        names = {dst_schema(t->schema), dst_table(t->schema, t->name)};  // schema.table
      } else if (schemas_.count(qual)) {
        names[0] = dst_schema(qual);  // schema.object: a type, function or sequence
      }
      if (c->parts.size() == 2 && (r || alias)) {
        if (auto d = dst_column(r, c->parts[1])) names[1] = *d;
      }
    } else if (c->parts.size() == 3) {
      if (const Rel* r = find(c->parts[0], c->parts[1])) {
        names[0] = dst_schema(r->schema);
        names[1] = dst_table(r->schema, r->name);
        if (!c->star) {
          if (auto d = dst_column(r, c->parts[2])) names[2] = *d;
        }
      } else {
        names[0] = dst_schema(c->parts[0]);
      }
    }
    if (cross() || names != c->parts) {
      replace(v, i, end, join(names, c->star), names.back());
      return i + 1;
    }
    return end;
  }

  void walk(std::vector<Node>& v, Mode mode, bool rewrite, const std::string& fname) {
    bool in_from = mode == Mode::JoinParens;
    bool expect = mode == Mode::JoinParens;
    for (size_t i = 0; i < v.size();) {
      Node& n = v[i];
      if (is_space(n)) {
        ++i;
        continue;
      }
      if (expect && (is_word(n, "only") || is_word(n, "lateral"))) {
        ++i;
        continue;
      }
      if (expect && (n.group || is_name_node(n))) {
        expect = false;
        i = table_ref(v, i, rewrite);
        continue;
      }
      expect = false;
      if (n.group) {
        std::string f;
        if (i > 0 && is_name_node(v[i - 1])) f = lower(name_of(v[i - 1]));
        walk(n.kids, starts_query(n.kids) ? Mode::Query : Mode::Expr, rewrite, f);
        ++i;
        continue;
      }
      if (n.tok.kind == Tok::Word && mode != Mode::Expr) {
        const std::string& w = n.tok.value;
        const size_t p = prev_sig(v, i);
        if (w == "from" && mode == Mode::Query && !(p < v.size() && is_word(v[p], "distinct"))) {
          in_from = expect = true;
          ++i;
          continue;
        }
        if (w == "join" || w == "straight_join") {
          in_from = expect = true;
          ++i;
          continue;
        }
        static const std::set<std::string> ends = {
            "where",  "group",     "order",  "having", "limit", "offset", "union",
            "except", "intersect", "window", "fetch",  "for",   "select", "returning"};
        if (ends.count(w)) in_from = false;
      }
      if (is_punct(n, ',') && in_from) {
        expect = true;
        ++i;
        continue;
      }
      if (is_name_node(n)) {
        const size_t p = prev_sig(v, i);
        const bool after_as =
            p < v.size() && is_word(v[p], "as") && fname != "cast" && fname != "convert";
        i = column_ref(v, i, rewrite, after_as);
        continue;
      }
      ++i;
    }
  }

  const NameContext& ctx_;
  std::vector<Rel> rels_;
  std::set<std::string> schemas_;
  std::map<std::string, const Rel*> aliases_;  // alias → relation (nullptr: derived table)
  std::map<std::string, const Rel*> by_name_;  // relations referenced without an alias
  std::vector<const Rel*> referenced_;
};

// ---- literals -------------------------------------------------------------------------------

std::string hex_of(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

bool is_literal(const Node& n) {
  return !n.group && (n.tok.kind == Tok::String || n.tok.kind == Tok::Number);
}

std::string bits_of_hex(const std::string& hex) {
  std::string out;
  for (const char h : hex) {
    const int v = h >= '0' && h <= '9' ? h - '0' : (lower(std::string(1, h))[0] - 'a' + 10);
    for (int b = 3; b >= 0; --b) out += ((v >> b) & 1) ? '1' : '0';
  }
  return out;
}

// ---- MySQL → PostgreSQL ---------------------------------------------------------------------

std::vector<Node> parse_fragment(const std::string& text, Dialect d) {
  std::string err;
  return sql::build_tree(sql::lex(text, d, &err), &err);
}

Node group_of(std::vector<Node> kids) {
  Node g;
  g.group = true;
  g.tok = leaf(Tok::Punct, "(", "(").tok;
  g.close = ")";
  g.kids = std::move(kids);
  return g;
}

void append(std::vector<Node>& to, const std::vector<Node>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// Marks nodes as already in the destination dialect (the dialect pass leaves them alone).
void mark_converted(std::vector<Node>& nodes) {
  for (auto& n : nodes) {
    n.tok.converted = true;
    mark_converted(n.kids);
  }
}

// Appends `text` (balanced brackets), written in the destination dialect `d`.
void append_text(std::vector<Node>& to, const std::string& text, Dialect d) {
  auto nodes = parse_fragment(text, d);
  mark_converted(nodes);
  append(to, nodes);
}

Node converted_word(const std::string& text) {
  Node n = sql::word(text);
  n.tok.converted = true;
  return n;
}

// The PostgreSQL type for a MySQL CAST target (words after AS); "" when there is none.
std::string pg_cast_type(const std::vector<Node>& type_nodes) {
  std::vector<std::string> words;
  std::string mod;
  for (const auto& n : type_nodes) {
    if (is_space(n)) continue;
    if (n.group) {
      mod = sql::render(n);
    } else if (n.tok.kind == Tok::Word) {
      words.push_back(n.tok.value);
    } else {
      return "";
    }
  }
  if (words.empty()) return "";
  const std::string& w = words[0];
  if (w == "signed") return "bigint";
  if (w == "unsigned") return "numeric(20)";
  if (w == "char" || w == "nchar") return mod.empty() ? "text" : "varchar" + mod;
  if (w == "binary") return "bytea";
  if (w == "date") return "date";
  if (w == "datetime") return "timestamp" + mod;
  if (w == "time") return "time" + mod;
  if (w == "decimal") return "numeric" + mod;
  if (w == "double") return "double precision";
  if (w == "float") return "real";
  if (w == "json") return "jsonb";
  if (w == "integer" || w == "int") return "bigint";
  return "";
}

class MyToPg {
 public:
  Outcome& out;
  explicit MyToPg(Outcome& o) : out(o) {}

  void run(std::vector<Node>& v, const std::string& fname) {
    // Functions first (top-down): a CAST's type words must not be read as keywords below.
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i].tok.kind == Tok::Word && !v[i].group && i + 1 < v.size() &&
          is_call_group(v[i + 1])) {
        function(v, i);
      }
    }
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i].group) {
        std::string f;
        if (i > 0 && v[i - 1].tok.kind == Tok::Word && !v[i - 1].group) f = v[i - 1].tok.value;
        run(v[i].kids, f);
      }
    }
    for (size_t i = 0; i < v.size(); ++i) token(v, i, fname);
  }

 private:
  void function(std::vector<Node>& v, size_t i) {
    const std::string name = v[i].tok.value;
    Node& g = v[i + 1];
    auto args = sql::split_args(g.kids);
    static const std::map<std::string, std::string> renamed = {{"ifnull", "coalesce"},
                                                               {"lcase", "lower"},
                                                               {"ucase", "upper"},
                                                               {"length", "octet_length"},
                                                               {"character_length", "char_length"},
                                                               {"rand", "random"},
                                                               {"truncate", "trunc"},
                                                               {"pow", "power"},
                                                               {"mid", "substr"},
                                                               {"instr", "strpos"}};
    if (auto r = renamed.find(name); r != renamed.end()) {
      v[i] = converted_word(r->second);
      return;
    }
    static const std::set<std::string> now_like = {"now", "current_timestamp", "localtimestamp",
                                                   "localtime", "sysdate"};
    if (now_like.count(name)) {
      v[i] = converted_word("LOCALTIMESTAMP");
      if (args.empty()) v.erase(v.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      return;
    }
    if (name == "curdate" || name == "current_date") {
      v[i] = converted_word("CURRENT_DATE");
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      return;
    }
    if (name == "curtime" || name == "current_time") {
      v[i] = converted_word("LOCALTIME");
      if (args.empty()) v.erase(v.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      return;
    }
    if (name == "utc_timestamp") {
      v[i] = converted_word("(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')");
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      return;
    }
    if (name == "uuid") {
      v[i] = converted_word("gen_random_uuid()::text");
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      return;
    }
    if (name == "if" && args.size() == 3) {
      std::vector<Node> kids;
      append_text(kids, "CASE WHEN ", Dialect::PostgreSQL);
      append(kids, args[0]);
      append_text(kids, " THEN ", Dialect::PostgreSQL);
      append(kids, args[1]);
      append_text(kids, " ELSE ", Dialect::PostgreSQL);
      append(kids, args[2]);
      append_text(kids, " END", Dialect::PostgreSQL);
      g.kids = std::move(kids);
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
    if (name == "concat" && !args.empty()) {
      // MySQL CONCAT is NULL when any argument is: exactly PostgreSQL's || on text.
      std::vector<Node> kids;
      for (size_t a = 0; a < args.size(); ++a) {
        if (a) append_text(kids, " || ", Dialect::PostgreSQL);
        kids.push_back(group_of(sql::trimmed(args[a])));
        append_text(kids, "::text", Dialect::PostgreSQL);
      }
      g.kids = std::move(kids);
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
    if (name == "locate" && args.size() == 2) {
      v[i] = converted_word("strpos");
      std::vector<Node> kids = args[1];
      kids.push_back(leaf(Tok::Punct, ",", ","));
      append(kids, args[0]);
      g.kids = std::move(kids);
      return;
    }
    static const std::map<std::string, std::string> parts = {
        {"year", "YEAR"}, {"month", "MONTH"},   {"day", "DAY"},         {"dayofmonth", "DAY"},
        {"hour", "HOUR"}, {"minute", "MINUTE"}, {"quarter", "QUARTER"}, {"second", "SECOND"}};
    if (auto p = parts.find(name); p != parts.end() && args.size() == 1) {
      // year(x) → (floor(EXTRACT(YEAR FROM x))::integer)
      std::vector<Node> extract_args;
      append_text(extract_args, p->second + " FROM ", Dialect::PostgreSQL);
      append(extract_args, sql::trimmed(args[0]));
      std::vector<Node> floor_args{converted_word("EXTRACT"), group_of(std::move(extract_args))};
      std::vector<Node> kids{converted_word("floor"), group_of(std::move(floor_args))};
      append_text(kids, "::integer", Dialect::PostgreSQL);
      g.kids = std::move(kids);
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
    if (name == "cast" || name == "convert") {
      // CAST(x AS type) / CONVERT(x, type) / CONVERT(x USING charset)
      size_t as = g.kids.size();
      for (size_t k = 0; k < g.kids.size(); ++k) {
        if (is_word(g.kids[k], "as") || (name == "convert" && is_punct(g.kids[k], ','))) {
          as = k;
          break;
        }
        if (name == "convert" && is_word(g.kids[k], "using")) {
          g.kids.resize(k);
          g.kids = sql::trimmed(std::move(g.kids));
          v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));  // (x)
          return;
        }
      }
      if (as == g.kids.size()) {
        out.fail("cannot convert MySQL " + name + "() without a target type");
        return;
      }
      std::vector<Node> type(g.kids.begin() + static_cast<std::ptrdiff_t>(as) + 1, g.kids.end());
      // CHAR CHARSET x / CHARACTER SET x: the charset is the connection's business.
      for (size_t k = 0; k < type.size(); ++k) {
        if (is_word(type[k], "charset") || is_word(type[k], "character")) {
          type.resize(k);
          break;
        }
      }
      const std::string pg = pg_cast_type(type);
      if (pg.empty()) {
        out.fail("cannot convert MySQL CAST to '" + sql::render(sql::trimmed(type)) + "'");
        return;
      }
      std::vector<Node> kids =
          sql::trimmed({g.kids.begin(), g.kids.begin() + static_cast<std::ptrdiff_t>(as)});
      append_text(kids, " AS " + pg, Dialect::PostgreSQL);
      v[i] = converted_word("CAST");
      g.kids = std::move(kids);
      return;
    }
    static const std::set<std::string> unsupported = {
        "date_format",   "str_to_date",   "date_add",      "date_sub",     "adddate",
        "subdate",       "datediff",      "timestampdiff", "timestampadd", "unix_timestamp",
        "from_unixtime", "group_concat",  "find_in_set",   "field",        "elt",
        "format",        "json_extract",  "json_unquote",  "json_value",   "json_object",
        "json_array",    "json_contains", "inet_aton",     "inet_ntoa",    "last_insert_id",
        "found_rows",    "database",      "schema",        "version",      "connection_id",
        "sleep",         "benchmark",     "password",      "hex",          "unhex",
        "bin",           "oct",           "conv",          "soundex",      "weekday",
        "dayofweek",     "dayname",       "monthname",     "dayofyear",    "week",
        "yearweek",      "last_day",      "makedate",      "maketime",     "sec_to_time",
        "time_to_sec",   "to_days",       "from_days",     "period_add",   "period_diff",
        "get_format",    "convert_tz",    "addtime",       "subtime",      "timediff",
        "regexp_substr", "regexp_instr",  "match",         "isnull",       "bit_count",
        "any_value",     "json_valid"};
    if (unsupported.count(name)) {
      out.fail("MySQL function " + name + "() has no PostgreSQL equivalent ferry converts");
    }
  }

  void token(std::vector<Node>& v, size_t i, const std::string& fname) {
    Node& n = v[i];
    if (n.group || n.tok.converted) return;
    switch (n.tok.kind) {
      case Tok::Ident:
        if (n.tok.text.empty() || n.tok.text[0] == '`') {
          n.tok.text = quote_ident(n.tok.value, Dialect::PostgreSQL);
        }
        return;
      case Tok::String: {
        const std::string& p = n.tok.prefix;
        if (p == "X") {
          n.tok.text = "'\\x" + lower(n.tok.value) + "'::bytea";
        } else if (p == "B") {
          n.tok.text = "B'" + n.tok.value + "'";
        } else if (p == "_binary") {
          n.tok.text = "'\\x" + hex_of(n.tok.value) + "'::bytea";
        } else {
          n.tok.text = quote_literal(n.tok.value, Dialect::PostgreSQL);
        }
        return;
      }
      case Tok::Number:
        if (n.tok.prefix == "0x") {
          n.tok.text = "'\\x" + lower(n.tok.value) + "'::bytea";
        } else if (n.tok.prefix == "0b") {
          n.tok.text = "B'" + n.tok.value + "'";
        }
        return;
      case Tok::Op: {
        const std::string& o = n.tok.value;
        if (o == "<=>") {
          n.tok.text = "IS NOT DISTINCT FROM";
        } else if (o == "&&") {
          n.tok.text = "AND";
        } else if (o == "||") {
          n.tok.text = "OR";
        } else if (o == "!") {
          n.tok.text = "NOT ";
        } else if (o == "^") {
          n.tok.text = "#";
        } else if (o == ":=" || o == "->" || o == "->>") {
          out.fail("MySQL operator " + o + " has no PostgreSQL equivalent ferry converts");
        }
        return;
      }
      case Tok::Param:
        out.fail("a placeholder in catalog SQL");
        return;
      case Tok::Word:
        break;
      default:
        return;
    }
    const std::string w = n.tok.value;
    if (fname == "cast") return;
    if (w == "regexp" || w == "rlike") {
      const size_t p = prev_sig(v, i);
      if (p < v.size() && is_word(v[p], "not")) {
        v[p].tok.text = "";
        n.tok.text = "!~";
      } else {
        n.tok.text = "~";
      }
      n.tok.kind = Tok::Op;
      return;
    }
    if (w == "div" || w == "xor" || w == "binary" || w == "sounds" || w == "rollup" ||
        w == "sql_calc_found_rows" || w == "high_priority") {
      out.fail("MySQL '" + n.tok.text + "' has no PostgreSQL equivalent ferry converts");
      return;
    }
    if (w == "sql_cache" || w == "sql_no_cache" || w == "sql_buffer_result" ||
        w == "sql_small_result" || w == "sql_big_result") {
      n.tok.text = "";
      return;
    }
    if (w == "straight_join") {
      n.tok.text = "JOIN";
      return;
    }
    if (w == "collate") {
      const size_t k = next_sig(v, i + 1);
      n.tok.text = "";
      if (k < v.size() && is_name_node(v[k])) v[k].tok.text = "";
      out.note("a COLLATE clause was dropped (PostgreSQL collations are named differently)");
      return;
    }
    if (w == "dual") {
      const size_t p = prev_sig(v, i);
      if (p < v.size() && is_word(v[p], "from")) {
        v[p].tok.text = "";
        n.tok.text = "";
      }
      return;
    }
    if (w == "interval") {
      // INTERVAL 1 DAY → interval '1 day'
      const size_t a = next_sig(v, i + 1);
      const size_t u = a < v.size() ? next_sig(v, a + 1) : v.size();
      if (a < v.size() && u < v.size() && is_literal(v[a]) && v[u].tok.kind == Tok::Word) {
        static const std::set<std::string> units = {"microsecond", "second", "minute", "hour",
                                                    "day",         "week",   "month",  "year"};
        if (!units.count(v[u].tok.value)) {
          out.fail("cannot convert MySQL INTERVAL unit " + v[u].tok.text);
          return;
        }
        const std::string amount = v[a].tok.kind == Tok::String ? v[a].tok.value : v[a].tok.text;
        n.tok.text =
            "interval " + quote_literal(amount + " " + v[u].tok.value + "s", Dialect::PostgreSQL);
        for (size_t k = i + 1; k <= u; ++k) v[k] = leaf(Tok::Space, "");
      }
      return;
    }
    if (w == "limit") {
      // LIMIT a, b → LIMIT b OFFSET a
      const size_t a = next_sig(v, i + 1);
      const size_t c = a < v.size() ? next_sig(v, a + 1) : v.size();
      const size_t b = c < v.size() ? next_sig(v, c + 1) : v.size();
      if (b < v.size() && is_punct(v[c], ',')) {
        const std::string offset = v[a].tok.text;
        v[a].tok.text = v[b].tok.text;
        v[c] = leaf(Tok::Space, "");
        v[b].tok.text = "OFFSET " + offset;
        v[b].tok.kind = Tok::Word;
      }
      return;
    }
  }
};

// ---- PostgreSQL → MySQL ---------------------------------------------------------------------

// The MySQL CAST target for a PostgreSQL type, "" when a literal keeps no cast, nullopt when
// there is no conversion.
struct CastTarget {
  bool ok = false;
  std::string type;  // CAST(x AS type); "" = drop the cast
  bool drop_for_literal = false;
};

CastTarget mysql_cast(const std::vector<std::string>& words, const std::string& mod) {
  std::string t;
  for (const auto& w : words) t += (t.empty() ? "" : " ") + w;
  auto m = [&](const std::string& dflt) { return mod.empty() ? dflt : mod; };
  if (t == "text" || t == "character varying" || t == "varchar" || t == "character" ||
      t == "char" || t == "bpchar" || t == "name" || t == "unknown") {
    return {true, "CHAR", true};
  }
  if (t == "integer" || t == "int" || t == "int4" || t == "bigint" || t == "int8" ||
      t == "smallint" || t == "int2") {
    return {true, "SIGNED", true};
  }
  if (t == "numeric" || t == "decimal") return {true, "DECIMAL" + m("(65,30)"), true};
  if (t == "double precision" || t == "float8" || t == "real" || t == "float4") {
    return {true, "DOUBLE", true};
  }
  if (t == "date") return {true, "DATE", false};
  if (t == "timestamp without time zone" || t == "timestamp") {
    return {true, "DATETIME" + m("(6)"), false};
  }
  if (t == "time without time zone" || t == "time") return {true, "TIME" + m("(6)"), false};
  if (t == "boolean" || t == "bool" || t == "json" || t == "jsonb") return {true, "", true};
  return {};
}

class PgToMy {
 public:
  Outcome& out;
  explicit PgToMy(Outcome& o) : out(o) {}

  void run(std::vector<Node>& v) {
    any_array(v);  // before the groups: ARRAY[..] inside ANY (..) is not an error
    for (auto& n : v) {
      if (n.group) run(n.kids);
    }
    casts(v);
    concat(v);
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i].tok.kind == Tok::Word && !v[i].group && i + 1 < v.size() &&
          is_call_group(v[i + 1])) {
        function(v, i);
      }
    }
    for (size_t i = 0; i < v.size(); ++i) token(v, i);
  }

 private:
  // x::type → CAST(x AS type), or x for a literal of a type MySQL compares by its text.
  void casts(std::vector<Node>& v) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (!is_op(v[i], "::")) continue;
      size_t start = prev_sig(v, i);
      if (start >= v.size()) {
        out.fail("a cast without an operand");
        return;
      }
      if (v[start].group && start > 0 && is_name_node(v[start - 1])) --start;  // f(x)::t
      // The type: words (a multi-word name, maybe qualified), an optional (mod), [] arrays.
      std::vector<std::string> words;
      std::string mod;
      bool array = false;
      size_t k = next_sig(v, i + 1);
      if (k >= v.size() || !is_name_node(v[k])) {
        out.fail("a cast without a type");
        return;
      }
      words.push_back(v[k].tok.value);
      ++k;
      while (k + 1 < v.size() && is_punct(v[k], '.') && is_name_node(v[k + 1])) {
        words.back() += "." + v[k + 1].tok.value;  // a qualified (user) type
        k += 2;
      }
      static const std::set<std::string> tail = {"varying", "precision", "without",
                                                 "with",    "time",      "zone"};
      while (k < v.size()) {
        if (v[k].group && v[k].tok.value == "(" && mod.empty()) {
          mod = sql::render(v[k]);
          ++k;
          continue;
        }
        if (v[k].group && v[k].tok.value == "[") {
          array = true;
          ++k;
          continue;
        }
        const size_t s2 = next_sig(v, k);
        if (s2 < v.size() && !v[s2].group && v[s2].tok.kind == Tok::Word &&
            tail.count(v[s2].tok.value) && words.size() < 5) {
          words.push_back(v[s2].tok.value);
          k = s2 + 1;
          continue;
        }
        break;
      }
      const std::string type = [&] {
        std::string t;
        for (const auto& w : words) t += (t.empty() ? "" : " ") + w;
        return t + mod + (array ? "[]" : "");
      }();
      CastTarget target = array ? CastTarget{} : mysql_cast(words, mod);
      std::vector<Node> operand(v.begin() + static_cast<std::ptrdiff_t>(start),
                                v.begin() + static_cast<std::ptrdiff_t>(i));
      operand = sql::trimmed(operand);
      // (0)::numeric — pg_get_expr brackets numbers it casts.
      if (operand.size() == 1 && operand[0].group && operand[0].tok.value == "(") {
        auto inner = sql::trimmed(operand[0].kids);
        if (inner.size() == 1 && is_literal(inner[0])) operand = inner;
        if (inner.size() == 2 && is_op(inner[0], "-") && inner[1].tok.kind == Tok::Number) {
          operand = {leaf(Tok::Number, "-" + inner[1].tok.text, "-" + inner[1].tok.text)};
        }
      }
      const bool lit = operand.size() == 1 && is_literal(operand[0]);
      std::vector<Node> replacement;
      if (lit && operand[0].tok.kind == Tok::String && words.size() == 1 && words[0] == "bytea") {
        const std::string s = operand[0].tok.value;
        if (s.rfind("\\x", 0) == 0) {
          replacement.push_back(leaf(Tok::String, "X'" + s.substr(2) + "'", s.substr(2)));
          replacement.back().tok.prefix = "X!";
        } else {
          out.fail("cannot convert bytea literal " + operand[0].tok.text);
          return;
        }
      } else if (target.ok && (target.type.empty() || (lit && target.drop_for_literal))) {
        replacement = operand;
      } else if (target.ok) {
        replacement.push_back(converted_word("CAST"));
        std::vector<Node> kids = operand;
        append_text(kids, " AS " + target.type, Dialect::MySQL);
        replacement.push_back(group_of(std::move(kids)));
      } else if (lit && !array && words.size() == 1 && words[0] != "interval" &&
                 words[0] != "regclass" && words[0] != "oid" && words[0] != "timestamptz" &&
                 words[0] != "timetz" && words[0] != "bytea") {
        // 'sad'::mood — a label of a user type (an enum): MySQL compares the text.
        replacement = operand;
        out.note("the cast of " + sql::render(operand) + " to " + type + " was dropped");
      } else {
        out.fail("cannot convert the cast to PostgreSQL type " + type);
        return;
      }
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(start),
              v.begin() + static_cast<std::ptrdiff_t>(k));
      v.insert(v.begin() + static_cast<std::ptrdiff_t>(start), replacement.begin(),
               replacement.end());
      i = start;
    }
  }

  // x = ANY (ARRAY[a, b]) → x IN (a, b); x <> ALL (ARRAY[..]) → x NOT IN (..)
  void any_array(std::vector<Node>& v) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (!(is_word(v[i], "any") || is_word(v[i], "all") || is_word(v[i], "some"))) continue;
      const size_t g = next_sig(v, i + 1);
      if (g >= v.size() || !is_call_group(v[g])) continue;
      const size_t op = prev_sig(v, i);
      const auto& kids = v[g].kids;
      const size_t a = next_sig(kids, 0);
      const size_t b = a < kids.size() ? next_sig(kids, a + 1) : kids.size();
      const bool array = a < kids.size() && is_word(kids[a], "array") && b < kids.size() &&
                         kids[b].group && kids[b].tok.value == "[" &&
                         next_sig(kids, b + 1) == kids.size();
      const bool eq_any = op < v.size() && is_op(v[op], "=") && !is_word(v[i], "all");
      const bool ne_all =
          op < v.size() && (is_op(v[op], "<>") || is_op(v[op], "!=")) && is_word(v[i], "all");
      if (!array || !(eq_any || ne_all)) {
        out.fail("cannot convert PostgreSQL " + lower(v[i].tok.text) + " (...) to MySQL");
        return;
      }
      Node list = group_of(kids[b].kids);
      v[op] = converted_word(eq_any ? "IN" : "NOT IN");
      v[i] = leaf(Tok::Space, "");
      v[g] = std::move(list);
    }
  }

  static bool operand_word(const std::vector<Node>& v, size_t i) {
    static const std::set<std::string> values = {
        "true",         "false",          "null",      "current_timestamp",
        "current_date", "localtimestamp", "localtime", "current_time"};
    return values.count(v[i].tok.value) ||
           (i + 1 < v.size() && is_call_group(v[i + 1]));  // a function call
  }

  // a || b || c → CONCAT(a, b, c), per run of operands between other operators and keywords.
  void concat(std::vector<Node>& v) {
    size_t seg = 0;
    bool has_concat = false, has_arith = false;
    auto flush = [&](size_t end) {
      if (has_concat) {
        if (has_arith) {
          out.fail("cannot convert || mixed with arithmetic; parenthesise it in the source");
        } else {
          std::vector<Node> kids;
          std::vector<Node> part;
          auto add = [&] {
            auto operand = sql::trimmed(part);
            if (operand.empty()) out.fail("cannot convert || with an operand ferry cannot read");
            if (!kids.empty()) kids.push_back(leaf(Tok::Punct, ", ", ","));
            append(kids, operand);
            part.clear();
          };
          size_t lead = seg;
          while (lead < end && is_space(v[lead])) ++lead;
          for (size_t k = lead; k < end; ++k) {
            if (is_op(v[k], "||")) {
              add();
            } else {
              part.push_back(v[k]);
            }
          }
          add();
          std::vector<Node> repl{converted_word("CONCAT"), group_of(std::move(kids))};
          if (end > lead && is_space(v[end - 1])) repl.push_back(sql::space());
          v.erase(v.begin() + static_cast<std::ptrdiff_t>(lead),
                  v.begin() + static_cast<std::ptrdiff_t>(end));
          v.insert(v.begin() + static_cast<std::ptrdiff_t>(lead), repl.begin(), repl.end());
          seg = lead + repl.size();
          has_concat = has_arith = false;
          return seg;
        }
      }
      has_concat = has_arith = false;
      seg = end + 1;
      return end + 1;
    };
    for (size_t i = 0; i < v.size();) {
      const Node& n = v[i];
      const bool boundary =
          is_punct(n, ',') || is_punct(n, ';') ||
          (!n.group && n.tok.kind == Tok::Op && n.tok.value != "||" && n.tok.value != "+" &&
           n.tok.value != "-" && n.tok.value != "*" && n.tok.value != "/" && n.tok.value != "%") ||
          (!n.group && n.tok.kind == Tok::Word && !operand_word(v, i));
      if (boundary) {
        i = flush(i);
        continue;
      }
      if (is_op(n, "||")) has_concat = true;
      if (!n.group && n.tok.kind == Tok::Op && n.tok.value != "||") has_arith = true;
      ++i;
    }
    flush(v.size());
  }

  void function(std::vector<Node>& v, size_t i) {
    const std::string name = v[i].tok.value;
    Node& g = v[i + 1];
    auto args = sql::split_args(g.kids);
    static const std::map<std::string, std::string> renamed = {
        {"random", "rand"},         {"gen_random_uuid", "uuid"}, {"length", "char_length"},
        {"octet_length", "length"}, {"btrim", "trim"},           {"char_length", "char_length"}};
    if (auto r = renamed.find(name); r != renamed.end()) {
      v[i] = converted_word(r->second);
      return;
    }
    if (name == "strpos" && args.size() == 2) {
      v[i] = converted_word("locate");
      std::vector<Node> kids = args[1];
      kids.push_back(leaf(Tok::Punct, ",", ","));
      append(kids, args[0]);
      g.kids = std::move(kids);
      return;
    }
    if (name == "date_part" && args.size() == 2) {
      auto unit = sql::trimmed(args[0]);
      static const std::set<std::string> units = {
          "year", "month", "day", "hour", "minute", "second", "quarter", "week", "microsecond"};
      if (unit.size() == 1 && unit[0].tok.kind == Tok::String && units.count(unit[0].tok.value)) {
        std::vector<Node> kids;
        append_text(kids, unit[0].tok.value + " FROM ", Dialect::MySQL);
        append(kids, sql::trimmed(args[1]));
        v[i] = converted_word("EXTRACT");
        g.kids = std::move(kids);
        return;
      }
    }
    static const std::set<std::string> unsupported = {"date_trunc",
                                                      "date_part",
                                                      "to_char",
                                                      "to_date",
                                                      "to_timestamp",
                                                      "to_number",
                                                      "string_agg",
                                                      "array_agg",
                                                      "array_to_string",
                                                      "unnest",
                                                      "generate_series",
                                                      "regexp_matches",
                                                      "regexp_split_to_table",
                                                      "split_part",
                                                      "age",
                                                      "justify_days",
                                                      "justify_hours",
                                                      "justify_interval",
                                                      "timezone",
                                                      "format",
                                                      "jsonb_build_object",
                                                      "json_build_object",
                                                      "jsonb_agg",
                                                      "json_agg",
                                                      "row_to_json",
                                                      "to_json",
                                                      "to_jsonb",
                                                      "jsonb_extract_path",
                                                      "json_extract_path",
                                                      "array_length",
                                                      "cardinality",
                                                      "array_position",
                                                      "nextval",
                                                      "currval",
                                                      "setval",
                                                      "pg_typeof",
                                                      "txid_current",
                                                      "clock_timestamp",
                                                      "statement_timestamp",
                                                      "transaction_timestamp",
                                                      "make_date",
                                                      "make_time",
                                                      "make_timestamp",
                                                      "make_interval",
                                                      "initcap",
                                                      "translate",
                                                      "encode",
                                                      "decode",
                                                      "ascii"};
    if (unsupported.count(name)) {
      out.fail("PostgreSQL function " + name + "() has no MySQL equivalent ferry converts");
    }
  }

  void token(std::vector<Node>& v, size_t i) {
    Node& n = v[i];
    if (n.group || n.tok.converted) return;
    switch (n.tok.kind) {
      case Tok::Ident:
        if (!n.tok.text.empty() && n.tok.text[0] == '"') {
          n.tok.text = quote_ident(n.tok.value, Dialect::MySQL);
        }
        return;
      case Tok::String: {
        const std::string& p = n.tok.prefix;
        if (p == "X!") return;  // made by casts()
        if (p == "B") {
          n.tok.text = "b'" + n.tok.value + "'";
        } else if (p == "X") {
          n.tok.text = "b'" + bits_of_hex(n.tok.value) + "'";
        } else {
          n.tok.text = quote_literal(n.tok.value, Dialect::MySQL);
        }
        return;
      }
      case Tok::Op: {
        const std::string& o = n.tok.value;
        if (o == "~~") {
          n.tok.text = "LIKE";
        } else if (o == "!~~") {
          n.tok.text = "NOT LIKE";
        } else if (o == "~") {
          n.tok.text = "REGEXP";
        } else if (o == "!~") {
          n.tok.text = "NOT REGEXP";
        } else if (o == "#") {
          n.tok.text = "^";
        } else if (o == "~~*" || o == "!~~*" || o == "~*" || o == "!~*" || o == "^" || o == "@" ||
                   o == "&&" || o == "@>" || o == "<@" || o == "->" || o == "->>" || o == "#>" ||
                   o == "#>>" || o == "?" || o == "?|" || o == "?&" || o == "||") {
          out.fail("PostgreSQL operator " + o + " has no MySQL equivalent ferry converts");
        }
        return;
      }
      case Tok::Param:
        out.fail("a placeholder in catalog SQL");
        return;
      case Tok::Word:
        break;
      default:
        return;
    }
    const std::string& w = n.tok.value;
    if (w == "ilike" || w == "similar" || w == "lateral" || w == "array" || w == "fetch" ||
        w == "returning" || w == "tablesample") {
      out.fail("PostgreSQL " + n.tok.text + " has no MySQL equivalent ferry converts");
      return;
    }
    if (w == "distinct") {
      const size_t k = next_sig(v, i + 1);
      if (k < v.size() && is_word(v[k], "on")) out.fail("cannot convert DISTINCT ON to MySQL");
      const size_t p = prev_sig(v, i);
      if (k < v.size() && is_word(v[k], "from") && p < v.size()) {
        // IS NOT DISTINCT FROM → <=> ; IS DISTINCT FROM → NOT (.. <=> ..) is not expressible
        // without the operands: refuse it.
        const size_t p2 = prev_sig(v, p);
        if (is_word(v[p], "not") && p2 < v.size() && is_word(v[p2], "is")) {
          v[p2].tok.text = "";
          v[p].tok.text = "";
          n.tok.text = "";
          v[k] = leaf(Tok::Op, "<=>", "<=>");
        } else {
          out.fail("cannot convert IS DISTINCT FROM to MySQL");
        }
      }
      return;
    }
    if (w == "nulls") {
      out.fail("cannot convert NULLS FIRST/LAST to MySQL");
      return;
    }
    if (w == "filter") {
      const size_t k = next_sig(v, i + 1);
      if (k < v.size() && is_call_group(v[k])) out.fail("cannot convert FILTER (WHERE ...)");
      return;
    }
    if (w == "interval") {
      out.fail("cannot convert PostgreSQL intervals to MySQL");
      return;
    }
  }
};

Converted convert(std::string_view text, const NameContext& ctx, bool query) {
  Converted result;
  std::string err;
  auto tokens = sql::lex(text, ctx.from, &err);
  if (err.empty()) {
    // Drop a trailing ';' and spaces (pg_get_viewdef ends with one).
    while (!tokens.empty() && (tokens.back().kind == Tok::Space ||
                               (tokens.back().kind == Tok::Punct && tokens.back().value == ";"))) {
      tokens.pop_back();
    }
    while (!tokens.empty() && tokens.front().kind == Tok::Space) tokens.erase(tokens.begin());
  }
  std::vector<Node> nodes;
  if (err.empty()) nodes = sql::build_tree(tokens, &err);
  if (!err.empty()) {
    result.error = "cannot read the " + std::string(dialect_name(ctx.from)) + " text: " + err;
    return result;
  }
  Resolver names(ctx);
  names.collect(nodes, query);
  names.rewrite(nodes, query);
  Outcome out = names.out;
  if (ctx.from == Dialect::MySQL && ctx.to == Dialect::PostgreSQL) {
    MyToPg(out).run(nodes, "");
  } else if (ctx.from == Dialect::PostgreSQL && ctx.to == Dialect::MySQL) {
    PgToMy(out).run(nodes);
  }
  result.text = sql::render(nodes);
  result.error = out.error;
  result.notes = out.notes;
  return result;
}

}  // namespace

Converted convert_expression(std::string_view expr, const NameContext& ctx) {
  return convert(expr, ctx, false);
}

Converted convert_query(std::string_view query, const NameContext& ctx) {
  return convert(query, ctx, true);
}

std::vector<std::pair<std::string, std::string>> referenced_relations(std::string_view query,
                                                                      const NameContext& ctx) {
  std::string err;
  auto nodes = sql::build_tree(sql::lex(query, ctx.from, &err), &err);
  Resolver names(ctx);
  names.collect(nodes, true);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto* r : names.referenced()) out.emplace_back(r->schema, r->name);
  return out;
}

}  // namespace ferry::schema
