#include "snapshot.hpp"

#include <ferry/sdk/error.hpp>

#include <cstring>
#include <map>
#include <set>

namespace ferry::pg {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One COPY text field with its escapes resolved, appended to `out`; the caller has handled a
// field that is exactly \N (NULL).
void unescape_field(std::string_view f, std::string& out) {
  for (size_t i = 0; i < f.size(); ++i) {
    const char c = f[i];
    if (c != '\\') {
      // Runs without a backslash in one append.
      size_t j = i + 1;
      while (j < f.size() && f[j] != '\\') ++j;
      out.append(f.substr(i, j - i));
      i = j - 1;
      continue;
    }
    if (++i >= f.size()) fail(FERRY_DATA_LOSS, "COPY row ends in a lone backslash");
    const char e = f[i];
    switch (e) {
      case 'N':
        fail(FERRY_DATA_LOSS, "COPY row: \\N inside a field");
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x': {
        int v = 0, n = 0;
        while (n < 2 && i + 1 < f.size() && hex_digit(f[i + 1]) >= 0) {
          v = v * 16 + hex_digit(f[++i]);
          ++n;
        }
        if (n == 0) {
          out += 'x';
        } else {
          out += static_cast<char>(v);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0', n = 1;
          while (n < 3 && i + 1 < f.size() && f[i + 1] >= '0' && f[i + 1] <= '7') {
            v = v * 8 + (f[++i] - '0');
            ++n;
          }
          out += static_cast<char>(v);
        } else {
          out += e;  // \\ and any other escaped character stand for themselves
        }
    }
  }
}

}  // namespace

void CopyTextSplitter::split(std::string_view row, std::vector<CopyField>& fields) {
  fields.clear();
  buf_.clear();
  escaped_.clear();
  if (!row.empty() && row.back() == '\n') row.remove_suffix(1);
  size_t start = 0;
  while (true) {
    const void* tab = std::memchr(row.data() + start, '\t', row.size() - start);
    const size_t end =
        tab ? static_cast<size_t>(static_cast<const char*>(tab) - row.data()) : row.size();
    const std::string_view f = row.substr(start, end - start);
    if (std::memchr(f.data(), '\\', f.size()) == nullptr) {
      fields.push_back(CopyField{f, false});
    } else if (f == "\\N") {
      fields.push_back(CopyField{{}, true});
    } else {
      escaped_.emplace_back(fields.size(), buf_.size());
      unescape_field(f, buf_);
      fields.push_back(CopyField{{}, false});
    }
    if (!tab) break;
    start = end + 1;
  }
  // buf_ has stopped growing: the escaped fields' views can point into it now.
  for (size_t k = 0; k < escaped_.size(); ++k) {
    const size_t from = escaped_[k].second;
    const size_t to = k + 1 < escaped_.size() ? escaped_[k + 1].second : buf_.size();
    fields[escaped_[k].first].value = std::string_view(buf_).substr(from, to - from);
  }
}

void parse_copy_row(std::string_view row, std::vector<std::optional<std::string>>& fields) {
  thread_local CopyTextSplitter splitter;
  thread_local std::vector<CopyField> split;
  splitter.split(row, split);
  fields.clear();
  for (const CopyField& f : split) {
    if (f.null) {
      fields.emplace_back(std::nullopt);
    } else {
      fields.emplace_back(std::string(f.value));
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

CopyPlan text_copy_plan(const PgTable& t) {
  CopyPlan plan;
  for (const auto& c : t.table.columns) plan.select.push_back(quote_ident(c.name));
  return plan;
}

CopyPlan binary_copy_plan(Connection& conn, const PgTable& t, const TypeCatalog& types) {
  CopyPlan plan;
  plan.format = CopyFormat::Binary;
  std::set<uint32_t> text_types;
  for (size_t i = 0; i < t.table.columns.size(); ++i) {
    plan.binary.push_back(binary_decoder_for(t.type_oids.at(i), t.decoders.at(i), &types));
    if (!plan.binary.back()) text_types.insert(t.type_oids[i]);
  }
  // The other columns as their type's output function prints them — what COPY text sends —
  // rather than through a cast to text, which may differ (inet::text keeps a /32).
  std::map<uint32_t, std::string> output;
  if (!text_types.empty()) {
    std::string list;
    for (const uint32_t o : text_types) list += (list.empty() ? "" : ", ") + std::to_string(o);
    const Rows r = conn.query(
        "SELECT t.oid::text, n.nspname, p.proname FROM pg_catalog.pg_type t JOIN "
        "pg_catalog.pg_proc p ON p.oid = t.typoutput JOIN pg_catalog.pg_namespace n ON n.oid = "
        "p.pronamespace WHERE t.oid IN (" +
        list + ")");
    for (const auto& row : r.rows) {
      output[static_cast<uint32_t>(std::stoul(row.at(0).value_or("0")))] =
          qualified(row.at(1).value_or(""), row.at(2).value_or(""));
    }
  }
  for (size_t i = 0; i < t.table.columns.size(); ++i) {
    const std::string c = quote_ident(t.table.columns[i].name);
    if (plan.binary[i]) {
      plan.select.push_back(c);
      continue;
    }
    const auto it = output.find(t.type_oids[i]);
    if (it == output.end()) {
      fail(FERRY_INVALID_ARGUMENT, "the type (OID " + std::to_string(t.type_oids[i]) +
                                       ") of column " + t.table.schema + "." + t.table.name + "." +
                                       t.table.columns[i].name + " no longer exists");
    }
    plan.select.push_back(it->second + "(" + c + ")::text");
  }
  return plan;
}

std::string copy_select(const PgTable& t, const std::string& where, const std::string& order,
                        const CopyPlan& plan) {
  if (plan.select.size() != t.table.columns.size()) {
    fail(FERRY_INTERNAL, "a COPY plan for another number of columns");
  }
  std::string sql = "COPY (SELECT ";
  for (size_t i = 0; i < plan.select.size(); ++i) sql += (i ? ", " : "") + plan.select[i];
  // ONLY: a table with inheritance children is read as itself (the children are tables of
  // their own); a partitioned table is read with its partitions.
  sql += std::string(" FROM ") + (t.relkind == 'p' ? "" : "ONLY ") +
         qualified(t.table.schema, t.table.name);
  if (!where.empty()) sql += " WHERE " + where;
  if (!order.empty()) sql += " ORDER BY " + order;
  sql += ") TO STDOUT";
  if (plan.format == CopyFormat::Binary) sql += " (FORMAT binary)";
  return sql;
}

std::string copy_select(const PgTable& t, const std::string& where, const std::string& order) {
  return copy_select(t, where, order, text_copy_plan(t));
}

CopyRowStream::CopyRowStream(std::shared_ptr<Connection> conn, const PgTable& table,
                             std::string copy_sql, uint32_t batch_rows, size_t batch_bytes,
                             std::function<void()> on_end, CopyPlan plan)
    : conn_(std::move(conn)),
      ref_(make_table(schema_of(table.table))),
      decoders_(table.decoders),
      batch_rows_(batch_rows == 0 ? 1000 : batch_rows),
      batch_bytes_(batch_bytes == 0 ? (8u << 20) : batch_bytes),
      on_end_(std::move(on_end)),
      plan_(std::move(plan)) {
  for (const auto& c : table.table.columns) {
    names_.push_back(table.table.schema + "." + table.table.name + "." + c.name);
  }
  if (plan_.format == CopyFormat::Binary) {
    if (plan_.binary.size() != decoders_.size()) {
      fail(FERRY_INTERNAL, "a binary COPY plan for another number of columns");
    }
    reader_.emplace(decoders_.size());
  }
  conn_->copy_out_start(copy_sql);
}

CopyRowStream::~CopyRowStream() {
  if (!done_ && conn_) conn_->cancel();
}

void CopyRowStream::finish() {
  done_ = true;
  if (on_end_) on_end_();
  on_end_ = nullptr;
  conn_.reset();
}

void CopyRowStream::column_error(size_t column, const std::exception& e) const {
  const auto* err = dynamic_cast<const Error*>(&e);
  fail(err ? err->status() : FERRY_INTERNAL, names_.at(column) + ": " + e.what());
}

void CopyRowStream::add_text_row(BatchBuilder& batch, std::string_view row) {
  splitter_.split(row, fields_);
  if (fields_.size() != decoders_.size()) {
    fail(FERRY_DATA_LOSS, "COPY row of " + std::to_string(fields_.size()) + " fields for " +
                              std::to_string(decoders_.size()) + " columns");
  }
  size_t i = 0;
  try {
    for (; i < fields_.size(); ++i) {
      if (fields_[i].null) {
        batch.add_null();
        continue;
      }
      std::string why;
      if (!append_canonical(batch, decoders_[i], fields_[i].value, &why)) {
        fail(FERRY_NOT_SUPPORTED, why);
      }
    }
  } catch (const std::exception& e) {
    column_error(i, e);
  }
}

void CopyRowStream::add_binary_row(BatchBuilder& batch) {
  size_t i = 0;
  try {
    for (; i < binary_fields_.size(); ++i) {
      const BinaryField& f = binary_fields_[i];
      if (f.len < 0) {
        batch.add_null();
        continue;
      }
      const std::string_view v = f.view();
      const auto& d = plan_.binary[i];
      std::string why;
      if (!d) {  // the output function's text
        if (!append_canonical(batch, decoders_[i], v, &why)) fail(FERRY_NOT_SUPPORTED, why);
        continue;
      }
      switch (d->form) {  // the bytes (or a part of them) are the canonical text
        case BinForm::Text:
        case BinForm::Bytea:
          batch.add_cell(v);
          continue;
        case BinForm::CharTrim: {
          size_t n = v.size();
          while (n > 0 && v[n - 1] == ' ') --n;
          batch.add_cell(v.substr(0, n));
          continue;
        }
        case BinForm::Jsonb:
          if (v.empty() || v[0] != 1) break;  // binary_to_canonical says what is wrong
          batch.add_cell(v.substr(1));
          continue;
        default:
          break;
      }
      scratch_.clear();
      if (!binary_to_canonical(*d, v, scratch_, &why)) fail(FERRY_NOT_SUPPORTED, why);
      batch.add_cell(scratch_);
    }
  } catch (const std::exception& e) {
    column_error(i, e);
  }
}

OwnedBatch CopyRowStream::next() {
  if (done_) return OwnedBatch{};
  auto batch = BatchBuilder::rows(ref_);
  uint32_t n = 0;
  std::string_view msg;
  while (n < batch_rows_ && batch.data_bytes() < batch_bytes_) {
    if (reader_) {
      if (reader_->next(binary_fields_)) {
        add_binary_row(batch);
        ++n;
        continue;
      }
      // The message is used up (or held the trailer): the next one, or the end.
      if (!conn_->next_copy_row(msg)) {
        if (!reader_->ended() || reader_->pending()) {
          fail(FERRY_DATA_LOSS, "binary COPY data ended without its trailer");
        }
        finish();
        break;
      }
      if (reader_->ended()) fail(FERRY_DATA_LOSS, "binary COPY data after its trailer");
      reader_->feed(msg);
      continue;
    }
    if (!conn_->next_copy_row(msg)) {
      finish();
      break;
    }
    add_text_row(batch, msg);
    ++n;
  }
  if (n == 0) return OwnedBatch{};
  return OwnedBatch::from(std::move(batch));
}

}  // namespace ferry::pg
