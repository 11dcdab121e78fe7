#include "values.hpp"

#include <ferry/sdk/error.hpp>

#include <charconv>
#include <cstdlib>

#include "connection.hpp"

namespace ferry::mysql {

TextForm text_form_of(const Column& c) {
  switch (c.type) {
    case FERRY_TYPE_FLOAT32:
      return TextForm::Float32;
    case FERRY_TYPE_FLOAT64:
      return TextForm::Float64;
    case FERRY_TYPE_TIMESTAMP:
      return TextForm::DateTime;
    case FERRY_TYPE_TIMESTAMPTZ:
      return TextForm::DateTimeUtc;
    case FERRY_TYPE_TIME:
      return TextForm::Time;
    case FERRY_TYPE_YEAR:
      return TextForm::Year;
    default:
      return TextForm::AsIs;
  }
}

std::string select_expr(const Column& c) {
  const std::string id = quote_ident(c.name);
  switch (c.type) {
    case FERRY_TYPE_FLOAT32:
      // The text protocol prints FLOAT with 6 significant digits; as DOUBLE it is exact.
      return "CAST(" + id + " AS DOUBLE)";
    case FERRY_TYPE_BIT:
      return "CAST(" + id + " AS UNSIGNED)";
    case FERRY_TYPE_GEOMETRY:
      return "ST_AsBinary(" + id + ")";
    default:
      return id;
  }
}

namespace {

// Writes the canonical form into `buf` (at least 64 bytes), returns its length; or -1 when the
// value is to be passed through unchanged.
int convert(TextForm form, std::string_view text, char* buf, size_t cap) {
  switch (form) {
    case TextForm::AsIs:
      return -1;
    case TextForm::Float32:
    case TextForm::Float64: {
      const std::string s(text);
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size()) {
        fail(FERRY_INTERNAL, "the server sent '" + s + "' for a floating-point column");
      }
      const auto r = form == TextForm::Float32
                         ? std::to_chars(buf, buf + cap, static_cast<float>(d))
                         : std::to_chars(buf, buf + cap, d);
      return static_cast<int>(r.ptr - buf);
    }
    case TextForm::DateTime:
    case TextForm::DateTimeUtc: {
      if (text.size() + 1 > cap) return -1;
      size_t n = text.size();
      std::copy(text.begin(), text.end(), buf);
      if (n > 10 && buf[10] == ' ') buf[10] = 'T';
      std::string_view v(buf, n);
      if (const auto dot = v.rfind('.'); dot != std::string_view::npos && dot > 10) {
        while (n > dot + 1 && buf[n - 1] == '0') --n;
        if (n == dot + 1) n = dot;
      }
      if (form == TextForm::DateTimeUtc) buf[n++] = 'Z';
      return static_cast<int>(n);
    }
    case TextForm::Time: {
      if (text.size() > cap) return -1;
      size_t i = 0, n = 0;
      if (!text.empty() && text[0] == '-') buf[n++] = text[i++];
      // hours without leading zeros (at least one digit)
      while (i + 1 < text.size() && text[i] == '0' && text[i + 1] != ':') ++i;
      for (; i < text.size(); ++i) buf[n++] = text[i];
      std::string_view v(buf, n);
      if (const auto dot = v.rfind('.'); dot != std::string_view::npos) {
        while (n > dot + 1 && buf[n - 1] == '0') --n;
        if (n == dot + 1) n = dot;
      }
      return static_cast<int>(n);
    }
    case TextForm::Year: {
      size_t i = 0;
      while (i + 1 < text.size() && text[i] == '0') ++i;
      std::copy(text.begin() + static_cast<std::ptrdiff_t>(i), text.end(), buf);
      return static_cast<int>(text.size() - i);
    }
  }
  return -1;
}

}  // namespace

void add_canonical(BatchBuilder& out, TextForm form, std::string_view text) {
  char buf[80];
  const int n = convert(form, text, buf, sizeof(buf));
  if (n < 0) {
    out.add_cell(text);
  } else {
    out.add_cell(std::string_view(buf, static_cast<size_t>(n)));
  }
}

std::string to_canonical(TextForm form, std::string_view text) {
  char buf[80];
  const int n = convert(form, text, buf, sizeof(buf));
  return n < 0 ? std::string(text) : std::string(buf, static_cast<size_t>(n));
}

}  // namespace ferry::mysql
