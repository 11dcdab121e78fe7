// Reading PostgreSQL rows for snapshots and verification: COPY (SELECT ...) TO STDOUT in binary
// format (each column's send format decoded to canonical text, pg_binary.hpp; columns without a
// binary decoder selected as their output function's text) or in text format (each field
// unescaped and converted to its canonical form), in bounded batches.
#pragma once

#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/stream.hpp>
#include <ferry/sdk/values.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog.hpp"
#include "connection.hpp"
#include "pg_binary.hpp"

namespace ferry::pg {

// Splits one COPY text-format row into its fields: nullopt for \N, escapes resolved.
// FERRY_DATA_LOSS when the row is malformed.
void parse_copy_row(std::string_view row, std::vector<std::optional<std::string>>& fields);

// One field of a COPY text row.
struct CopyField {
  std::string_view value;
  bool null = false;
};
// The same split without copies: a field is a view into the row unless it holds a backslash,
// then into the splitter's own buffer (escapes resolved). Valid until the next split().
class CopyTextSplitter {
 public:
  void split(std::string_view row, std::vector<CopyField>& fields);

 private:
  std::string buf_;
  std::vector<std::pair<size_t, size_t>> escaped_;  // (field, offset in buf_)
};

// How a COPY reads a table: the format and, per column, what is selected.
enum class CopyFormat : uint8_t { Text, Binary };
struct CopyPlan {
  CopyFormat format = CopyFormat::Text;
  std::vector<std::string> select;  // per column: "col", or "out_fn"("col")::text
  // Binary: per column, its decoder; nullopt = selected as its output function's text and
  // converted by the column's text Decoder.
  std::vector<std::optional<BinaryDecoder>> binary;
};
// Text format, every column as itself.
CopyPlan text_copy_plan(const PgTable& table);
// Binary format; the output functions of the columns without a binary decoder are looked up on
// `conn`.
CopyPlan binary_copy_plan(Connection& conn, const PgTable& table, const TypeCatalog& types);

// The key range of a split as a predicate: row-value comparison (k1, k2) >= (...) AND
// (k1, k2) < (...), each canonical value converted to PostgreSQL's input text and cast to its
// column's type. "TRUE" when both ends are open.
std::string key_range_predicate(const Connection& conn, const PgTable& table,
                                const std::vector<std::string>& key,
                                const std::optional<std::vector<std::string>>& lower,
                                const std::optional<std::vector<std::string>>& upper);

class CopyRowStream : public BatchStream {
 public:
  // Runs `copy_sql` (COPY ... TO STDOUT, made by copy_select with `plan`) on `conn`, which the
  // stream keeps busy until its end; `on_end` runs once at the end (e.g. COMMIT). Destroyed
  // early, it cancels the connection.
  CopyRowStream(std::shared_ptr<Connection> conn, const PgTable& table, std::string copy_sql,
                uint32_t batch_rows, size_t batch_bytes, std::function<void()> on_end = {},
                CopyPlan plan = {});
  ~CopyRowStream() override;
  OwnedBatch next() override;

 private:
  void finish();
  void add_text_row(BatchBuilder& batch, std::string_view row);
  void add_binary_row(BatchBuilder& batch);
  [[noreturn]] void column_error(size_t column, const std::exception& e) const;

  std::shared_ptr<Connection> conn_;
  SharedTable ref_;
  std::vector<Decoder> decoders_;
  std::vector<std::string> names_;
  uint32_t batch_rows_;
  size_t batch_bytes_;
  std::function<void()> on_end_;
  CopyPlan plan_;
  bool done_ = false;
  CopyTextSplitter splitter_;
  std::vector<CopyField> fields_;
  std::optional<BinaryCopyReader> reader_;  // binary format
  std::vector<BinaryField> binary_fields_;
  std::string scratch_;
};

// "COPY (SELECT cols FROM t [WHERE pred] [ORDER BY key]) TO STDOUT [(FORMAT binary)]", the
// columns as `plan` selects them (without a plan: text format, every column as itself).
std::string copy_select(const PgTable& table, const std::string& where, const std::string& order,
                        const CopyPlan& plan);
std::string copy_select(const PgTable& table, const std::string& where, const std::string& order);

}  // namespace ferry::pg
