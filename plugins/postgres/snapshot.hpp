// Reading PostgreSQL rows for snapshots and verification: COPY (SELECT ...) TO STDOUT in text
// format, each field unescaped and converted to its canonical form, in bounded batches.
#pragma once

#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/stream.hpp>
#include <ferry/sdk/values.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.hpp"
#include "connection.hpp"

namespace ferry::pg {

// Splits one COPY text-format row into its fields: nullopt for \N, escapes resolved.
// FERRY_DATA_LOSS when the row is malformed.
void parse_copy_row(std::string_view row, std::vector<std::optional<std::string>>& fields);

// The key range of a split as a predicate: row-value comparison (k1, k2) >= (...) AND
// (k1, k2) < (...), each canonical value converted to PostgreSQL's input text and cast to its
// column's type. "TRUE" when both ends are open.
std::string key_range_predicate(const Connection& conn, const PgTable& table,
                                const std::vector<std::string>& key,
                                const std::optional<std::vector<std::string>>& lower,
                                const std::optional<std::vector<std::string>>& upper);

class CopyRowStream : public BatchStream {
 public:
  // Runs `copy_sql` (COPY ... TO STDOUT) on `conn`, which the stream keeps busy until its end;
  // `on_end` runs once at the end (e.g. COMMIT). Destroyed early, it cancels the connection.
  CopyRowStream(std::shared_ptr<Connection> conn, const PgTable& table, std::string copy_sql,
                uint32_t batch_rows, size_t batch_bytes, std::function<void()> on_end = {});
  ~CopyRowStream() override;
  OwnedBatch next() override;

 private:
  std::shared_ptr<Connection> conn_;
  SharedTable ref_;
  std::vector<Decoder> decoders_;
  std::vector<std::string> names_;
  uint32_t batch_rows_;
  size_t batch_bytes_;
  std::function<void()> on_end_;
  bool done_ = false;
  std::vector<std::optional<std::string>> fields_;
  std::string scratch_;
};

// "COPY (SELECT cols FROM t [WHERE pred] [ORDER BY key]) TO STDOUT"
std::string copy_select(const PgTable& table, const std::string& where, const std::string& order);

}  // namespace ferry::pg
