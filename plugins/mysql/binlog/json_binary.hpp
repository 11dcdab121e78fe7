// MySQL's binary JSON format (the JSON column type, 245, in MySQL 5.7+ row images) to JSON text.
//
// The text is written the way MySQL prints JSON (SELECT of a JSON column), so a snapshot read and
// a binlog read of the same document give the same text:
//   {"a": 1, "b": [true, null]}   ", " between members and elements, ": " after keys;
//   keys in stored order (MySQL sorts them by length, then bytes);
//   strings with ", \ and control characters escaped (\b \f \n \r \t, else \u00xx), the rest
//   raw UTF-8;
//   integers in decimal; doubles as MySQL's my_gcvt(MY_GCVT_MAX_FIELD_WIDTH) prints them (as
//   read in MySQL's strings/dtoa.cc and json_dom.cc; the test bed has no MySQL to check against):
//   the shortest round-trip digits, fixed notation from 1e-15 to below 1e15 with ".0" added
//   when there is no fraction (3.0, 0.0000001), else d[.ddd]e[-]x (1e15, 1e-16, 1.5e300);
//   opaque values: DECIMAL as its number with its scale (1.50); DATE / TIME / DATETIME /
//   TIMESTAMP as a string with 6 fractional digits ("2015-01-15", "12:00:00.000000",
//   "2015-01-15 23:24:25.000000"); any other type as the string
//   "base64:type<mysql type>:<base64 of the bytes>" (MySQL's form).
//   An empty value (0 bytes, what MySQL stores for a JSON null in non-strict inserts) is null.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace ferry::mysql::binlog {

// Appends the JSON text of a binary JSON document to `out`. Throws ferry::Error
// (FERRY_DATA_LOSS) naming what is malformed; nesting deeper than 150 levels is malformed.
void json_binary_to_text(std::span<const uint8_t> doc, std::string& out);

namespace detail {
// The same, throwing detail::Malformed (for the row decoder, which adds table and column).
void json_binary_append(std::span<const uint8_t> doc, std::string& out);
}  // namespace detail

}  // namespace ferry::mysql::binlog
