// PostgreSQL values ↔ the SDK's canonical text forms (docs/sdk.md, "Canonical value forms").
//
// Source side: PostgreSQL's text output (pgoutput 't' values, COPY TO text, a text-format
// result) → canonical text, with the conversion chosen once per column from its type OID and
// typmod (plus, for types that are not built in, what the catalog says: enum, domain and its
// base type, array and its element type). The sessions that produce the text must run with
//   TimeZone=UTC, DateStyle=ISO, IntervalStyle=postgres, bytea_output=hex, extra_float_digits>=1
// (the defaults except TimeZone); timestamptz values with another offset are still converted to
// UTC exactly.
//
// Destination side: canonical text → PostgreSQL input text (for COPY text format and literals),
// chosen from the incoming column's logical type, and the COPY text-format escaping.
//
// ---- Canonical spellings chosen for PostgreSQL values (for docs/sdk.md) ----------------------
//
//   DATE / TIMESTAMP / TIMESTAMPTZ infinity: `infinity` and `-infinity`, as PostgreSQL spells
//     them (no `T`, no `Z`). A destination without infinities refuses them, naming the value.
//   BC dates: ISO-8601 astronomical year numbering with a sign: year 0 is 1 BC, year -1 is 2 BC,
//     at least 4 digits: PostgreSQL `0044-03-15 BC` → `-0043-03-15`, `0001-01-01 BC` →
//     `0000-01-01`, `0044-03-15 08:30:00 BC` → `-0043-03-15T08:30:00`. Years after 9999 keep
//     their digits without a `+` (`10000-01-01`).
//   TIMETZ: `H:MM:SS[.f]` (hours without a leading zero, as TIME) and the offset as
//     `+HH:MM`, or `+HH:MM:SS` when the offset has seconds: `08:30:00+02` → `8:30:00+02:00`.
//   INTERVAL: an interval without a year, month or day part is `[-]H:MM:SS[.f]`
//     (`-00:00:00.5` → `-0:00:00.5`, `100000:00:00` stays). One with such a part keeps its three
//     fields exactly (a day is not always 24 hours, a month has no fixed length, so they are
//     never folded into hours) as an ISO 8601 duration, spelled as PostgreSQL's IntervalStyle
//     iso_8601 prints it: `P`, then `<n>Y`, `<n>M`, `<n>D` for the non-zero year, month and
//     day parts (months split into years and months with the same sign), then, when the time
//     is not zero, `T` and `<n>H`, `<n>M`, `<n>[.f]S` for its non-zero parts, every number with
//     its own sign: `1 year 2 mons 3 days 04:05:06.5` → `P1Y2M3DT4H5M6.5S`, `-1 days
//     +02:03:04` → `P-1DT2H3M4S`, `1 mon -00:00:00.5` → `P1MT-0.5S`. PostgreSQL reads it back
//     exactly; a destination that cannot hold it (MySQL TIME) refuses it naming the value.
//   BIT: `bit(n)` with n ≤ 64 is BIT, canonical the unsigned integer of its bits (`00000101` →
//     `5`; the width is the column's `length`). `bit(n)` with n > 64 and `varbit` are OTHER
//     (native `bit(n)` / `bit varying(n)`), their text the 0/1 digits as PostgreSQL prints
//     them: leading zeros and lengths survive.
//   Arrays: ARRAY, a JSON array of the elements' canonical forms as JSON strings, NULL as
//     `null`, a multi-dimensional array as nested JSON arrays (`{{1,2},{3,4}}` →
//     `[["1","2"],["3","4"]]`), an empty array `[]`. An array whose lower bound is not 1
//     (`[0:1]={1,2}`) has no canonical form: the converter reports it (returns false) and the
//     connector fails naming the value.
//   Arrays of bytea: raw bytes cannot live in JSON text, so a bytea element is PostgreSQL's hex
//     text: `{"\\x0a0b"}` → `["\\x0a0b"]` (the JSON string `\x0a0b`).
//   NUMERIC `NaN`, `Infinity`, `-Infinity` (PostgreSQL 14+) cross as those words. Canonical
//     DECIMAL has no such values: a destination that cannot hold them fails naming the value.
//   money (its text depends on lc_monetary), xml, geometric types, tsvector, ranges, composite
//     types, `"char"`, pg_lsn and every other type not listed: OTHER, PostgreSQL's text as is
//     (same-engine only).
//   jsonb: JSON, the text as PostgreSQL prints it (keys sorted, its own spacing); json keeps the
//     document as stored.
//
// Errors (ferry::Error, FERRY_INVALID_ARGUMENT): a text that is not what PostgreSQL prints for
// the type (source side), or not the canonical form of its type or not storable in PostgreSQL
// (destination side: `-838:59:59` into time, MySQL zero dates, NUL bytes in text), naming the
// value (cut to 64 characters) and, on the destination side, the column.
#pragma once

#include <ferry/abi.h>
#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/catalog.hpp>

#include "pgoutput.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ferry::pg {

// Built-in type OIDs (pg_type.dat; stable across PostgreSQL versions).
namespace oid {
inline constexpr uint32_t kBool = 16, kBytea = 17, kChar = 18, kName = 19, kInt8 = 20, kInt2 = 21,
                          kInt2Vector = 22, kInt4 = 23, kText = 25, kOid = 26, kOidVector = 30,
                          kJson = 114, kXml = 142, kPoint = 600, kBox = 603, kFloat4 = 700,
                          kFloat8 = 701, kMoney = 790, kMacaddr = 829, kMacaddr8 = 774, kCidr = 650,
                          kInet = 869, kBpchar = 1042, kVarchar = 1043, kDate = 1082, kTime = 1083,
                          kTimestamp = 1114, kTimestamptz = 1184, kInterval = 1186, kTimetz = 1266,
                          kBit = 1560, kVarbit = 1562, kNumeric = 1700, kUuid = 2950, kJsonb = 3802;
}  // namespace oid

// What the catalog says about a type (pg_type), for types that are not built in: enums,
// domains, arrays of them, composite and range types.
struct CatalogType {
  uint32_t oid = 0;
  char kind = 'b';           // typtype: 'b' base, 'c' composite, 'd' domain, 'e' enum,
                             // 'p' pseudo, 'r' range, 'm' multirange
  uint32_t base_oid = 0;     // typbasetype (domains)
  int32_t base_typmod = -1;  // typtypmod (domains)
  uint32_t element_oid = 0;  // typelem when the type is an array (typcategory 'A'), else 0
  char delimiter = ',';      // typdelim (the separator of an array of this type)
};

class TypeCatalog {
 public:
  void add(CatalogType type) { map_[type.oid] = type; }
  const CatalogType* find(uint32_t type_oid) const {
    const auto it = map_.find(type_oid);
    return it == map_.end() ? nullptr : &it->second;
  }

 private:
  std::unordered_map<uint32_t, CatalogType> map_;
};

// How a column's text becomes canonical.
enum class Form : uint8_t {
  AsIs,         // already canonical: integers, numeric, text, json/jsonb, uuid, inet, cidr,
                // macaddr, enum labels, and every OTHER type (PostgreSQL's text)
  Bool,         // t / f → 1 / 0
  Float32,      // real: NaN/Infinity → nan/inf, otherwise the float's shortest text
  Float64,      // double precision
  Bytea,        // \x0a0b → raw bytes (the escape format is read too)
  ByteaHex,     // array elements: bytea as \x hex text
  Date,         // BC → signed astronomical year
  Timestamp,    // ' ' → 'T', BC
  TimestampTz,  // → UTC with 'Z', BC
  Time,         // 08:30:00 → 8:30:00
  TimeTz,       // 08:30:00+02 → 8:30:00+02:00
  Interval,     // time-only intervals → [-]H:MM:SS[.f]; a year/month/day part: not
                // representable. The binary decoder's counterpart (BinForm::Interval); no column
                // is given this form any more: interval columns are IntervalIso
  IntervalIso,  // any interval: pure time → [-]H:MM:SS[.f]; a year/month/day part → ISO 8601
  Bit,          // bit(n ≤ 64) → unsigned decimal
  Array,        // → JSON array of the elements' canonical forms
  CharTrim      // char(n): without its trailing pad spaces (CHAR is compared padded anyway)
};

struct Decoder {
  Form form = Form::AsIs;
  ferry_type type = FERRY_TYPE_OTHER;  // the logical type the canonical text is of
  Form element_form = Form::AsIs;      // Array
  ferry_type element_type = FERRY_TYPE_UNKNOWN;
  char delimiter = ',';  // Array: the element type's typdelim (';' for box)
};

// The decoder of a column of type `type_oid` with modifier `typmod` (atttypmod). Types that are
// not built in are looked up in `catalog` (enums → ENUM, domains → their base type, arrays →
// ARRAY of their element type); a type it does not know is OTHER.
Decoder decoder_for(uint32_t type_oid, int32_t typmod, const TypeCatalog* catalog = nullptr);
// One decoder per column of a pgoutput relation.
std::vector<Decoder> decoders_for(const Relation& relation, const TypeCatalog* catalog = nullptr);
// PostgreSQL's own text, typed OTHER.
inline Decoder native_decoder() {
  return Decoder{};
}
// The element type of a built-in array type (int4[] → int4); nullopt for any other type.
std::optional<uint32_t> builtin_array_element(uint32_t type_oid);

// Civil dates (proleptic Gregorian, astronomical years: 0 = 1 BC), days since 1970-01-01.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d);
bool is_leap(int64_t y);
unsigned days_in_month(int64_t y, unsigned m);

// Appends the canonical form of `pg_text` to `out`. Returns false, appending nothing, when the
// value has no canonical form in the decoder's type (an array with lower bounds other than 1;
// Form::Interval: an interval with a year, month or day part); `why`, when given, then says
// why. Throws FERRY_INVALID_ARGUMENT when the text is not PostgreSQL output for the type.
bool to_canonical(const Decoder& decoder, std::string_view pg_text, std::string& out,
                  std::string* why = nullptr);
// The same as one cell of `out` (AsIs values are copied once, straight into the batch).
bool append_canonical(BatchBuilder& out, const Decoder& decoder, std::string_view pg_text,
                      std::string* why = nullptr);
// A pgoutput column: Null → a NULL cell, Unchanged → an empty FERRY_CELL_UNCHANGED cell, Text →
// append_canonical. Binary values are FERRY_NOT_SUPPORTED (ferry asks for text).
bool append_value(BatchBuilder& out, const Decoder& decoder, const TupleValue& value,
                  std::string* why = nullptr);

// ---- Canonical → PostgreSQL input -----------------------------------------------------------

struct Encoder {
  ferry_type type = FERRY_TYPE_OTHER;
  ferry_type element_type = FERRY_TYPE_UNKNOWN;  // ARRAY
  int64_t length = -1;  // BIT (and ARRAY of BIT): bits, to render bit(n); -1 = unknown
  std::string site;     // "schema.table.column", for messages
};

// From the incoming column (its logical type decides the form).
Encoder encoder_for(const ferry_column& column, std::string site);
Encoder encoder_for(const Column& column, std::string site);

// Appends the PostgreSQL input text of canonical `value` (not NULL):
//   BOOL 1/0 → t/f; FLOAT nan/inf/-inf → NaN/Infinity/-Infinity; binary types (and GEOMETRY's
//   WKB) → \x hex (for bytea); DATE/TIMESTAMP/TIMESTAMPTZ with a year ≤ 0 → 'YYYY-MM-DD ... BC'
//   (other values pass: PostgreSQL reads 'T' and 'Z'); BIT decimal → the bit string (`length`
//   digits when known); ARRAY JSON → an array literal with every element quoted; the rest is
//   checked and passes unchanged.
// INTERVAL: `[-]H:MM:SS[.f]` and the ISO 8601 form of an interval with a year, month or day
// part (see above) both pass unchanged (PostgreSQL reads the ISO form exactly).
// Refused (FERRY_INVALID_ARGUMENT naming the column and value): MySQL zero dates
// (`0000-00-00`, `2024-00-15`, `0000-00-00T00:00:00[Z]`), TIME outside 0:00:00-24:00:00,
// a NUL byte in text, a value that is not the canonical form of its type.
void append_pg_text(std::string& out, const Encoder& encoder, std::string_view canonical);
std::string to_pg_text(const Encoder& encoder, std::string_view canonical);

// COPY text format: appends `text` with backslash, tab, newline and carriage return escaped.
void append_copy_escaped(std::string& out, std::string_view text);
// One COPY text field (no separator): NULL → \N, otherwise the escaped PostgreSQL input text.
// FERRY_CELL_UNCHANGED / FERRY_CELL_DEFAULT cannot be expressed in COPY: an error.
void append_copy_field(std::string& out, const Encoder& encoder, const Cell& cell);

// A string literal '...' (quotes doubled; the session has standard_conforming_strings=on, the
// default since 9.1). NUL bytes are refused.
void append_sql_literal(std::string& out, std::string_view text);

// A value for a message: at most 64 bytes (then "..."), control and non-UTF-8 bytes as \xNN.
std::string shown_value(std::string_view value);

}  // namespace ferry::pg
