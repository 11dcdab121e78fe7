// PostgreSQL's binary COPY format ↔ ferry's canonical text (docs/sdk.md, "Canonical value
// forms").
//
// Source side: COPY (SELECT ...) TO STDOUT (FORMAT binary). Each column's send format is decoded
// straight to the canonical text the text decoder (pg_values.hpp Decoder) gives for the same
// value — the Decoder is the spec, and a column is decoded from binary only when its Decoder's
// form is the one expected for its type. Decoded: int2/int4/int8, oid, bool, float4/float8
// (NaN, ±Infinity, -0), numeric (NaN, ±Infinity, display scale), text, varchar, name, char(n)
// (without its pad, as Form::CharTrim), json, jsonb (version 1), enum labels, bytea (raw bytes),
// date, timestamp, timestamptz (BC, ±infinity), time, timetz (the zone is sent in seconds WEST of
// UTC), interval (time-only; a day or month part is reported as by the text decoder), uuid,
// bit(n ≤ 64) (unsigned integer), bit(n > 64) / varbit (0/1 digits), macaddr, macaddr8, arrays of
// all of these (JSON arrays, the text decoder's element rules), and domains over them. Every
// other column (inet, cidr, money, xml, geometric types, ranges, composites, "char", pg_lsn,
// int2vector, ... and arrays of them) is selected as its type's output function's text
// (`"pg_catalog"."inet_out"(col)::text`: exactly what COPY text prints, where a cast to text may
// differ, e.g. inet::text keeps /32) and converted by the text decoder.
//
// Destination side: COPY ... FROM STDIN (FORMAT binary) when every written column's destination
// type has an encoder from the incoming canonical text here (binary_encoder_for); binary input
// converts nothing, so the encoder follows the destination column's type (domains: their base
// type) and accepts only incoming logical types whose text-path conversion it reproduces. A value
// the text path refuses is refused here with the text path's own message (the canonical form is
// checked by append_pg_text); a value PostgreSQL's input function would refuse (out of range) is
// refused naming the column and the value; checks the server's receive function makes too
// (varchar(n)/char(n) length, bit(n) length, numeric precision, enum labels, json syntax, domain
// constraints) are left to the server.
#pragma once

#include <ferry/abi.h>
#include <ferry/sdk/batch.hpp>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg_values.hpp"

namespace ferry::pg {

// ---- source: binary → canonical ---------------------------------------------------------------

enum class BinForm : uint8_t {
  Text,         // the bytes are the canonical text: text, varchar, name, json, enum labels
  CharTrim,     // char(n): without its trailing pad spaces
  Bytea,        // raw bytes
  ByteaHex,     // array elements: \x hex text
  Jsonb,        // version byte 1, then the text
  Bool,         // 1 byte → 1 / 0
  Int2,         // big-endian integers → decimal
  Int4,         //
  Int8,         //
  Oid,          // unsigned 32 bits
  Float4,       // IEEE → shortest text, nan / inf / -inf
  Float8,       //
  Numeric,      // base-10000 digits → numeric_out's text
  Date,         // days since 2000-01-01; BC → signed astronomical year; ±infinity
  Time,         // microseconds → H:MM:SS[.f]
  TimeTz,       // + zone (seconds west of UTC) → +HH:MM[:SS]
  Timestamp,    // microseconds since 2000-01-01 → YYYY-MM-DDTHH:MM:SS[.f]
  TimestampTz,  // the same in UTC, with Z
  Interval,     // microseconds, days, months: time-only → [-]H:MM:SS[.f]
  Uuid,         // 16 bytes → 8-4-4-4-12 lowercase hex
  Bit,          // bit(n ≤ 64) → unsigned decimal
  BitText,      // bit(n > 64), varbit → 0/1 digits
  Macaddr,      // 6 bytes → xx:xx:xx:xx:xx:xx
  Macaddr8,     // 8 bytes
  Array         // → JSON array of the elements' canonical forms (BinaryDecoder::element)
};

struct BinaryDecoder {
  BinForm form = BinForm::Text;
  BinForm element = BinForm::Text;  // Array: the elements' form
};

// The binary decoder of a column of type `type_oid` whose text decoder is `text`; nullopt when
// its binary form is not decoded here (the column is then read as its output function's text).
std::optional<BinaryDecoder> binary_decoder_for(uint32_t type_oid, const Decoder& text,
                                                const TypeCatalog* catalog);

// Appends the canonical form of one (non-NULL) binary value. Returns false, appending nothing,
// when the value has no canonical form (as to_canonical: an interval with a day or month part,
// an array with lower bounds other than 1); `why` then says why. FERRY_DATA_LOSS when the bytes
// are not a value of the type.
bool binary_to_canonical(const BinaryDecoder& decoder, std::string_view value, std::string& out,
                         std::string* why = nullptr);

// One field of a binary COPY tuple: len -1 is NULL.
struct BinaryField {
  const char* data = nullptr;
  int32_t len = -1;
  std::string_view view() const { return {data, static_cast<size_t>(len)}; }
};

// Splits the CopyData messages of COPY ... TO STDOUT (FORMAT binary) into tuples: the header
// first, the trailer last. A tuple may span messages (PostgreSQL sends one per message, but the
// protocol does not promise it). Fields point into the message last fed (or an internal copy)
// and stay valid until the next feed() or next().
class BinaryCopyReader {
 public:
  explicit BinaryCopyReader(size_t columns) : width_(columns) {}
  void feed(std::string_view message);
  // The next complete tuple into `fields`; false when the data fed holds no further complete
  // tuple (feed the next message) or the trailer was read (ended()).
  bool next(std::vector<BinaryField>& fields);
  bool ended() const { return ended_; }
  // Data fed and not consumed (a tuple cut short at the end of the stream).
  bool pending() const { return pos_ < data_.size() || !carry_.empty(); }

 private:
  void keep_rest(size_t from);

  size_t width_;
  std::string_view data_;
  size_t pos_ = 0;
  std::string carry_;
  bool header_ = false, ended_ = false;
};

// ---- destination: canonical → binary ----------------------------------------------------------

enum class BinEnc : uint8_t {
  Bool,         // from BOOL (1/0) and integer types (1/0 only, as boolin reads them)
  Int2,         // from integer types and YEAR, range-checked
  Int4,         //
  Int8,         //
  Float4,       // from FLOAT32/64, integer types, YEAR, DECIMAL (correctly rounded, as strtof)
  Float8,       //
  Numeric,      // from DECIMAL (NaN, ±Infinity), integer types, YEAR
  Text,         // text, varchar, char(n), json, enums: append_pg_text of any incoming type
  Jsonb,        // version 1 + append_pg_text
  Bytea,        // from BINARY, VARBINARY, BLOB, GEOMETRY: the raw bytes
  Date,         // from DATE
  Time,         // from TIME
  TimeTz,       // from TIMETZ
  Timestamp,    // from TIMESTAMP and TIMESTAMPTZ (a Z is ignored, as timestamp_in does)
  TimestampTz,  // from TIMESTAMPTZ and TIMESTAMP (the session's TimeZone is UTC)
  Interval,     // from INTERVAL
  Uuid,         // from UUID, CHAR, VARCHAR, TEXT (the spellings uuid_in reads)
  Bit           // bit(n), varbit from BIT (the server checks the length)
};

// The binary encoder of `incoming` values into a column of type `dest_oid` (domains resolved
// through `catalog` to their base type); nullopt when there is none (the table is then written in
// text format).
std::optional<BinEnc> binary_encoder_for(uint32_t dest_oid, ferry_type incoming,
                                         const TypeCatalog* catalog);
// The name of the destination type an encoder writes, for messages ("integer", "date", ...).
const char* binary_encoder_type(BinEnc encoder);

// Thrown by append_binary_value for a value the text path accepts and this encoder does not
// write exactly (a numeric of more than 12000 significant digits, a canonical spelling the
// encoder does not parse): the caller writes the batch in text format instead.
struct NeedsTextFormat : std::exception {
  const char* what() const noexcept override {
    return "a value the binary COPY encoder does not write; the batch goes in text format";
  }
};

// Appends one binary COPY field of canonical `value` (not NULL): int32 length, then the bytes
// of the destination type's send format. `encoder` is the incoming column's (its site names the
// column in messages). Errors: FERRY_INVALID_ARGUMENT naming the column and value; throws
// NeedsTextFormat as said above.
void append_binary_value(std::string& out, BinEnc kind, const Encoder& encoder,
                         std::string_view value);
// A NULL field.
inline void append_binary_null(std::string& out) {
  out.append("\xff\xff\xff\xff", 4);
}
// The header of a binary COPY stream (signature, flags 0, no extension), a tuple's field count,
// and the trailer.
void append_binary_copy_header(std::string& out);
void append_binary_tuple_start(std::string& out, uint16_t fields);
void append_binary_copy_trailer(std::string& out);

}  // namespace ferry::pg
