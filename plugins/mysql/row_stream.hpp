// A SELECT read row by row (mysql_use_result) into row batches of canonical values: the
// snapshot reader and the verification reader. Memory is one batch: at most `batch_rows` rows
// and about `batch_bytes` bytes of cell data.
#pragma once

#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/stream.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connection.hpp"
#include "values.hpp"

namespace ferry::mysql {

class RowStream : public BatchStream {
 public:
  // `on_end` runs once when the result has been read to its end (e.g. COMMIT of a per-split
  // snapshot transaction). A stream destroyed before its end cancels the connection rather than
  // draining the rest of the result (the owner reconnects).
  RowStream(std::shared_ptr<Connection> conn, SharedTable table, std::string sql,
            uint32_t batch_rows, size_t batch_bytes, std::function<void()> on_end = {});
  ~RowStream() override;
  OwnedBatch next() override;

 private:
  std::shared_ptr<Connection> conn_;
  SharedTable table_;
  std::vector<TextForm> forms_;
  std::optional<StreamingResult> result_;
  uint32_t batch_rows_;
  size_t batch_bytes_;
  std::function<void()> on_end_;
  bool done_ = false;
};

// "SELECT <exact expressions of every column> FROM `s`.`t`"
std::string select_all(const TableSchema& table);

}  // namespace ferry::mysql
