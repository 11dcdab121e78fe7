// Values read through the text protocol (snapshot, verification reads) → the SDK's canonical
// text forms (docs/sdk.md). Most MySQL renderings already are canonical; the exceptions are
// handled here, and the SELECT list asks the server for an exact rendering where its default
// one is not (FLOAT prints 6 significant digits; BIT prints raw bytes; GEOMETRY carries an SRID).
#pragma once

#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/catalog.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::mysql {

enum class TextForm : uint8_t {
  AsIs,         // integers, DECIMAL, strings, bytes, DATE, ENUM, SET, JSON, BIT (selected +0)
  Float32,      // selected as DOUBLE; rendered as the shortest text of the float value
  Float64,      // shortest round-trip text
  DateTime,     // 'YYYY-MM-DD HH:MM:SS[.ffffff]' → 'YYYY-MM-DDTHH:MM:SS[.f]'
  DateTimeUtc,  // TIMESTAMP: as DateTime, plus 'Z' (sessions run in UTC)
  Time,         // '[-]HH:MM:SS[.ffffff]' → '[-]H:MM:SS[.f]'
  Year          // '0000' → '0'
};

TextForm text_form_of(const Column& column);

// The expression that reads `column` exactly through the text protocol.
std::string select_expr(const Column& column);

// Appends the canonical form of `text` (the server's rendering of select_expr) as one cell.
void add_canonical(BatchBuilder& out, TextForm form, std::string_view text);
// The same into a string (key values, messages).
std::string to_canonical(TextForm form, std::string_view text);

}  // namespace ferry::mysql
