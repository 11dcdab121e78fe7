#include "row_stream.hpp"

#include <ferry/sdk/error.hpp>

namespace ferry::mysql {

std::string select_all(const TableSchema& t) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i) sql += ',';
    sql += select_expr(t.columns[i]);
  }
  return sql + " FROM " + qualified(t.schema, t.name);
}

RowStream::RowStream(std::shared_ptr<Connection> conn, SharedTable table, std::string sql,
                     uint32_t batch_rows, size_t batch_bytes, std::function<void()> on_end)
    : conn_(std::move(conn)),
      table_(std::move(table)),
      batch_rows_(batch_rows == 0 ? 1000 : batch_rows),
      batch_bytes_(batch_bytes == 0 ? (8u << 20) : batch_bytes),
      on_end_(std::move(on_end)) {
  for (const auto& c : table_->table().columns) forms_.push_back(text_form_of(c));
  result_.emplace(conn_->stream(sql));
  if (result_->field_count() != forms_.size()) {
    fail(FERRY_INTERNAL, "the query returned " + std::to_string(result_->field_count()) +
                             " columns for " + std::to_string(forms_.size()));
  }
}

RowStream::~RowStream() {
  if (!done_ && result_ && conn_) conn_->cancel();
  result_.reset();
}

OwnedBatch RowStream::next() {
  if (done_) return OwnedBatch{};
  auto batch = BatchBuilder::rows(table_);
  const size_t ncols = forms_.size();
  uint32_t n = 0;
  while (n < batch_rows_ && batch.data_bytes() < batch_bytes_) {
    MYSQL_ROW row = result_->next();
    if (!row) {
      done_ = true;
      result_.reset();
      if (on_end_) on_end_();
      on_end_ = nullptr;
      conn_.reset();  // the owner may use the connection again at once
      break;
    }
    const unsigned long* len = result_->lengths();
    for (size_t i = 0; i < ncols; ++i) {
      if (!row[i]) {
        batch.add_null();
      } else {
        add_canonical(batch, forms_[i], std::string_view(row[i], len[i]));
      }
    }
    ++n;
  }
  if (n == 0) return OwnedBatch{};
  return OwnedBatch::from(std::move(batch));
}

}  // namespace ferry::mysql
