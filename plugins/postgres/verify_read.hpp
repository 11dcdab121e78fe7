// The verification reads both sides of a PostgreSQL endpoint offer (the source's and the
// destination's checksum / read_range): a split's engine-neutral key range turned into SQL.
//
// checksum computes algorithm "md5-sum64-v1" in SQL, exactly as the mysql connector defines it
// (plugins/mysql/verify_read.cpp), so equal canonical rows give equal digests on both engines:
// a row's text is, for each listed column in order, 'n' for NULL or 'v' + its canonical text
// (docs/sdk.md; binary values as their raw bytes), joined by 0x1F; the digest is the sum, mod
// 2^64, of the first 64 bits (big-endian) of each row text's MD5.
//
// The canonical text is rendered in SQL per type: integers, numeric, text, enum labels, uuid,
// inet/cidr/macaddr as PostgreSQL prints them; char(n) without its trailing pad (as MySQL reads
// CHAR; trailing spaces of char(n) carry no meaning in PostgreSQL either); bool 0/1; bytea raw;
// date / timestamp `YYYY-MM-DD[THH:MM:SS[.f]]` (BC years signed, astronomical); timestamptz in
// UTC with `Z`; time `H:MM:SS[.f]`; timetz with `+HH:MM`; bit(n ≤ 64) as an unsigned integer;
// an interval as `[-]H:MM:SS[.f]`, or with a year/month/day part as its ISO 8601 form
// (`P1Y2M3DT4H5M6.5S`, pg_values.hpp). float4/float8 (no shortest round-trip
// rendering in SQL), json/jsonb, arrays and OTHER types: FERRY_NOT_SUPPORTED naming the column
// (compare those row by row).
//
// read_range streams the same canonical values (char(n) unpadded as above) through COPY TO
// STDOUT, in key order: the split's key columns, else the table's primary (or unique NOT NULL)
// key, else every column of an orderable type.
#pragma once

#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/clients.hpp>
#include <ferry/sdk/stream.hpp>
#include <ferry/sdk/values.hpp>

#include <memory>
#include <string>

#include "catalog.hpp"
#include "connection.hpp"

namespace ferry::pg {

// Row count and order-independent digest of the rows of `range` (its key range, read from the
// canonical key values). `spec` is the verifier's JSON {"algorithm":"...","columns":[...]}
// (no "columns": every column in table order); FERRY_NOT_SUPPORTED for another algorithm or a
// column without a canonical form computable in SQL.
Checksum range_checksum(Connection& conn, const Split& range, const std::string& spec);
// The same with the table already read (read_table), e.g. from a caller's cache.
Checksum range_checksum(Connection& conn, const PgTable& table, const Split& range,
                        const std::string& spec);

// The rows of `range` in key order as canonical text, in batches of at most `batch_rows` rows
// (and about 8 MiB). The stream keeps `conn` busy until it ends; destroyed early, it cancels
// the connection (Connection::broken() is then true: open a new one).
std::unique_ptr<BatchStream> range_reader(std::shared_ptr<Connection> conn, const Split& range,
                                          uint32_t batch_rows);
std::unique_ptr<BatchStream> range_reader(std::shared_ptr<Connection> conn, const PgTable& table,
                                          const Split& range, uint32_t batch_rows);

// The SQL expression (bytea) of one column's checksum piece: 'n' for NULL, else 'v' + the UTF-8
// (or raw) bytes of its canonical text; "" when the column has no canonical form computable in
// SQL. Exposed for tests.
std::string checksum_piece_sql(const PgTable& table, size_t column);

// sum mod 2^64 of a (possibly negative) decimal integer text, as PostgreSQL prints a numeric.
uint64_t decimal_mod64(const std::string& text);

}  // namespace ferry::pg
