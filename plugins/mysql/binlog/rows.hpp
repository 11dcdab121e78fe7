// Row images of binlog ROWS events → cells in ferry's canonical text form (docs/sdk.md,
// "Canonical value forms"). The hot path of change capture: no allocation per cell (values are
// formatted into a stack buffer; only latin1 text and padded BINARY go through a reused
// per-thread buffer).
//
// Per type (MYSQL_TYPE_* as TABLE_MAP sends it):
//   TINY SHORT INT24 LONG LONGLONG   decimal, signed or unsigned per ColumnInfo::is_unsigned
//   YEAR                             0 → "0", else 1901..2155
//   NEWDECIMAL                       "-1234.50": exactly `scale` fraction digits, no "-0"
//   FLOAT, DOUBLE                    std::to_chars shortest round-trip of the float / double
//   BIT                              the bits as an unsigned decimal
//   VARCHAR, STRING (CHAR, BINARY), BLOB/TEXT
//                                    UTF-8 text (latin1 converted), binary bytes raw; CHAR as
//                                    the server sends it (trailing spaces stripped, as SELECT
//                                    returns it); BINARY(n) padded back to n bytes with 0x00
//                                    (the server strips trailing 0x00 from BINARY values)
//   ENUM                             the label; index 0 (the '' error value) → ""
//   SET                              the labels of the set bits, comma-joined, declaration order
//   JSON (245, MySQL)                MySQL's binary JSON as JSON text (json_binary.hpp)
//   GEOMETRY                         the WKB (the 4-byte SRID prefix dropped)
//   DATE, NEWDATE                    YYYY-MM-DD; zero / partial dates digit for digit
//   DATETIME, DATETIME2              YYYY-MM-DDTHH:MM:SS[.f] (fraction trimmed, only when not 0)
//   TIMESTAMP, TIMESTAMP2            the instant in UTC: YYYY-MM-DDTHH:MM:SS[.f]Z;
//                                    0 → 0000-00-00T00:00:00Z
//   TIME, TIME2                      [-]H:MM:SS[.f], hours unlimited (-838:59:59)
// A NULL is a null cell; a column absent from the image is a cell flagged FERRY_CELL_DEFAULT.
#pragma once

#include "binlog/charset.hpp"
#include "binlog/event.hpp"

#include <ferry/sdk/batch.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::mysql::binlog {

// What the decoder needs to know about a column beyond the TABLE_MAP: from the caller's schema
// history, or from the TABLE_MAP's optional metadata (columns_from_metadata).
struct ColumnInfo {
  std::string name;  // for messages
  bool is_unsigned = false;
  Charset charset = Charset::Utf8;
  std::vector<std::string> labels;  // ENUM / SET labels in declaration order, UTF-8
  bool json = false;                // MariaDB JSON (a LONGTEXT): the text is passed through as is
  uint32_t collation = 0;           // collation id, for messages (0: unknown)
  // Fractional-second digits of a TIME / DATETIME / TIMESTAMP column, from the schema
  // (information_schema.COLUMNS.DATETIME_PRECISION). Needed only for MariaDB's pre-10.1
  // temporal format (tables created by MariaDB 5.3-10.0, or with mysql56_temporal_format=OFF):
  // the binlog writes such a TIME(n>0) / DATETIME(n>0) / TIMESTAMP(n>0) as the old type code
  // (11 / 12 / 7) WITHOUT the precision, and the value's size depends on it. For the MySQL 5.6
  // types (TIME2 / DATETIME2 / TIMESTAMP2) the TABLE_MAP carries the precision and this is
  // ignored. Set it for every temporal column and both formats decode right.
  uint8_t temporal_precision = 0;
};

// What the TABLE_MAP's optional metadata says about each column: names, UNSIGNED, charsets
// (latin1 ENUM/SET labels converted to UTF-8), labels. Columns it says nothing about keep the
// ColumnInfo defaults (signed, UTF-8, no labels): check has_full_metadata first.
std::vector<ColumnInfo> columns_from_metadata(const TableMap&);
// True when the metadata (binlog_row_metadata=FULL) gives everything decoding needs for every
// column: names, signedness of the numeric columns, charsets of the text columns, ENUM/SET
// labels. (MariaDB's old-format fractional temporal columns still need the schema.)
bool has_full_metadata(const TableMap&);

// Checks that a ROWS event belongs to this TABLE_MAP (table id and column count); throws
// FERRY_DATA_LOSS otherwise.
void check_rows_event(const RowsEvent&, const TableMap&);

// A receiver of cells, for callers without a BatchBuilder.
class CellSink {
 public:
  virtual ~CellSink() = default;
  virtual void value(std::string_view bytes) = 0;
  virtual void null() = 0;
  virtual void absent() = 0;  // the column is not in the image
};

// Appends one cell per TABLE_MAP column for the row image starting at `data` (the remaining
// bytes of RowsEvent::rows); `present` is the image's columns-present bitmap (RowsEvent::present,
// or present_after for an UPDATE's after image). Returns the bytes the image took.
// `columns` must have one entry per column; check_rows_event(rows_event, table_map) first.
// `event_type` (optional: RowsEvent::event_type) is named in messages. On an error the cells
// appended so far stay: discard the batch.
// Throws ferry::Error naming the table, the column and its type: FERRY_DATA_LOSS for corrupt or
// truncated bytes (never reads out of bounds), FERRY_INVALID_ARGUMENT when `columns` does not
// describe the table (count, missing ENUM/SET labels), FERRY_NOT_SUPPORTED for a type or
// charset the decoder cannot turn into the canonical form.
size_t decode_row(const TableMap&, std::span<const ColumnInfo> columns,
                  std::span<const uint8_t> present, std::span<const uint8_t> data,
                  ferry::BatchBuilder& out, uint8_t event_type = 0);
size_t decode_row(const TableMap&, std::span<const ColumnInfo> columns,
                  std::span<const uint8_t> present, std::span<const uint8_t> data, CellSink& out,
                  uint8_t event_type = 0);

}  // namespace ferry::mysql::binlog
