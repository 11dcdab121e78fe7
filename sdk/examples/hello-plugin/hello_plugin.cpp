// hello — the example ferry plugin (docs/sdk.md walks through it).
//
// Two components in one library:
//   transform "uppercase": upper-cases the text cells (CHAR, VARCHAR, TEXT) of every batch it
//                          is given; other cells are copied unchanged, cell flags (NULL...) kept.
//   source    "hello":     a generated table hello.greetings(id BIGINT PK, greeting VARCHAR(32))
//                          with `rows` rows, readable through the catalog and snapshot calls.
#include <ferry/sdk.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

// ---- transform "uppercase" ------------------------------------------------------------------

bool is_text(ferry_type t) {
  return t == FERRY_TYPE_CHAR || t == FERRY_TYPE_VARCHAR || t == FERRY_TYPE_TEXT;
}

// ASCII upper-casing: canonical text is UTF-8, and bytes >= 0x80 are left as they are, so the
// result is valid UTF-8 whenever the input is.
std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

class Uppercase : public ferry::Transform {
 public:
  explicit Uppercase(const ferry::CreateContext& ctx) : columns_(ctx.config.get_list("columns")) {}

  // `in` is borrowed for this call only; the returned batch owns copies of everything it needs
  // (cells and table descriptions) and is released by the caller.
  ferry::OwnedBatch transform(const ferry::BatchView& in) override {
    if (in.encoding() != nullptr) {
      ferry::fail(FERRY_NOT_SUPPORTED,
                  std::string("uppercase: only canonical text, not ") + in.encoding());
    }
    // The output describes the same tables as the input, in the same order, so a record's
    // table index carries over unchanged.
    std::vector<ferry::SharedTable> tables;
    std::vector<std::vector<bool>> masks;
    for (uint32_t i = 0; i < in.table_count(); ++i) {
      tables.push_back(ferry::make_table(ferry::copy_table_ref(*in.table_at(i))));
      masks.push_back(text_mask(*in.table_at(i)));
    }
    if (in.is_row_batch()) {
      if (tables.empty())
        ferry::fail(FERRY_INVALID_ARGUMENT, "uppercase: row batch without a table");
      auto out = ferry::BatchBuilder::rows(tables[0]);
      for (uint64_t r = 0; r < in.record_count(); ++r) copy_image(in, in.after(r), masks[0], out);
      return ferry::OwnedBatch::from(std::move(out));
    }

    // A change batch: copy record by record, keeping ops, transactions and positions.
    auto out = ferry::BatchBuilder::changes(tables);
    for (uint64_t r = 0; r < in.record_count(); ++r) {
      const uint32_t t = in.table_index(r);
      uint64_t before = FERRY_NO_ROW, after = FERRY_NO_ROW;
      if (in.op(r) == FERRY_OP_DDL) {  // one cell: the statement, copied as it is
        if (in.after(r) != FERRY_NO_ROW) {
          after = out.next_cell();
          const ferry::Cell c = in.cell(in.after(r));
          out.add_cell(c.data, c.flags);
        }
      } else if (t != FERRY_NO_TABLE) {
        if (in.before(r) != FERRY_NO_ROW) {
          before = out.next_cell();
          copy_image(in, in.before(r), masks[t], out);
        }
        if (in.after(r) != FERRY_NO_ROW) {
          after = out.next_cell();
          copy_image(in, in.after(r), masks[t], out);
        }
      }
      out.add_record(in.op(r), t, before, after, in.txn_seq(r), in.commit_time_us(r),
                     in.position(r));
    }
    return ferry::OwnedBatch::from(std::move(out));
  }

 private:
  // Which columns of `t` this transform rewrites.
  std::vector<bool> text_mask(const ferry_table_ref& t) const {
    std::vector<bool> mask(t.column_count);
    for (uint32_t c = 0; c < t.column_count; ++c) {
      const ferry_column& col = *t.columns[c];
      mask[c] = is_text(col.type) &&
                (columns_.empty() ||
                 std::find(columns_.begin(), columns_.end(), col.name) != columns_.end());
    }
    return mask;
  }

  // Appends the row image starting at cell `first` of `in` to `out`.
  static void copy_image(const ferry::BatchView& in, uint64_t first, const std::vector<bool>& mask,
                         ferry::BatchBuilder& out) {
    for (uint32_t c = 0; c < mask.size(); ++c) {
      const ferry::Cell cell = in.cell(first, c);
      if (mask[c] && cell.flags == 0) {  // a value (not NULL, unchanged or default)
        out.add_cell(upper(cell.data));
      } else {
        out.add_cell(cell.data, cell.flags);
      }
    }
  }

  std::vector<std::string> columns_;  // empty = every text column
};

// ---- source "hello" -------------------------------------------------------------------------

ferry::TableSchema greetings_table() {
  ferry::Column id;
  id.name = "id";
  id.type = FERRY_TYPE_INT64;
  id.flags = FERRY_COLUMN_IN_PRIMARY_KEY;  // not FERRY_COLUMN_NULLABLE
  id.native_type = "BIGINT";
  ferry::Column greeting;
  greeting.name = "greeting";
  greeting.type = FERRY_TYPE_VARCHAR;
  greeting.length = 32;
  greeting.native_type = "VARCHAR(32)";
  return ferry::TableSchema{"hello", "greetings", {id, greeting}};
}

// Row `id` (1-based) of hello.greetings.
std::string greeting_of(int64_t id) {
  static const char* const words[] = {"hello", "bonjour", "hola", "ciao", "hallo"};
  return std::string(words[(id - 1) % 5]) + " #" + std::to_string(id);
}

// A split carries its id range [first, end) as the text "first:end".
ferry::Bytes encode_bounds(int64_t first, int64_t end) {
  return ferry::to_bytes(std::to_string(first) + ":" + std::to_string(end));
}
std::pair<int64_t, int64_t> decode_bounds(const ferry::Bytes& b) {
  const std::string s(ferry::as_text(b));
  const auto colon = s.find(':');
  if (colon == std::string::npos)
    ferry::fail(FERRY_INVALID_ARGUMENT, "hello: bad split '" + s + "'");
  return {std::stoll(s.substr(0, colon)), std::stoll(s.substr(colon + 1))};
}

// The rows of one split, `batch_rows` at a time.
class GreetingStream : public ferry::BatchStream {
 public:
  GreetingStream(ferry::Host host, int64_t first, int64_t end, uint32_t batch_rows)
      : host_(host),
        table_(ferry::make_table(greetings_table())),
        next_(first),
        end_(end),
        batch_rows_(batch_rows == 0 ? 1000 : batch_rows) {}

  ferry::OwnedBatch next() override {
    if (host_.cancelled()) ferry::fail(FERRY_CANCELLED, "hello: cancelled");
    if (next_ >= end_) return ferry::OwnedBatch{};  // end of stream
    auto batch = ferry::BatchBuilder::rows(table_);
    for (uint32_t i = 0; i < batch_rows_ && next_ < end_; ++i, ++next_) {
      const std::string id = std::to_string(next_), greeting = greeting_of(next_);
      batch.add_row({id, greeting});
    }
    return ferry::OwnedBatch::from(std::move(batch));
  }

 private:
  ferry::Host host_;
  ferry::SharedTable table_;
  int64_t next_, end_;
  uint32_t batch_rows_;
};

class HelloSource : public ferry::Source {
 public:
  explicit HelloSource(const ferry::CreateContext& ctx)
      : host_(ctx.host), rows_(ctx.config.get_int("rows", 3)) {
    if (rows_ < 0) {
      ferry::fail(FERRY_INVALID_ARGUMENT, "hello: rows must be >= 0, not " + std::to_string(rows_));
    }
  }

  // A real connector applies `selection` (include/exclude rules); hello has one table.
  ferry::Catalog discover(const std::string& /*selection*/) override {
    const ferry::TableSchema s = greetings_table();
    ferry::Table t;
    t.schema = s.schema;
    t.name = s.name;
    t.columns = s.columns;
    t.row_estimate = rows_;
    t.indexes.push_back(ferry::Index{FERRY_INDEX_PRIMARY, "PRIMARY", {"id"}, ""});
    return ferry::Catalog{{"hello"}, {std::move(t)}, {}};
  }

  // Generated data never changes, so every snapshot is at the same position.
  ferry::Position snapshot_position() override { return {ferry::to_bytes("0"), "hello:0"}; }

  std::vector<ferry::Split> plan_splits(const ferry::TableSchema& table,
                                        uint64_t target_rows) override {
    if (table.schema != "hello" || table.name != "greetings") {
      ferry::fail(FERRY_INVALID_ARGUMENT, "hello: no table " + table.schema + "." + table.name);
    }
    const int64_t step =
        target_rows == 0 ? std::max<int64_t>(rows_, 1) : static_cast<int64_t>(target_rows);
    std::vector<ferry::Split> splits;
    for (int64_t first = 1; first <= rows_; first += step) {
      const int64_t end = std::min(first + step, rows_ + 1);
      splits.push_back(ferry::Split{
          table.schema, table.name, encode_bounds(first, end),
          "id >= " + std::to_string(first) + " AND id < " + std::to_string(end), end - first});
    }
    return splits;
  }

  std::unique_ptr<ferry::BatchStream> open_snapshot(const ferry::Split& split,
                                                    uint32_t batch_rows) override {
    const auto [first, end] = decode_bounds(split.bounds);
    return std::make_unique<GreetingStream>(host_, first, end, batch_rows);
  }

 private:
  ferry::Host host_;
  int64_t rows_;
};

}  // namespace

FERRY_PLUGIN(
    "hello", "0.1.0", "The ferry SDK example: an upper-casing transform and a tiny source",
    ferry::transform<Uppercase>(
        "uppercase", "upper-cases text cells",
        {ferry::field::string_list("columns", "columns to change (default: every text column)")}),
    ferry::source<HelloSource>(
        "hello", "generates hello.greetings(id, greeting)",
        FERRY_CAP_SOURCE_CATALOG | FERRY_CAP_SOURCE_SNAPSHOT,
        {ferry::field::integer("rows", "number of rows in hello.greetings").with_default("3")}))
