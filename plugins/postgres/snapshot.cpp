#include "snapshot.hpp"

#include <ferry/sdk/error.hpp>

namespace ferry::pg {

void parse_copy_row(std::string_view row, std::vector<std::optional<std::string>>& fields) {
  fields.clear();
  if (!row.empty() && row.back() == '\n') row.remove_suffix(1);
  std::string cur;
  bool is_null = false;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i <= row.size(); ++i) {
    if (i == row.size() || row[i] == '\t') {
      if (is_null) {
        fields.emplace_back(std::nullopt);
      } else {
        fields.emplace_back(std::move(cur));
      }
      cur.clear();
      is_null = false;
      continue;
    }
    const char c = row[i];
    if (c != '\\') {
      cur += c;
      continue;
    }
    if (++i >= row.size()) fail(FERRY_DATA_LOSS, "COPY row ends in a lone backslash");
    const char e = row[i];
    switch (e) {
      case 'N':
        if (!cur.empty()) fail(FERRY_DATA_LOSS, "COPY row: \\N inside a field");
        is_null = true;
        break;
      case 'b':
        cur += '\b';
        break;
      case 'f':
        cur += '\f';
        break;
      case 'n':
        cur += '\n';
        break;
      case 'r':
        cur += '\r';
        break;
      case 't':
        cur += '\t';
        break;
      case 'v':
        cur += '\v';
        break;
      case 'x': {
        int v = 0, n = 0;
        while (n < 2 && i + 1 < row.size() && hex(row[i + 1]) >= 0) {
          v = v * 16 + hex(row[++i]);
          ++n;
        }
        if (n == 0) {
          cur += 'x';
        } else {
          cur += static_cast<char>(v);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0', n = 1;
          while (n < 3 && i + 1 < row.size() && row[i + 1] >= '0' && row[i + 1] <= '7') {
            v = v * 8 + (row[++i] - '0');
            ++n;
          }
          cur += static_cast<char>(v);
        } else {
          cur += e;  // \\ and any other escaped character stand for themselves
        }
    }
  }
}

std::string key_range_predicate(const Connection& conn, const PgTable& table,
                                const std::vector<std::string>& key,
                                const std::optional<std::vector<std::string>>& lower,
                                const std::optional<std::vector<std::string>>& upper) {
  std::vector<size_t> idx;
  for (const auto& k : key) {
    size_t i = 0;
    while (i < table.table.columns.size() && table.table.columns[i].name != k) ++i;
    if (i == table.table.columns.size()) {
      fail(FERRY_INVALID_ARGUMENT, "table " + qualified(table.table.schema, table.table.name) +
                                       " has no key column " + quote_ident(k));
    }
    idx.push_back(i);
  }
  // One column compares as itself; several as a row value, which PostgreSQL turns into an
  // index range on the key.
  const bool single = idx.size() == 1;
  std::string cols = single ? "" : "(";
  for (size_t j = 0; j < idx.size(); ++j) {
    cols += (j ? ", " : "") + quote_ident(table.table.columns[idx[j]].name);
  }
  if (!single) cols += ")";
  auto tuple = [&](const std::vector<std::string>& values) {
    if (values.size() != idx.size()) {
      fail(FERRY_INVALID_ARGUMENT, "a key range of " + std::to_string(values.size()) +
                                       " values for a key of " + std::to_string(idx.size()) +
                                       " columns");
    }
    std::string t = single ? "" : "ROW(";
    for (size_t j = 0; j < idx.size(); ++j) {
      const Column& c = table.table.columns[idx[j]];
      const std::string site = table.table.schema + "." + table.table.name + "." + c.name;
      t += (j ? ", " : "") + conn.literal(to_pg_text(encoder_for(c, site), values[j])) +
           "::" + c.native_type;
    }
    return single ? t : t + ")";
  };
  std::string out;
  if (lower) out += cols + " >= " + tuple(*lower);
  if (upper) out += (out.empty() ? "" : " AND ") + cols + " < " + tuple(*upper);
  return out.empty() ? "TRUE" : out;
}

std::string copy_select(const PgTable& t, const std::string& where, const std::string& order) {
  std::string sql = "COPY (SELECT ";
  for (size_t i = 0; i < t.table.columns.size(); ++i) {
    sql += (i ? ", " : "") + quote_ident(t.table.columns[i].name);
  }
  // ONLY: a table with inheritance children is read as itself (the children are tables of
  // their own); a partitioned table is read with its partitions.
  sql += std::string(" FROM ") + (t.relkind == 'p' ? "" : "ONLY ") +
         qualified(t.table.schema, t.table.name);
  if (!where.empty()) sql += " WHERE " + where;
  if (!order.empty()) sql += " ORDER BY " + order;
  return sql + ") TO STDOUT";
}

CopyRowStream::CopyRowStream(std::shared_ptr<Connection> conn, const PgTable& table,
                             std::string copy_sql, uint32_t batch_rows, size_t batch_bytes,
                             std::function<void()> on_end)
    : conn_(std::move(conn)),
      ref_(make_table(schema_of(table.table))),
      decoders_(table.decoders),
      batch_rows_(batch_rows == 0 ? 1000 : batch_rows),
      batch_bytes_(batch_bytes == 0 ? (8u << 20) : batch_bytes),
      on_end_(std::move(on_end)) {
  for (const auto& c : table.table.columns) {
    names_.push_back(table.table.schema + "." + table.table.name + "." + c.name);
  }
  conn_->copy_out_start(copy_sql);
}

CopyRowStream::~CopyRowStream() {
  if (!done_ && conn_) conn_->cancel();
}

OwnedBatch CopyRowStream::next() {
  if (done_) return OwnedBatch{};
  auto batch = BatchBuilder::rows(ref_);
  uint32_t n = 0;
  std::string_view row;
  while (n < batch_rows_ && batch.data_bytes() < batch_bytes_) {
    if (!conn_->next_copy_row(row)) {
      done_ = true;
      if (on_end_) on_end_();
      on_end_ = nullptr;
      conn_.reset();
      break;
    }
    parse_copy_row(row, fields_);
    if (fields_.size() != decoders_.size()) {
      fail(FERRY_DATA_LOSS, "COPY row of " + std::to_string(fields_.size()) + " fields for " +
                                std::to_string(decoders_.size()) + " columns");
    }
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (!fields_[i]) {
        batch.add_null();
        continue;
      }
      std::string why;
      if (!append_canonical(batch, decoders_[i], *fields_[i], &why)) {
        fail(FERRY_NOT_SUPPORTED, names_[i] + ": " + why);
      }
    }
    ++n;
  }
  if (n == 0) return OwnedBatch{};
  return OwnedBatch::from(std::move(batch));
}

}  // namespace ferry::pg
