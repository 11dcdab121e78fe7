// ferry SDK C++ layer: the catalog (tables, columns, keys, views) as owned C++ values, with one
// export (C++ → ferry_catalog / ferry_table_ref) and one copy (C → C++) for each.
#pragma once

#include <ferry/abi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry {

struct Column {
  std::string name;
  ferry_type type = FERRY_TYPE_UNKNOWN;
  uint32_t flags = FERRY_COLUMN_NULLABLE;
  ferry_type element_type = FERRY_TYPE_UNKNOWN;
  int64_t length = -1;
  int32_t precision = 0;
  int32_t scale = 0;
  std::string native_type;
  std::optional<std::string> charset, collation, default_expr, generated_expr, comment;
  std::vector<std::string> labels;
  // ABI 1.2. The sequence behind an identity/serial column (PostgreSQL, schema-qualified and
  // quoted); std::nullopt when none. identity_next: the value the next generated row would
  // get, as of discover(); -1 unknown or not an identity/auto_increment column.
  std::optional<std::string> identity_sequence;
  int64_t identity_next = -1;
};

struct Index {
  ferry_index_kind kind = FERRY_INDEX_PLAIN;
  std::string name;
  std::vector<std::string> columns;
  std::string definition;
};

struct ForeignKey {
  std::string name;
  std::vector<std::string> columns;
  std::string ref_schema, ref_table;
  std::vector<std::string> ref_columns;
  std::string on_update = "NO ACTION", on_delete = "NO ACTION";
  // FERRY_FK_* bits (ABI 1.3: DEFERRABLE, INITIALLY DEFERRED, MATCH FULL); 0 from an older
  // producer.
  uint32_t flags = 0;
};

struct Check {
  std::string name, expression;
};

struct Table {
  std::string schema, name, comment;
  uint32_t flags = 0;
  int64_t row_estimate = -1, byte_estimate = -1;
  std::vector<Column> columns;
  std::vector<Index> indexes;
  std::vector<ForeignKey> foreign_keys;
  std::vector<Check> checks;
};

struct View {
  std::string schema, name, definition, comment;
};

struct Catalog {
  std::vector<std::string> schemas;
  std::vector<Table> tables;
  std::vector<View> views;
};

// The logical type's name as docs/sdk.md spells it ("INT64", "TIMESTAMPTZ"), for messages.
inline const char* type_name(ferry_type type) {
  static const char* const names[] = {
      "UNKNOWN",   "BOOL",    "INT8",    "INT16", "INT24",    "INT32",     "INT64",
      "DECIMAL",   "FLOAT32", "FLOAT64", "CHAR",  "VARCHAR",  "TEXT",      "BINARY",
      "VARBINARY", "BLOB",    "DATE",    "TIME",  "TIMETZ",   "TIMESTAMP", "TIMESTAMPTZ",
      "INTERVAL",  "YEAR",    "BIT",     "ENUM",  "SET",      "JSON",      "UUID",
      "INET",      "CIDR",    "MACADDR", "ARRAY", "GEOMETRY", "OTHER"};
  return type < sizeof(names) / sizeof(names[0]) ? names[type] : "UNKNOWN";
}

// A table as a batch refers to it: names and columns.
struct TableSchema {
  std::string schema, name;
  std::vector<Column> columns;
};

namespace detail {

inline const char* opt_c(const std::optional<std::string>& s) {
  return s ? s->c_str() : nullptr;
}
inline std::optional<std::string> opt_s(const char* s) {
  return s ? std::optional<std::string>(s) : std::nullopt;
}
inline std::vector<const char*> c_strs(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  out.reserve(v.size());
  for (const auto& s : v) out.push_back(s.c_str());
  return out;
}
// FERRY_HAS_FIELD for a struct held by reference (never NULL): whether the producer's
// struct_size covers the member at `offset` of `size` bytes.
template <class T>
bool has_member(const T& s, size_t offset, size_t size) {
  return s.struct_size >= offset + size;
}
inline std::vector<std::string> strs(const char* const* v, uint32_t n) {
  return std::vector<std::string>(v, v + n);
}

// C views of a vector of owned items: the structs, their pointer array, and any nested string
// arrays, all kept alive together. Built once; never resized afterwards.
struct ColumnViews {
  std::vector<std::vector<const char*>> labels;
  std::vector<ferry_column> cols;
  std::vector<const ferry_column*> ptrs;

  explicit ColumnViews(const std::vector<Column>& columns) {
    labels.reserve(columns.size());
    cols.reserve(columns.size());
    for (const auto& c : columns) {
      labels.push_back(c_strs(c.labels));
      ferry_column v{};
      v.struct_size = sizeof(v);
      v.type = c.type;
      v.name = c.name.c_str();
      v.flags = c.flags;
      v.element_type = c.element_type;
      v.length = c.length;
      v.precision = c.precision;
      v.scale = c.scale;
      v.native_type = c.native_type.c_str();
      v.charset = opt_c(c.charset);
      v.collation = opt_c(c.collation);
      v.default_expr = opt_c(c.default_expr);
      v.generated_expr = opt_c(c.generated_expr);
      v.comment = opt_c(c.comment);
      v.label_count = static_cast<uint32_t>(c.labels.size());
      v.labels = labels.back().data();
      v.identity_sequence = opt_c(c.identity_sequence);
      v.identity_next = c.identity_next;
      cols.push_back(v);
    }
    for (const auto& v : cols) ptrs.push_back(&v);
  }
  ColumnViews(const ColumnViews&) = delete;
  ColumnViews& operator=(const ColumnViews&) = delete;
};

}  // namespace detail

inline Column copy_column(const ferry_column& c) {
  Column out;
  out.name = c.name ? c.name : "";
  out.type = c.type;
  out.flags = c.flags;
  out.element_type = c.element_type;
  out.length = c.length;
  out.precision = c.precision;
  out.scale = c.scale;
  out.native_type = c.native_type ? c.native_type : "";
  out.charset = detail::opt_s(c.charset);
  out.collation = detail::opt_s(c.collation);
  out.default_expr = detail::opt_s(c.default_expr);
  out.generated_expr = detail::opt_s(c.generated_expr);
  out.comment = detail::opt_s(c.comment);
  out.labels = detail::strs(c.labels, c.label_count);
  // Members added in ABI 1.2: a 1.0/1.1 producer's column is shorter and has none
  // (FERRY_HAS_FIELD, for a struct held by reference).
  if (detail::has_member(c, offsetof(ferry_column, identity_sequence),
                         sizeof(c.identity_sequence))) {
    out.identity_sequence = detail::opt_s(c.identity_sequence);
  }
  if (detail::has_member(c, offsetof(ferry_column, identity_next), sizeof(c.identity_next))) {
    out.identity_next = c.identity_next;
  }
  return out;
}

// An owned TableSchema with its C view (for batches and calls that take a ferry_table_ref).
class TableRefHolder {
 public:
  explicit TableRefHolder(TableSchema t)
      : table_(std::move(t)), columns_(std::make_unique<detail::ColumnViews>(table_.columns)) {
    ref_.struct_size = sizeof(ref_);
    ref_.column_count = static_cast<uint32_t>(table_.columns.size());
    ref_.schema = table_.schema.c_str();
    ref_.name = table_.name.c_str();
    ref_.columns = columns_->ptrs.data();
  }
  TableRefHolder(const TableRefHolder&) = delete;
  TableRefHolder& operator=(const TableRefHolder&) = delete;
  const ferry_table_ref* ref() const { return &ref_; }
  const TableSchema& table() const { return table_; }

 private:
  TableSchema table_;
  std::unique_ptr<detail::ColumnViews> columns_;
  ferry_table_ref ref_{};
};

inline TableSchema copy_table_ref(const ferry_table_ref& t) {
  TableSchema out;
  out.schema = t.schema ? t.schema : "";
  out.name = t.name ? t.name : "";
  for (uint32_t i = 0; i < t.column_count; ++i) out.columns.push_back(copy_column(*t.columns[i]));
  return out;
}

inline TableSchema schema_of(const Table& t) {
  return TableSchema{t.schema, t.name, t.columns};
}

// Producer side: hand a Catalog to a C consumer.
inline void export_catalog(Catalog catalog, ferry_catalog* out) {
  struct TableViews {
    std::unique_ptr<detail::ColumnViews> columns;
    std::vector<std::vector<const char*>> index_cols, fk_cols, fk_ref_cols;
    std::vector<ferry_index> indexes;
    std::vector<const ferry_index*> index_ptrs;
    std::vector<ferry_foreign_key> fks;
    std::vector<const ferry_foreign_key*> fk_ptrs;
    std::vector<ferry_check> checks;
    std::vector<const ferry_check*> check_ptrs;
    ferry_table table{};
  };
  struct Owned {
    Catalog cat;
    std::vector<const char*> schemas;
    std::vector<std::unique_ptr<TableViews>> tables;
    std::vector<const ferry_table*> table_ptrs;
    std::vector<ferry_view> views;
    std::vector<const ferry_view*> view_ptrs;
  };
  auto* o = new Owned{std::move(catalog), {}, {}, {}, {}, {}};
  o->schemas = detail::c_strs(o->cat.schemas);
  for (const auto& t : o->cat.tables) {
    auto tv = std::make_unique<TableViews>();
    tv->columns = std::make_unique<detail::ColumnViews>(t.columns);
    tv->index_cols.reserve(t.indexes.size());
    for (const auto& ix : t.indexes) {
      tv->index_cols.push_back(detail::c_strs(ix.columns));
      ferry_index v{};
      v.struct_size = sizeof(v);
      v.kind = ix.kind;
      v.name = ix.name.c_str();
      v.column_count = static_cast<uint32_t>(ix.columns.size());
      v.columns = tv->index_cols.back().data();
      v.definition = ix.definition.c_str();
      tv->indexes.push_back(v);
    }
    tv->fk_cols.reserve(t.foreign_keys.size());
    tv->fk_ref_cols.reserve(t.foreign_keys.size());
    for (const auto& fk : t.foreign_keys) {
      tv->fk_cols.push_back(detail::c_strs(fk.columns));
      tv->fk_ref_cols.push_back(detail::c_strs(fk.ref_columns));
      ferry_foreign_key v{};
      v.struct_size = sizeof(v);
      v.column_count = static_cast<uint32_t>(fk.columns.size());
      v.name = fk.name.c_str();
      v.columns = tv->fk_cols.back().data();
      v.ref_schema = fk.ref_schema.c_str();
      v.ref_table = fk.ref_table.c_str();
      v.ref_columns = tv->fk_ref_cols.back().data();
      v.on_update = fk.on_update.c_str();
      v.on_delete = fk.on_delete.c_str();
      v.flags = fk.flags;
      tv->fks.push_back(v);
    }
    for (const auto& ck : t.checks) {
      ferry_check v{};
      v.struct_size = sizeof(v);
      v.name = ck.name.c_str();
      v.expression = ck.expression.c_str();
      tv->checks.push_back(v);
    }
    for (const auto& v : tv->indexes) tv->index_ptrs.push_back(&v);
    for (const auto& v : tv->fks) tv->fk_ptrs.push_back(&v);
    for (const auto& v : tv->checks) tv->check_ptrs.push_back(&v);
    ferry_table& ct = tv->table;
    ct.struct_size = sizeof(ct);
    ct.flags = t.flags;
    ct.schema = t.schema.c_str();
    ct.name = t.name.c_str();
    ct.comment = t.comment.c_str();
    ct.row_estimate = t.row_estimate;
    ct.byte_estimate = t.byte_estimate;
    ct.column_count = static_cast<uint32_t>(t.columns.size());
    ct.columns = tv->columns->ptrs.data();
    ct.index_count = static_cast<uint32_t>(tv->indexes.size());
    ct.indexes = tv->index_ptrs.data();
    ct.foreign_key_count = static_cast<uint32_t>(tv->fks.size());
    ct.foreign_keys = tv->fk_ptrs.data();
    ct.check_count = static_cast<uint32_t>(tv->checks.size());
    ct.checks = tv->check_ptrs.data();
    o->table_ptrs.push_back(&tv->table);
    o->tables.push_back(std::move(tv));
  }
  for (const auto& v : o->cat.views) {
    ferry_view cv{};
    cv.struct_size = sizeof(cv);
    cv.schema = v.schema.c_str();
    cv.name = v.name.c_str();
    cv.definition = v.definition.c_str();
    cv.comment = v.comment.c_str();
    o->views.push_back(cv);
  }
  for (const auto& v : o->views) o->view_ptrs.push_back(&v);
  *out = ferry_catalog{};
  out->struct_size = sizeof(ferry_catalog);
  out->schema_count = static_cast<uint32_t>(o->schemas.size());
  out->schemas = o->schemas.data();
  out->table_count = static_cast<uint32_t>(o->table_ptrs.size());
  out->tables = o->table_ptrs.data();
  out->view_count = static_cast<uint32_t>(o->view_ptrs.size());
  out->views = o->view_ptrs.data();
  out->private_data = o;
  out->release = [](ferry_catalog* self) {
    delete static_cast<Owned*>(self->private_data);
    self->release = nullptr;
  };
}

// Consumer side: copy the catalog out and release the producer's.
inline Catalog adopt_catalog(ferry_catalog* in) {
  Catalog out;
  out.schemas = detail::strs(in->schemas, in->schema_count);
  for (uint32_t i = 0; i < in->table_count; ++i) {
    const ferry_table& t = *in->tables[i];
    Table ct;
    ct.schema = t.schema ? t.schema : "";
    ct.name = t.name ? t.name : "";
    ct.comment = t.comment ? t.comment : "";
    ct.flags = t.flags;
    ct.row_estimate = t.row_estimate;
    ct.byte_estimate = t.byte_estimate;
    for (uint32_t c = 0; c < t.column_count; ++c) ct.columns.push_back(copy_column(*t.columns[c]));
    for (uint32_t x = 0; x < t.index_count; ++x) {
      const ferry_index& ix = *t.indexes[x];
      ct.indexes.push_back(Index{ix.kind, ix.name ? ix.name : "",
                                 detail::strs(ix.columns, ix.column_count),
                                 ix.definition ? ix.definition : ""});
    }
    for (uint32_t x = 0; x < t.foreign_key_count; ++x) {
      const ferry_foreign_key& fk = *t.foreign_keys[x];
      ct.foreign_keys.push_back(
          ForeignKey{fk.name ? fk.name : "", detail::strs(fk.columns, fk.column_count),
                     fk.ref_schema ? fk.ref_schema : "", fk.ref_table ? fk.ref_table : "",
                     detail::strs(fk.ref_columns, fk.column_count),
                     fk.on_update ? fk.on_update : "", fk.on_delete ? fk.on_delete : ""});
      // Added in ABI 1.3: a 1.0-1.2 producer's foreign key is shorter and has no flags.
      if (detail::has_member(fk, offsetof(ferry_foreign_key, flags), sizeof(fk.flags))) {
        ct.foreign_keys.back().flags = fk.flags;
      }
    }
    for (uint32_t x = 0; x < t.check_count; ++x) {
      const ferry_check& ck = *t.checks[x];
      ct.checks.push_back(Check{ck.name ? ck.name : "", ck.expression ? ck.expression : ""});
    }
    out.tables.push_back(std::move(ct));
  }
  for (uint32_t i = 0; i < in->view_count; ++i) {
    const ferry_view& v = *in->views[i];
    out.views.push_back(View{v.schema ? v.schema : "", v.name ? v.name : "",
                             v.definition ? v.definition : "", v.comment ? v.comment : ""});
  }
  if (in->release) in->release(in);
  return out;
}

}  // namespace ferry
