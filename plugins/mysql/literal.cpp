#include "literal.hpp"

#include <ferry/sdk/error.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "connection.hpp"

namespace ferry::mysql {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// [-]digits
bool valid_integer(std::string_view v, bool allow_minus) {
  if (allow_minus && !v.empty() && v[0] == '-') v.remove_prefix(1);
  return all_digits(v);
}

// [-]digits[.digits] (at least one digit; no exponent)
bool valid_decimal(std::string_view v) {
  if (!v.empty() && v[0] == '-') v.remove_prefix(1);
  bool digit = false, dot = false;
  for (char c : v) {
    if (is_digit(c)) {
      digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digit;
}

// [-]mantissa[e[+-]digits], mantissa = digits with an optional '.'
bool valid_float(std::string_view v) {
  size_t i = 0;
  if (i < v.size() && v[i] == '-') ++i;
  bool digit = false, dot = false;
  for (; i < v.size() && v[i] != 'e' && v[i] != 'E'; ++i) {
    if (is_digit(v[i])) {
      digit = true;
    } else if (v[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  if (!digit) return false;
  if (i == v.size()) return true;
  ++i;  // e
  if (i < v.size() && (v[i] == '+' || v[i] == '-')) ++i;
  return all_digits(v.substr(i));
}

bool has_exponent(std::string_view v) {
  return v.find_first_of("eE") != std::string_view::npos;
}

bool equals_lower(std::string_view v, std::string_view lower) {
  if (v.size() != lower.size()) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool is_non_finite(std::string_view v) {
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
  return equals_lower(v, "nan") || equals_lower(v, "inf") || equals_lower(v, "infinity");
}

[[noreturn]] void bad_value(const ValueSite& site, std::string_view value, std::string_view why) {
  fail(FERRY_INVALID_ARGUMENT, site.describe() + ": '" + shown_value(value) + "' is not a valid " +
                                   type_name(site.column.type) + " value (" + std::string(why) +
                                   ")");
}

bool is_integer_type(ferry_type t) {
  return t == FERRY_TYPE_INT8 || t == FERRY_TYPE_INT16 || t == FERRY_TYPE_INT24 ||
         t == FERRY_TYPE_INT32 || t == FERRY_TYPE_INT64;
}

// A YEAR the server stores as given: 0 (the zero year) or 1901-2155. Returns its number.
unsigned checked_year(const ValueSite& site, std::string_view v) {
  if (!all_digits(v)) bad_value(site, v, "expected a year as a decimal integer");
  size_t i = 0;
  while (i + 1 < v.size() && v[i] == '0') ++i;  // leading zeros ("0000" is the zero year)
  const std::string_view digits = v.substr(i);
  unsigned n = 0;
  if (digits.size() <= 4) {
    for (char c : digits) n = n * 10 + static_cast<unsigned>(c - '0');
  }
  if (digits.size() > 4 || (n != 0 && (n < 1901 || n > 2155))) {
    bad_value(site, v, "MySQL's YEAR holds 0 and 1901-2155 only");
  }
  return n;
}

// The numeric types: checks the canonical form and returns the text to send (unchanged).
void check_number(const ValueSite& site, std::string_view v) {
  const ferry_type t = site.column.type;
  if (is_integer_type(t)) {
    const bool is_unsigned = (site.column.flags & FERRY_COLUMN_UNSIGNED) != 0;
    if (!valid_integer(v, !is_unsigned)) {
      bad_value(
          site, v,
          is_unsigned ? "expected an unsigned decimal integer" : "expected a decimal integer");
    }
  } else if (t == FERRY_TYPE_BOOL) {
    if (!valid_integer(v, true)) bad_value(site, v, "expected 0 or 1");
  } else if (t == FERRY_TYPE_DECIMAL) {
    if (!valid_decimal(v)) bad_value(site, v, "expected [-]digits[.digits]");
  } else if (t == FERRY_TYPE_BIT) {
    if (!all_digits(v)) bad_value(site, v, "expected the bits as an unsigned decimal integer");
  } else if (t == FERRY_TYPE_FLOAT32 || t == FERRY_TYPE_FLOAT64) {
    if (is_non_finite(v)) {
      fail(FERRY_INVALID_ARGUMENT,
           site.describe() + ": '" + shown_value(v) + "' cannot be stored: MySQL " +
               (t == FERRY_TYPE_FLOAT32 ? "FLOAT" : "DOUBLE") +
               " columns hold no NaN or infinity (change the value at the source, or map the "
               "column to a type that holds it)");
    }
    if (!valid_float(v)) bad_value(site, v, "expected a decimal floating-point number");
  }
}

// The text of a checked FLOAT / DOUBLE value as the server is to read it. The server reads the
// text as a double and then rounds it to the column's type: the shortest text of the largest
// floats (3.4028235e+38) reads as a double beyond FLT_MAX, which a FLOAT column refuses as out of
// range. Such a FLOAT32 value is sent as the float's exact value written as a double
// (3.4028234663852886e+38), which the server stores as that same float. `buf`: 64 bytes.
std::string_view server_float_text(ferry_type t, std::string_view v, char* buf) {
  if (t != FERRY_TYPE_FLOAT32) return v;
  double d = 0;
  if (std::from_chars(v.data(), v.data() + v.size(), d).ec != std::errc() ||
      std::fabs(d) <= static_cast<double>(std::numeric_limits<float>::max())) {
    return v;
  }
  float f = 0;
  const auto rf = std::from_chars(v.data(), v.data() + v.size(), f);
  if (rf.ec != std::errc() || rf.ptr != v.data() + v.size() || !std::isfinite(f)) return v;
  const auto r = std::to_chars(buf, buf + 64, static_cast<double>(f));
  return {buf, static_cast<size_t>(r.ptr - buf)};
}

enum class Kind : uint8_t { Number, Year, Float, Binary, Geometry, DateTime, DateTimeTz, Text };

Kind kind_of(ferry_type t) {
  switch (t) {
    case FERRY_TYPE_BOOL:
    case FERRY_TYPE_INT8:
    case FERRY_TYPE_INT16:
    case FERRY_TYPE_INT24:
    case FERRY_TYPE_INT32:
    case FERRY_TYPE_INT64:
    case FERRY_TYPE_DECIMAL:
    case FERRY_TYPE_BIT:
      return Kind::Number;
    case FERRY_TYPE_YEAR:
      return Kind::Year;
    case FERRY_TYPE_FLOAT32:
    case FERRY_TYPE_FLOAT64:
      return Kind::Float;
    case FERRY_TYPE_BINARY:
    case FERRY_TYPE_VARBINARY:
    case FERRY_TYPE_BLOB:
      return Kind::Binary;
    case FERRY_TYPE_GEOMETRY:
      return Kind::Geometry;
    case FERRY_TYPE_TIMESTAMP:
      return Kind::DateTime;
    case FERRY_TYPE_TIMESTAMPTZ:
      return Kind::DateTimeTz;
    default:
      return Kind::Text;  // text, DATE, TIME, JSON, ENUM, SET, UUID, INET, ARRAY, OTHER, ...
  }
}

// 'YYYY-MM-DDTHH:MM:SS[.f][Z]' → 'YYYY-MM-DD HH:MM:SS[.f]' (the session time zone is UTC).
std::string_view strip_utc_suffix(std::string_view v) {
  if (!v.empty() && (v.back() == 'Z' || v.back() == 'z')) return v.substr(0, v.size() - 1);
  if (v.size() > 6) {
    const std::string_view tail = v.substr(v.size() - 6);
    if (tail == "+00:00" || tail == "-00:00") return v.substr(0, v.size() - 6);
  }
  return v;
}

std::string datetime_text(std::string_view v, bool utc) {
  if (utc) v = strip_utc_suffix(v);
  std::string s(v);
  const size_t t = s.find('T');
  if (t != std::string::npos) s[t] = ' ';
  return s;
}

void append_hex(std::string& out, std::string_view bytes) {
  const size_t at = out.size();
  out.resize(at + bytes.size() * 2);
  char* p = out.data() + at;
  for (unsigned char b : bytes) {
    *p++ = kHex[b >> 4];
    *p++ = kHex[b & 15];
  }
}

// LOAD DATA escaping (ESCAPED BY '\\'): the escape character, the separators and NUL / CR.
void append_escaped(std::string& out, std::string_view v) {
  size_t run = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const char* esc = nullptr;
    switch (v[i]) {
      case '\\':
        esc = "\\\\";
        break;
      case '\t':
        esc = "\\t";
        break;
      case '\n':
        esc = "\\n";
        break;
      case '\r':
        esc = "\\r";
        break;
      case '\0':
        esc = "\\0";
        break;
      default:
        continue;
    }
    out.append(v.data() + run, i - run);
    out.append(esc, 2);
    run = i + 1;
  }
  out.append(v.data() + run, v.size() - run);
}

}  // namespace

std::string ValueSite::describe() const {
  std::string s(schema);
  s += '.';
  s += table;
  s += '.';
  s += column.name ? column.name : "?";
  return s;
}

bool is_written(const ferry_column& column) {
  return (column.flags & (FERRY_COLUMN_GENERATED_STORED | FERRY_COLUMN_GENERATED_VIRTUAL)) == 0;
}

std::string shown_value(std::string_view value) {
  constexpr size_t kMax = 64;
  std::string s;
  for (size_t i = 0; i < value.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      s += "\\x";
      s += kHex[c >> 4];
      s += kHex[c & 15];
    } else {
      s += static_cast<char>(c);
    }
  }
  if (value.size() > kMax) s += "...";
  return s;
}

void append_sql_value(std::string& out, const Connection& conn, const ValueSite& site,
                      const Cell& cell) {
  if (cell.is_unchanged()) {
    fail(FERRY_INTERNAL,
         site.describe() + ": an unchanged value (FERRY_CELL_UNCHANGED) has no " + "SQL literal");
  }
  if (cell.is_null()) {
    out += "NULL";
  } else if ((cell.flags & FERRY_CELL_DEFAULT) != 0) {
    out += "DEFAULT";
  } else {
    append_sql_literal(out, conn, site, cell.data);
  }
}

void append_sql_literal(std::string& out, const Connection& conn, const ValueSite& site,
                        std::string_view v) {
  switch (kind_of(site.column.type)) {
    case Kind::Number:
      check_number(site, v);
      out += v;
      return;
    case Kind::Year:
      out += std::to_string(checked_year(site, v));
      return;
    case Kind::Float: {
      check_number(site, v);
      char buf[64];
      const std::string_view text = server_float_text(site.column.type, v, buf);
      out += text;
      if (!has_exponent(text)) out += "e0";  // an approximate literal: parsed as a double
      return;
    }
    case Kind::Binary:
      out += "X'";
      append_hex(out, v);
      out += '\'';
      return;
    case Kind::Geometry:
      out += "ST_GeomFromWKB(X'";
      append_hex(out, v);
      out += "')";
      return;
    case Kind::DateTime:
      conn.append_quoted(out, datetime_text(v, false));
      return;
    case Kind::DateTimeTz:
      conn.append_quoted(out, datetime_text(v, true));
      return;
    case Kind::Text:
      conn.append_quoted(out, v);
      return;
  }
}

LoadVia load_via(const ferry_column& column) {
  switch (kind_of(column.type)) {
    case Kind::Binary:
      return LoadVia::Unhex;
    case Kind::Geometry:
      return LoadVia::GeomUnhex;
    default:
      return column.type == FERRY_TYPE_BIT ? LoadVia::BitCast : LoadVia::Direct;
  }
}

std::string load_set_expr(LoadVia via, std::string_view var) {
  const std::string v(var);
  switch (via) {
    case LoadVia::Unhex:
      return "UNHEX(" + v + ")";
    case LoadVia::BitCast:
      return "CAST(" + v + " AS UNSIGNED)";
    case LoadVia::GeomUnhex:
      return "ST_GeomFromWKB(UNHEX(" + v + "))";
    case LoadVia::Direct:
      break;
  }
  return "";
}

void append_load_field(std::string& out, const ValueSite& site, const Cell& cell) {
  if (cell.is_null()) {
    out += "\\N";
    return;
  }
  if ((cell.flags & (FERRY_CELL_DEFAULT | FERRY_CELL_UNCHANGED)) != 0) {
    fail(FERRY_INTERNAL, site.describe() +
                             ": a DEFAULT or UNCHANGED cell cannot be loaded with "
                             "LOAD DATA");
  }
  const std::string_view v = cell.data;
  switch (kind_of(site.column.type)) {
    case Kind::Number:
      check_number(site, v);  // digits, '-', '.', 'e', '+': nothing to escape
      out += v;
      return;
    case Kind::Float: {
      check_number(site, v);
      char buf[64];
      out += server_float_text(site.column.type, v, buf);
      return;
    }
    case Kind::Year: {
      const unsigned y = checked_year(site, v);
      if (y == 0) {
        out += "0000";  // '0' would be read as 2000
      } else {
        out += std::to_string(y);
      }
      return;
    }
    case Kind::Binary:
    case Kind::Geometry:
      append_hex(out, v);
      return;
    case Kind::DateTime:
      append_escaped(out, datetime_text(v, false));
      return;
    case Kind::DateTimeTz:
      append_escaped(out, datetime_text(v, true));
      return;
    case Kind::Text:
      append_escaped(out, v);
      return;
  }
}

}  // namespace ferry::mysql
