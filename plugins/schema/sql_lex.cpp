#include "sql_lex.hpp"

#include <cctype>

namespace ferry::schema::sql {

namespace {

bool word_start(unsigned char c) {
  return std::isalpha(c) || c == '_' || c >= 0x80;
}

bool word_char(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

bool op_char(char c) {
  return std::string_view("+-*/<>=~!@#%^&|?").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view s, Dialect d) : s_(s), d_(d) {}

  std::vector<Token> run(std::string* error) {
    while (i_ < s_.size() && error_.empty()) step();
    if (error) *error = error_;
    return std::move(out_);
  }

 private:
  char at(size_t k) const { return k < s_.size() ? s_[k] : '\0'; }

  void push(Tok kind, size_t from, std::string value = {}, std::string prefix = {}) {
    Token t;
    t.kind = kind;
    t.text = std::string(s_.substr(from, i_ - from));
    t.value = std::move(value);
    t.prefix = std::move(prefix);
    out_.push_back(std::move(t));
  }

  // A quoted run starting at i_ (the opening quote); `backslash`: \ escapes the next char.
  // Returns the decoded content; i_ ends after the closing quote.
  std::string quoted(char q, bool backslash) {
    std::string v;
    ++i_;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (backslash && c == '\\' && i_ + 1 < s_.size()) {
        const char n = s_[i_ + 1];
        switch (n) {
          case 'n':
            v += '\n';
            break;
          case 't':
            v += '\t';
            break;
          case 'r':
            v += '\r';
            break;
          case '0':
            v += '\0';
            break;
          case 'b':
            v += '\b';
            break;
          case 'Z':
            v += '\x1a';
            break;
          default:
            v += n;
        }
        i_ += 2;
        continue;
      }
      if (c == q) {
        if (at(i_ + 1) == q) {
          v += q;
          i_ += 2;
          continue;
        }
        ++i_;
        return v;
      }
      v += c;
      ++i_;
    }
    error_ = std::string("unterminated ") + (q == '\'' ? "string" : "quoted name");
    return v;
  }

  void step() {
    const size_t from = i_;
    const char c = s_[i_];
    const auto uc = static_cast<unsigned char>(c);
    if (std::isspace(uc)) {
      while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
      push(Tok::Space, from);
      return;
    }
    // Comments become a space.
    if ((c == '-' && at(i_ + 1) == '-') || (d_ == Dialect::MySQL && c == '#')) {
      while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      push(Tok::Space, from);
      out_.back().text = " ";
      return;
    }
    if (c == '/' && at(i_ + 1) == '*') {
      const size_t end = s_.find("*/", i_ + 2);
      if (end == std::string_view::npos) {
        error_ = "unterminated comment";
        i_ = s_.size();
        return;
      }
      i_ = end + 2;
      push(Tok::Space, from);
      out_.back().text = " ";
      return;
    }
    if (c == '\'') {
      std::string v = quoted('\'', d_ == Dialect::MySQL);
      push(Tok::String, from, std::move(v));
      return;
    }
    if (c == '"') {
      if (d_ == Dialect::MySQL) {  // a string unless ANSI_QUOTES (catalog text never uses it)
        std::string v = quoted('"', true);
        push(Tok::String, from, std::move(v));
      } else {
        std::string v = quoted('"', false);
        push(Tok::Ident, from, std::move(v));
      }
      return;
    }
    if (c == '`' && d_ == Dialect::MySQL) {
      std::string v = quoted('`', false);
      push(Tok::Ident, from, std::move(v));
      return;
    }
    // Prefixed strings: E'..', N'..', X'..', B'..', _charset'..'
    if (word_start(uc)) {
      size_t j = i_;
      while (j < s_.size() && word_char(static_cast<unsigned char>(s_[j]))) ++j;
      const std::string w = lower(s_.substr(i_, j - i_));
      if (at(j) == '\'') {
        std::string prefix;
        bool backslash = d_ == Dialect::MySQL;
        if (w == "e" && d_ == Dialect::PostgreSQL) {
          prefix = "E";
          backslash = true;
        } else if (w == "n") {
          prefix = "N";
        } else if (w == "x") {
          prefix = "X";
          backslash = false;
        } else if (w == "b") {
          prefix = "B";
          backslash = false;
        } else if (w.size() > 1 && w[0] == '_' && d_ == Dialect::MySQL) {
          prefix = w;
        }
        if (!prefix.empty()) {
          i_ = j;
          std::string v = quoted('\'', backslash);
          push(Tok::String, from, std::move(v), prefix);
          return;
        }
      }
      i_ = j;
      push(Tok::Word, from, w);
      return;
    }
    // PostgreSQL dollar quoting: $tag$ ... $tag$ ; parameters $1.
    if (c == '$' && d_ == Dialect::PostgreSQL) {
      if (std::isdigit(static_cast<unsigned char>(at(i_ + 1)))) {
        ++i_;
        while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
        push(Tok::Param, from);
        return;
      }
      size_t j = i_ + 1;
      while (j < s_.size() && s_[j] != '$' && word_char(static_cast<unsigned char>(s_[j]))) ++j;
      if (at(j) == '$') {
        const std::string tag(s_.substr(i_, j - i_ + 1));
        const size_t end = s_.find(tag, j + 1);
        if (end == std::string_view::npos) {
          error_ = "unterminated dollar-quoted string";
          i_ = s_.size();
          return;
        }
        std::string v(s_.substr(j + 1, end - j - 1));
        i_ = end + tag.size();
        push(Tok::String, from, std::move(v), "$");
        return;
      }
    }
    if (std::isdigit(uc) || (c == '.' && std::isdigit(static_cast<unsigned char>(at(i_ + 1))))) {
      if (c == '0' && (at(i_ + 1) == 'x' || at(i_ + 1) == 'b') && d_ == Dialect::MySQL) {
        const char kind = at(i_ + 1);
        i_ += 2;
        while (i_ < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
        push(Tok::Number, from, std::string(s_.substr(from + 2, i_ - from - 2)),
             kind == 'x' ? "0x" : "0b");
        return;
      }
      while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.'))
        ++i_;
      if ((at(i_) == 'e' || at(i_) == 'E') &&
          (std::isdigit(static_cast<unsigned char>(at(i_ + 1))) ||
           ((at(i_ + 1) == '+' || at(i_ + 1) == '-') &&
            std::isdigit(static_cast<unsigned char>(at(i_ + 2)))))) {
        i_ += 2;
        while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      }
      push(Tok::Number, from, std::string(s_.substr(from, i_ - from)));
      return;
    }
    if (std::string_view("()[],.;").find(c) != std::string_view::npos) {
      ++i_;
      push(Tok::Punct, from, std::string(1, c));
      return;
    }
    if (c == ':' && at(i_ + 1) == ':') {
      i_ += 2;
      push(Tok::Op, from, "::");
      return;
    }
    if (c == '?' && d_ == Dialect::MySQL) {
      ++i_;
      push(Tok::Param, from);
      return;
    }
    if (op_char(c)) {
      while (i_ < s_.size() && op_char(s_[i_])) ++i_;
      push(Tok::Op, from, std::string(s_.substr(from, i_ - from)));
      return;
    }
    // Anything else (a lone ':' , '\\'): an operator of its own.
    ++i_;
    push(Tok::Op, from, std::string(1, c));
  }

  std::string_view s_;
  Dialect d_;
  size_t i_ = 0;
  std::vector<Token> out_;
  std::string error_;
};

}  // namespace

std::vector<Token> lex(std::string_view sql, Dialect d, std::string* error) {
  return Lexer(sql, d).run(error);
}

std::vector<Node> build_tree(const std::vector<Token>& tokens, std::string* error) {
  std::vector<std::vector<Node>> stack(1);
  std::vector<Node> open;
  for (const auto& t : tokens) {
    if (t.kind == Tok::Punct && (t.value == "(" || t.value == "[")) {
      Node g;
      g.tok = t;
      g.group = true;
      g.close = t.value == "(" ? ")" : "]";
      open.push_back(std::move(g));
      stack.emplace_back();
      continue;
    }
    if (t.kind == Tok::Punct && (t.value == ")" || t.value == "]")) {
      if (open.empty() || open.back().close != t.value) {
        if (error) *error = "unbalanced '" + t.value + "'";
        return {};
      }
      Node g = std::move(open.back());
      open.pop_back();
      g.kids = std::move(stack.back());
      stack.pop_back();
      stack.back().push_back(std::move(g));
      continue;
    }
    Node n;
    n.tok = t;
    stack.back().push_back(std::move(n));
  }
  if (!open.empty()) {
    if (error) *error = "unbalanced '" + open.back().tok.value + "'";
    return {};
  }
  return std::move(stack.front());
}

std::string render(const Node& node) {
  if (!node.group) return node.tok.text;
  return node.tok.text + render(node.kids) + node.close;
}

std::string render(const std::vector<Node>& nodes) {
  std::string out;
  for (const auto& n : nodes) out += render(n);
  return out;
}

Node leaf(Tok kind, std::string text, std::string value) {
  Node n;
  n.tok.kind = kind;
  n.tok.text = std::move(text);
  n.tok.value = std::move(value);
  return n;
}

Node word(const std::string& text) {
  return leaf(Tok::Word, text, lower(text));
}

Node space() {
  return leaf(Tok::Space, " ");
}

bool is_word(const Node& n, std::string_view lower_value) {
  return !n.group && n.tok.kind == Tok::Word && n.tok.value == lower_value;
}

bool is_punct(const Node& n, char c) {
  return !n.group && n.tok.kind == Tok::Punct && n.tok.value.size() == 1 && n.tok.value[0] == c;
}

bool is_op(const Node& n, std::string_view op) {
  return !n.group && n.tok.kind == Tok::Op && n.tok.value == op;
}

bool is_space(const Node& n) {
  return !n.group && n.tok.kind == Tok::Space;
}

std::vector<std::vector<Node>> split_args(const std::vector<Node>& kids) {
  std::vector<std::vector<Node>> out(1);
  for (const auto& k : kids) {
    if (is_punct(k, ',')) {
      out.emplace_back();
    } else {
      out.back().push_back(k);
    }
  }
  if (out.size() == 1 && trimmed(out[0]).empty()) out.clear();
  return out;
}

std::vector<Node> trimmed(std::vector<Node> nodes) {
  while (!nodes.empty() && is_space(nodes.back())) nodes.pop_back();
  size_t first = 0;
  while (first < nodes.size() && is_space(nodes[first])) ++first;
  nodes.erase(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(first));
  return nodes;
}

std::vector<std::string> split_statements(std::string_view sql, Dialect d, std::string* error) {
  std::vector<std::string> out;
  std::string current;
  const auto flush = [&] {
    if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(current);
    current.clear();
  };
  for (const auto& t : lex(sql, d, error)) {
    if (t.kind == Tok::Punct && t.text == ";") {
      flush();
    } else {
      current += t.text;
    }
  }
  flush();
  return out;
}

}  // namespace ferry::schema::sql
