// The MySQL-family destination.
//
// bulk_write
//   LOAD DATA LOCAL INFILE, fed from memory by a mysql_set_local_infile_handler callback that
//   encodes the batch's rows as the client library asks for bytes (no temp file, memory stays
//   one read buffer plus one row). The rows are sent as utf8mb4; a batch whose cells are all
//   ASCII goes to a table whose character columns are all latin1 / ascii as latin1, which is
//   the same bytes and spares the server a conversion per value. Binary, GEOMETRY and BIT columns
//   go through user variables and a SET clause (UNHEX / ST_GeomFromWKB / CAST AS UNSIGNED). LOCAL
//   turns every data error of LOAD DATA into a warning (the server cannot stop the client's
//   stream), and the default for duplicate keys is IGNORE: so the load runs in a transaction, any
//   warning is an error that rolls it back, and FERRY_APPLY_IDEMPOTENT asks for REPLACE. When the
//   server or the client refuses LOCAL INFILE (errors 1148, 4166, 3948, 2068) or local_infile =
//   false, the rows go as multi-row INSERTs of at most max_statement_bytes (ON DUPLICATE KEY UPDATE
//   when idempotent), in one transaction as well. A batch with DEFAULT cells (which LOAD DATA
//   cannot express) always takes the INSERT path.
//
// apply_changes
//   Records in source commit order. BEGIN starts a transaction (rows before any BEGIN start one
//   implicitly); COMMIT commits it, and the batch's last COMMIT first upserts the checkpoint
//   into the checkpoint table in the same transaction. A transaction open at the end of a batch
//   stays open for the next call. A batch that has no COMMIT, or that ran DDL after its last
//   COMMIT, and leaves no transaction open stores its checkpoint on its own at the end (a batch
//   of heartbeats or DDL still advances it).
//   Rows are addressed by the columns flagged FERRY_COLUMN_IN_PRIMARY_KEY; a table without one
//   by every column with <=> and LIMIT 1 (FLOAT32 columns are left out of that match: a FLOAT
//   never equals the double literal of its canonical text).
//   Ordinary mode: consecutive INSERTs of one table become multi-row INSERTs; an UPDATE or
//   DELETE that matches no row, or an INSERT whose key exists, is FERRY_DATA_LOSS (the
//   destination has diverged).
//   Idempotent mode: insert → INSERT ... ON DUPLICATE KEY UPDATE (no key: insert unless an equal
//   row exists), delete → delete if it exists, update → delete the old key if it changed, then
//   upsert the after image. FERRY_CELL_UNCHANGED cells are left out of SET lists; an upsert
//   whose row is missing and whose after image has unchanged cells is FERRY_DATA_LOSS.
//   DDL (the after image's one cell) and TRUNCATE run outside a transaction (MySQL commits
//   implicitly around them); inside a source transaction that has already changed rows, DDL is
//   refused and TRUNCATE becomes DELETE FROM so the transaction stays whole.
//   Consecutive TRUNCATE records (the tables one source statement emptied) are one group: a
//   table outside it that references one of them by a foreign key is refused; tables of the
//   group that reference each other are emptied with foreign_key_checks = 0 (MySQL refuses
//   TRUNCATE of a referenced table otherwise), restored afterwards.
//
// Errors
//   Any error rolls back the open transaction. A connection-level error (FERRY_UNAVAILABLE:
//   lost connection, timeout, deadlock) also drops the connection: the next call opens a new
//   session, and the host — which gets the error — retries from its last checkpoint (flush()).
//   The session is never reopened silently inside a transaction: changes applied before the
//   loss would be gone without anyone knowing.
#include "destination.hpp"

#include <errmsg.h>
#include <mysqld_error.h>

#include <nlohmann/json.hpp>

#include <ferry/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <exception>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "apply_driver.hpp"
#include "catalog.hpp"
#include "connection.hpp"
#include "literal.hpp"
#include "precheck.hpp"
#include "verify_read.hpp"

namespace ferry::mysql {

namespace {

// LOCAL INFILE refused: by the server (1148 MySQL/MariaDB, 3948 MySQL 8), by a client or
// server without the capability (4166 MariaDB), by a MySQL 8 client (2068).
constexpr unsigned kErClientLocalFilesDisabled = 3948;
constexpr unsigned kCrLoadDataLocalInfileRejected = 2068;
// MySQL 8.0.20+: "'VALUES function' is deprecated" — a note about our syntax, not the data.
constexpr const char* kDeprecatedSyntaxCode = "1287";
constexpr const char* kInfileName = "ferry-bulk-write";

bool local_infile_refused(unsigned code) {
  return code == ER_NOT_ALLOWED_COMMAND || code == ER_LOAD_INFILE_CAPABILITY_DISABLED ||
         code == kErClientLocalFilesDisabled || code == kCrLoadDataLocalInfileRejected;
}

using common::check_image;
using common::has_unchanged;
using common::key_changed;
using common::str_or;

// What a table_ref says about writing its rows.
struct TableInfo {
  const ferry_table_ref* ref = nullptr;
  std::string schema, table;
  std::string display;            // schema.table, for messages
  std::string name;               // `schema`.`table`
  std::vector<uint32_t> written;  // columns written (not generated), in table order
  std::vector<uint32_t> key;      // primary key columns
  std::string column_list;        // (`a`, `b`) of the written columns
  std::string upsert;             // " ON DUPLICATE KEY UPDATE ..." for them

  const ferry_column& column(uint32_t c) const { return *ref->columns[c]; }
  ValueSite site(uint32_t c) const { return ValueSite{schema, table, column(c)}; }
};

TableInfo describe_table(const ferry_table_ref& t) {
  TableInfo info;
  info.ref = &t;
  info.schema = str_or(t.schema);
  info.table = str_or(t.name);
  info.display = info.schema + "." + info.table;
  info.name = qualified(info.schema, info.table);
  info.column_list = "(";
  for (uint32_t c = 0; c < t.column_count; ++c) {
    const ferry_column& col = *t.columns[c];
    if ((col.flags & FERRY_COLUMN_IN_PRIMARY_KEY) != 0) info.key.push_back(c);
    if (!is_written(col)) continue;
    if (!info.written.empty()) info.column_list += ", ";
    info.column_list += quote_ident(str_or(col.name));
    info.written.push_back(c);
  }
  info.column_list += ")";
  if (info.written.empty()) {
    fail(FERRY_INVALID_ARGUMENT, "table " + info.display + " has no column ferry can write");
  }
  return info;
}

using RowSource = common::RowSource<TableInfo>;

// Whether every byte of `v` is ASCII (8 bytes at a time).
bool all_ascii(std::string_view v) {
  const char* p = v.data();
  size_t n = v.size();
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w = 0;
    std::memcpy(&w, p, 8);
    if ((w & kHigh) != 0) return false;
  }
  for (; n > 0; ++p, --n) {
    if ((static_cast<unsigned char>(*p) & 0x80) != 0) return false;
  }
  return true;
}

// Whether the batch's cells that LOAD DATA reads as text (not through UNHEX / CAST) are all
// ASCII: then they are the same bytes in latin1 as in utf8mb4.
bool batch_is_ascii(const RowSource& source, uint64_t rows) {
  const TableInfo& t = source.table;
  std::vector<uint32_t> direct;
  for (uint32_t c : t.written) {
    if (load_via(t.column(c)) == LoadVia::Direct) direct.push_back(c);
  }
  for (uint64_t r = 0; r < rows; ++r) {
    const uint64_t first = source.first(r);
    for (uint32_t c : direct) {
      if (!all_ascii(source.batch.cell(first + c).data)) return false;
    }
  }
  return true;
}

// Streams a batch to the server as LOAD DATA input, encoding rows as the client asks for bytes.
struct InfileFeed {
  const RowSource* rows = nullptr;
  uint64_t next = 0, count = 0;
  std::string buf;
  size_t pos = 0;
  std::exception_ptr error;

  void encode_row(uint64_t r) {
    const TableInfo& t = rows->table;
    const uint64_t first = rows->first(r);
    bool sep = false;
    for (uint32_t c : t.written) {
      if (sep) buf += '\t';
      sep = true;
      append_load_field(buf, t.site(c), rows->batch.cell(first + c));
    }
    buf += '\n';
  }

  size_t read(char* out, size_t len) {
    size_t n = 0;
    while (n < len) {
      if (pos == buf.size()) {
        if (next == count) break;
        buf.clear();
        pos = 0;
        while (next < count && buf.size() < len) encode_row(next++);
      }
      const size_t take = std::min(len - n, buf.size() - pos);
      std::memcpy(out + n, buf.data() + pos, take);
      n += take;
      pos += take;
    }
    return n;
  }
};

// What the local-infile callbacks see: the feed of the LOAD DATA in progress, or none (then a
// server asking for a file — any file — is refused).
struct InfileSession {
  InfileFeed* feed = nullptr;
  std::string message;
};

int infile_init(void** ptr, const char* filename, void* userdata) {
  auto* s = static_cast<InfileSession*>(userdata);
  *ptr = s;
  const std::string name = str_or(filename);
  if (!s->feed || name != kInfileName) {
    s->message = "ferry refused the server's request for the local file '" + name +
                 "': only the rows of a bulk_write are sent";
    return 1;
  }
  return 0;
}

int infile_read(void* ptr, char* buf, unsigned int len) {
  auto* s = static_cast<InfileSession*>(ptr);
  try {
    return static_cast<int>(s->feed->read(buf, std::min<unsigned int>(len, INT_MAX)));
  } catch (const std::exception& e) {
    s->feed->error = std::current_exception();
    s->message = e.what();
  } catch (...) {
    s->feed->error = std::current_exception();
    s->message = "unknown error while encoding rows";
  }
  return -1;
}

void infile_end(void* /*ptr*/) {}

int infile_error(void* ptr, char* msg, unsigned int len) {
  auto* s = static_cast<InfileSession*>(ptr);
  const std::string& m = s && !s->message.empty() ? s->message : std::string("LOAD DATA aborted");
  if (len > 0) {
    const size_t n = std::min<size_t>(m.size(), len - 1);
    std::memcpy(msg, m.data(), n);
    msg[n] = '\0';
  }
  return CR_UNKNOWN_ERROR;
}

// "Records: 3  Deleted: 0  Skipped: 0  Warnings: 0" → 3 (nullopt when absent).
std::optional<uint64_t> info_records(const char* info) {
  if (!info) return std::nullopt;
  const char* p = std::strstr(info, "Records:");
  if (!p) return std::nullopt;
  p += std::strlen("Records:");
  while (*p == ' ') ++p;
  uint64_t n = 0;
  bool any = false;
  for (; *p >= '0' && *p <= '9'; ++p) {
    n = n * 10 + static_cast<uint64_t>(*p - '0');
    any = true;
  }
  return any ? std::optional<uint64_t>(n) : std::nullopt;
}

// Runs a statement that returns no rows and returns its affected rows (matched rows for an
// UPDATE: the session has CLIENT_FOUND_ROWS). Not Connection::exec: its drain loop ends with
// mysql_next_result, which sets the affected-rows count to -1.
uint64_t exec_counted(Connection& c, std::string_view sql) {
  if (mysql_real_query(c.get(), sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
    std::string shown(sql.substr(0, 200));
    if (sql.size() > 200) shown += "...";
    c.raise(shown);
  }
  if (mysql_field_count(c.get()) != 0) {
    if (MYSQL_RES* res = mysql_store_result(c.get())) mysql_free_result(res);
    fail(FERRY_INTERNAL,
         "a row statement returned a result set: " + std::string(sql.substr(0, 200)));
  }
  return mysql_affected_rows(c.get());
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// "8.0.36-log" → {8, 0, 36}
std::vector<int> version_numbers(std::string_view v) {
  if (v.rfind("5.5.5-", 0) == 0) v.remove_prefix(6);  // MariaDB's replication-era prefix
  std::vector<int> out;
  int n = 0;
  bool in = false;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
      in = true;
    } else if (in) {
      out.push_back(n);
      n = 0;
      in = false;
      if (c != '.' || out.size() == 3) break;
    } else {
      break;
    }
  }
  if (in && out.size() < 3) out.push_back(n);
  while (out.size() < 3) out.push_back(0);
  return out;
}

}  // namespace

class MysqlDestination::Impl {
 public:
  explicit Impl(const CreateContext& ctx)
      : host_(ctx.host),
        task_id_(ctx.task_id),
        instance_(ctx.instance_name),
        options_(ConnectOptions::from_config(ctx.config, "destination")) {
    const Config& config = ctx.config;
    options_.local_infile = config.get_bool("local_infile", true);
    use_load_data_ = options_.local_infile;
    max_statement_bytes_ = config.get_int("max_statement_bytes", 4194304);
    if (max_statement_bytes_ < 1024) {
      fail(FERRY_INVALID_ARGUMENT, "destination: max_statement_bytes must be at least 1024, got " +
                                       std::to_string(max_statement_bytes_));
    }
    const std::string ck = config.get_string("checkpoint_table", "ferry.apply_checkpoint");
    const size_t dot = ck.find('.');
    if (dot == std::string::npos) {
      ck_schema_ = options_.database;
      ck_table_ = ck;
    } else {
      ck_schema_ = ck.substr(0, dot);
      ck_table_ = ck.substr(dot + 1);
    }
    if (ck_schema_.empty() || ck_table_.empty()) {
      fail(FERRY_INVALID_ARGUMENT, "destination: checkpoint_table '" + ck +
                                       "' must be database.table (or a table name with "
                                       "`database` set)");
    }
    ck_name_ = qualified(ck_schema_, ck_table_);
  }

  ~Impl() {
    if (conn_ && txn_open_) {
      try {
        conn_->exec("ROLLBACK");
      } catch (...) {  // the session ends anyway; the server rolls back
      }
    }
  }

  // ---- session -------------------------------------------------------------------------------

  Connection& conn() {
    common::drop_broken_session(conn_, txn_open_, txn_wrote_, options_.where());
    if (conn_) return *conn_;
    auto c = std::make_shared<Connection>(options_);
    // Our handler, installed before anything else runs on the session: a server can answer any
    // statement with a request for a local file, and the library's default handler would read
    // it from disk. Ours only ever sends the rows of the bulk_write in progress.
    mysql_set_local_infile_handler(c->get(), &infile_init, &infile_read, &infile_end, &infile_error,
                                   &infile_);
    const auto packet = c->query_value("SELECT @@max_allowed_packet");
    const int64_t max_packet = packet ? std::stoll(*packet) : 4194304;
    statement_limit_ = static_cast<size_t>(
        std::max<int64_t>(1024, std::min<int64_t>(max_statement_bytes_, max_packet - 1024)));
    const auto v = version_numbers(c->server_version());
    row_alias_ = !c->is_mariadb() && (v[0] > 8 || (v[0] == 8 && (v[1] > 0 || v[2] >= 19)));
    txn_open_ = false;
    txn_wrote_ = false;
    conn_ = std::move(c);
    return *conn_;
  }

  // The session for verification reads (their streams keep a session busy until they end, and
  // they must see committed data only): its own, reused once the last stream let go of it.
  std::shared_ptr<Connection> reader() {
    if (!reader_ || reader_.use_count() > 1) {
      ConnectOptions o = options_;
      o.local_infile = false;
      reader_ = std::make_shared<Connection>(o);
    }
    return reader_;
  }

  template <class F>
  auto guarded(F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const Error& e) {
      after_error(e.status());
      throw;
    } catch (...) {
      after_error(FERRY_INTERNAL);
      throw;
    }
  }

  void after_error(ferry_status status) {
    if (status == FERRY_UNAVAILABLE) {
      // Lost, timed out or deadlocked: the server rolls back what this session had open.
      conn_.reset();
      reader_.reset();
    } else if (conn_ && txn_open_) {
      try {
        conn_->exec("ROLLBACK");
      } catch (...) {
        conn_.reset();
      }
    }
    txn_open_ = false;
    txn_wrote_ = false;
  }

  void begin(Connection& c) {
    c.exec("START TRANSACTION");
    txn_open_ = true;
    txn_wrote_ = false;
  }
  void commit(Connection& c) {
    c.exec("COMMIT");
    txn_open_ = false;
    txn_wrote_ = false;
  }
  void rollback_quietly(Connection& c) {
    try {
      c.exec("ROLLBACK");
    } catch (...) {
      conn_.reset();
    }
    txn_open_ = false;
    txn_wrote_ = false;
  }

  // Any warning of the last statement is an error (LOAD DATA LOCAL reports bad values only as
  // warnings; strict INSERTs may still warn, e.g. a fraction rounded away). A MySQL 8 note
  // about deprecated syntax is the only exception.
  void check_warnings(Connection& c, const std::string& what) {
    const unsigned n = mysql_warning_count(c.get());
    if (n == 0) return;
    const Rows w = c.query("SHOW WARNINGS");
    std::string lines;
    unsigned shown = 0, serious = 0;
    for (const auto& row : w.rows) {
      if (row.size() < 3) continue;
      const std::string code = row[1].value_or("");
      if (code == kDeprecatedSyntaxCode) continue;
      ++serious;
      if (shown < 5) {
        lines += "\n  " + row[0].value_or("") + " " + code + ": " + row[2].value_or("");
        ++shown;
      }
    }
    if (serious == 0 && w.rows.size() >= n) return;
    fail(FERRY_INVALID_ARGUMENT, options_.where() + ": " + what + ": the server reported " +
                                     std::to_string(n) +
                                     " warning(s), so the transaction was rolled back:" + lines);
  }

  void log_path_once(const std::string& message) {
    if (path_logged_) return;
    path_logged_ = true;
    host_.info("mysql destination: bulk_write " + message);
  }

  // ---- SQL pieces ----------------------------------------------------------------------------

  TableInfo describe(const ferry_table_ref& ref) const {
    TableInfo t = describe_table(ref);
    t.upsert = upsert_tail(t);
    return t;
  }

  // The ON DUPLICATE KEY UPDATE tail (and the row alias it needs on MySQL 8.0.19+).
  std::string upsert_tail(const TableInfo& t) const {
    std::string s =
        row_alias_ ? " AS ferry_new ON DUPLICATE KEY UPDATE " : " ON DUPLICATE KEY UPDATE ";
    bool any = false;
    auto add = [&](uint32_t c) {
      const std::string id = quote_ident(str_or(t.column(c).name));
      if (any) s += ", ";
      any = true;
      s += id + " = " + (row_alias_ ? "ferry_new." + id : "VALUES(" + id + ")");
    };
    for (uint32_t c : t.written) {
      if (std::find(t.key.begin(), t.key.end(), c) == t.key.end()) add(c);
    }
    if (!any) add(t.written.front());  // every column is part of the key
    return s;
  }

  void append_row_values(std::string& out, Connection& c, const TableInfo& t, const BatchView& b,
                         uint64_t first) const {
    out += '(';
    bool sep = false;
    for (uint32_t col : t.written) {
      if (sep) out += ", ";
      sep = true;
      append_sql_value(out, c, t.site(col), b.cell(first + col));
    }
    out += ')';
  }

  // `k` = v AND ... by the primary key; without one, every comparable column with <=>.
  std::string where_clause(Connection& c, const TableInfo& t, const BatchView& b, uint64_t image,
                           const char* which) const {
    std::string s = " WHERE ";
    bool any = false;
    auto sep = [&] {
      if (any) s += " AND ";
      any = true;
    };
    if (!t.key.empty()) {
      for (uint32_t k : t.key) {
        const Cell cell = b.cell(image + k);
        if (cell.is_unchanged() || (cell.flags & FERRY_CELL_DEFAULT) != 0) {
          fail(FERRY_INVALID_ARGUMENT, t.display + ": the " + which + " image has no value for " +
                                           "key column " + str_or(t.column(k).name));
        }
        sep();
        s += quote_ident(str_or(t.column(k).name));
        if (cell.is_null()) {
          s += " IS NULL";
        } else {
          s += " = ";
          append_sql_literal(s, c, t.site(k), cell.data);
        }
      }
      return s;
    }
    for (uint32_t col : t.written) {
      const ferry_column& column = t.column(col);
      const Cell cell = b.cell(image + col);
      if (cell.is_unchanged() || (cell.flags & FERRY_CELL_DEFAULT) != 0) continue;
      if (column.type == FERRY_TYPE_FLOAT32) continue;  // FLOAT never equals a double literal
      sep();
      s += quote_ident(str_or(column.name)) + " <=> ";
      if (cell.is_null()) {
        s += "NULL";
      } else if (column.type == FERRY_TYPE_JSON && !c.is_mariadb()) {
        s += "CAST(";
        append_sql_literal(s, c, t.site(col), cell.data);
        s += " AS JSON)";
      } else {
        append_sql_literal(s, c, t.site(col), cell.data);
      }
    }
    if (!any) {
      fail(FERRY_INVALID_ARGUMENT, t.display + " has no primary key and the " + which +
                                       " image has no column to find the row by");
    }
    return s;
  }

  // "(id=5)" for messages: the key (or the whole row when there is none), values cut short.
  std::string key_text(const TableInfo& t, const BatchView& b, uint64_t image) const {
    std::string s = "(";
    bool sep = false;
    const auto& cols = t.key.empty() ? t.written : t.key;
    for (uint32_t col : cols) {
      const Cell cell = b.cell(image + col);
      if (sep) s += ", ";
      sep = true;
      s += str_or(t.column(col).name) + "=";
      if (cell.is_null()) {
        s += "NULL";
      } else if (cell.is_unchanged()) {
        s += "(unchanged)";
      } else {
        s += "'" + shown_value(cell.data) + "'";
      }
    }
    return s + ")";
  }

  // `a` = v, ... of the after image: unchanged cells left out; key columns only when asked.
  std::string set_list(Connection& c, const TableInfo& t, const BatchView& b, uint64_t after,
                       bool with_key) const {
    std::string s;
    for (uint32_t col : t.written) {
      if (!with_key && std::find(t.key.begin(), t.key.end(), col) != t.key.end()) continue;
      const Cell cell = b.cell(after + col);
      if (cell.is_unchanged()) continue;
      if (!s.empty()) s += ", ";
      s += quote_ident(str_or(t.column(col).name)) + " = ";
      append_sql_value(s, c, t.site(col), cell);
    }
    if (s.empty()) {  // nothing to set: a no-op that still reports whether the row matched
      const std::string id = quote_ident(str_or(t.column(t.written.front()).name));
      s = id + " = " + id;
    }
    return s;
  }

  // Runs a row statement of an apply; returns the rows it matched (CLIENT_FOUND_ROWS).
  uint64_t exec_row(Connection& c, const std::string& sql, const std::string& what) {
    const uint64_t n = exec_counted(c, sql);
    check_warnings(c, what);
    txn_wrote_ = true;
    return n;
  }

  // ---- bulk_write ----------------------------------------------------------------------------

  void bulk_write(const ferry_table_ref& table, const BatchView& batch, uint32_t flags) {
    common::check_encoding(batch, "mysql");
    const TableInfo t = describe(table);
    if (txn_open_) {
      fail(FERRY_INVALID_ARGUMENT, "bulk_write into " + t.display +
                                       " while an apply_changes transaction is open on this "
                                       "destination (use another instance for bulk loads)");
    }
    const uint64_t rows = batch.record_count();
    if (rows == 0) return;
    if (batch.is_row_batch() &&
        (batch.table_count() == 0 || batch.table_at(0)->column_count != table.column_count)) {
      fail(FERRY_INVALID_ARGUMENT,
           "bulk_write into " + t.display + ": the batch's table has another number of columns");
    }
    const RowSource source{batch, t};
    // DEFAULT cells need INSERT (LOAD DATA has no per-row default); UNCHANGED has no meaning
    // in a row batch.
    bool has_default = false;
    if (batch.raw().cell_flags) {
      for (uint64_t r = 0; r < rows; ++r) {
        const uint64_t first = source.first(r);
        for (uint32_t c : t.written) {
          const Cell cell = batch.cell(first + c);
          if (cell.is_unchanged()) {
            fail(FERRY_INVALID_ARGUMENT, "bulk_write into " + t.display + ": row " +
                                             std::to_string(r) + " has an UNCHANGED cell in " +
                                             str_or(t.column(c).name));
          }
          has_default |= (cell.flags & FERRY_CELL_DEFAULT) != 0 && !cell.is_null();
        }
      }
    }
    Connection& c = conn();
    const bool idempotent = (flags & FERRY_APPLY_IDEMPOTENT) != 0;
    if (use_load_data_ && !has_default && load_data(c, t, source, rows, idempotent)) return;
    if (!use_load_data_) {
      log_path_once(options_.local_infile
                        ? "uses multi-row INSERT (the server refused LOAD DATA LOCAL INFILE)"
                        : "uses multi-row INSERT (local_infile = false)");
    }
    insert_rows(c, t, source, rows, idempotent);
  }

  // Whether every column of the table that has a character set has latin1 or ascii (at least
  // one does), and none is JSON (MySQL reads JSON from utf8mb4 text only): then ASCII rows load
  // with CHARACTER SET latin1 without a conversion per value. Asked once per table.
  bool single_byte_table(Connection& c, const TableInfo& t) {
    const auto key = std::make_pair(t.schema, t.table);
    if (const auto it = single_byte_.find(key); it != single_byte_.end()) return it->second;
    const Rows cols = c.query(
        "SELECT CHARACTER_SET_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE "
        "TABLE_SCHEMA = " +
        c.quote(t.schema) + " AND TABLE_NAME = " + c.quote(t.table));
    bool any = false, other = false;
    for (const auto& row : cols.rows) {
      if (row.size() < 2) continue;
      if (row[1] && upper(*row[1]) == "JSON") other = true;
      if (!row[0]) continue;
      const std::string cs = upper(*row[0]);
      if (cs == "LATIN1" || cs == "ASCII") {
        any = true;
      } else {
        other = true;
      }
    }
    return single_byte_[key] = any && !other;
  }

  // false: LOCAL INFILE is refused (the caller falls back to INSERT; nothing was written).
  bool load_data(Connection& c, const TableInfo& t, const RowSource& source, uint64_t rows,
                 bool idempotent) {
    // latin1 where it is the same bytes and the table's own character set (see the top).
    const char* charset =
        single_byte_table(c, t) && batch_is_ascii(source, rows) ? "latin1" : "utf8mb4";
    std::string sql = std::string("LOAD DATA LOCAL INFILE '") + kInfileName + "' " +
                      (idempotent ? "REPLACE " : "") + "INTO TABLE " + t.name + " CHARACTER SET " +
                      charset + " " + kLoadDataFormat + " (";
    std::string set;
    for (size_t i = 0; i < t.written.size(); ++i) {
      const ferry_column& col = t.column(t.written[i]);
      const LoadVia via = load_via(col);
      if (i > 0) sql += ", ";
      if (via == LoadVia::Direct) {
        sql += quote_ident(str_or(col.name));
        continue;
      }
      const std::string var = "@ferry_v" + std::to_string(i);
      sql += var;
      set += set.empty() ? " SET " : ", ";
      set += quote_ident(str_or(col.name)) + " = " + load_set_expr(via, var);
    }
    sql += ")" + set;

    begin(c);
    InfileFeed feed;
    feed.rows = &source;
    feed.count = rows;
    infile_.feed = &feed;
    infile_.message.clear();
    const int rc = mysql_real_query(c.get(), sql.data(), static_cast<unsigned long>(sql.size()));
    infile_.feed = nullptr;
    if (rc != 0) {
      const unsigned code = mysql_errno(c.get());
      if (feed.error) {
        rollback_quietly(c);
        std::rethrow_exception(feed.error);
      }
      if (local_infile_refused(code)) {
        const std::string why = mysql_error(c.get());
        rollback_quietly(c);
        use_load_data_ = false;
        path_logged_ = true;
        host_.warn("mysql destination: the server refused LOAD DATA LOCAL INFILE (" + why +
                   ", error " + std::to_string(code) +
                   "); bulk_write uses multi-row INSERT from now on (slower). Enable it with "
                   "SET GLOBAL local_infile = ON.");
        return false;
      }
      c.raise("LOAD DATA LOCAL INFILE into " + t.display);
    }
    const auto loaded = info_records(mysql_info(c.get()));
    check_warnings(c, "LOAD DATA into " + t.display);
    if (loaded && *loaded != rows) {
      fail(FERRY_INTERNAL, "LOAD DATA into " + t.display + " read " + std::to_string(*loaded) +
                               " rows of the " + std::to_string(rows) + " sent");
    }
    commit(c);
    log_path_once("uses LOAD DATA LOCAL INFILE (streamed from memory)");
    return true;
  }

  void insert_rows(Connection& c, const TableInfo& t, const RowSource& source, uint64_t rows,
                   bool idempotent) {
    const std::string head = "INSERT INTO " + t.name + " " + t.column_list + " VALUES ";
    const std::string tail = idempotent ? t.upsert : "";
    const std::string what = "INSERT into " + t.display;
    begin(c);
    std::string sql, row;
    uint64_t in_statement = 0;
    auto send = [&] {
      sql += tail;
      try {
        exec_counted(c, sql);
      } catch (const Error& e) {
        fail(e.status(), what + ": " + e.what());
      }
      check_warnings(c, what);
      in_statement = 0;
    };
    for (uint64_t r = 0; r < rows; ++r) {
      row.clear();
      append_row_values(row, c, t, source.batch, source.first(r));
      if (in_statement > 0 && sql.size() + 1 + row.size() + tail.size() > statement_limit_) send();
      if (in_statement == 0) {
        sql = head;
      } else {
        sql += ',';
      }
      sql += row;
      ++in_statement;
    }
    if (in_statement > 0) send();
    commit(c);
  }

  // ---- apply_changes -------------------------------------------------------------------------

  // Consecutive INSERTs (or idempotent upserts) of one table, sent as one statement.
  struct Pending {
    uint32_t table = FERRY_NO_TABLE;
    std::string sql;
    uint64_t rows = 0;
    uint64_t first_record = 0;
  };

  void flush_pending(Connection& c, Pending& p, const TableInfo& t, bool idempotent) {
    if (p.rows == 0) return;
    if (idempotent) p.sql += t.upsert;
    try {
      exec_counted(c, p.sql);
    } catch (const Error&) {
      const unsigned code = mysql_errno(c.get());
      if (!idempotent && (code == ER_DUP_ENTRY || code == ER_DUP_ENTRY_WITH_KEY_NAME)) {
        fail(FERRY_DATA_LOSS, "apply: INSERT into " + t.display + " (record " +
                                  std::to_string(p.first_record) + " or one of the " +
                                  std::to_string(p.rows - 1) +
                                  " after it): the row already exists here — the destination "
                                  "has diverged from the source: " +
                                  mysql_error(c.get()));
      }
      throw;
    }
    check_warnings(c, "INSERT into " + t.display);
    txn_wrote_ = true;
    p = Pending{};
  }

  void add_insert(Connection& c, Pending& p, uint32_t ti, const TableInfo& t, const BatchView& b,
                  uint64_t after, uint64_t record, bool idempotent) {
    if (p.rows > 0 && p.table != ti) {
      fail(FERRY_INTERNAL, "apply: rows of two tables in one INSERT group");
    }
    std::string row;
    append_row_values(row, c, t, b, after);
    const size_t tail = idempotent ? t.upsert.size() : 0;
    if (p.rows > 0 && p.sql.size() + 1 + row.size() + tail > statement_limit_) {
      flush_pending(c, p, t, idempotent);
    }
    if (p.rows == 0) {
      p.table = ti;
      p.first_record = record;
      p.sql = "INSERT INTO " + t.name + " " + t.column_list + " VALUES ";
    } else {
      p.sql += ',';
    }
    p.sql += row;
    ++p.rows;
  }

  // No key to upsert by: insert the row unless an equal one exists. DEFAULT cells are left out
  // of the column list (the column default applies).
  void insert_if_absent(Connection& c, const TableInfo& t, const BatchView& b, uint64_t after) {
    std::string cols, values;
    for (uint32_t col : t.written) {
      const Cell cell = b.cell(after + col);
      if ((cell.flags & FERRY_CELL_DEFAULT) != 0 && !cell.is_null()) continue;
      if (!cols.empty()) {
        cols += ", ";
        values += ", ";
      }
      cols += quote_ident(str_or(t.column(col).name));
      append_sql_value(values, c, t.site(col), cell);
    }
    const std::string sql = "INSERT INTO " + t.name + " (" + cols + ") SELECT " + values +
                            " FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM " + t.name +
                            where_clause(c, t, b, after, "after") + " LIMIT 1)";
    exec_row(c, sql, "INSERT into " + t.display);
  }

  [[noreturn]] void missing_row(const TableInfo& t, const BatchView& b, uint64_t image,
                                const char* what) {
    common::missing_row(t.display, key_text(t, b, image), what);
  }

  [[noreturn]] void unchanged_missing(const TableInfo& t, const BatchView& b, uint64_t image) {
    common::unchanged_missing(t.display, key_text(t, b, image));
  }

  void apply_update(Connection& c, Pending& p, uint32_t ti, const TableInfo& t, const BatchView& b,
                    uint64_t r, bool idempotent) {
    const auto [after, before, old_image] = common::update_images(t, b, r);
    const bool moved = key_changed(t, b, before, after);
    const std::string limit = t.key.empty() ? " LIMIT 1" : "";
    const std::string what = "UPDATE of " + t.display;
    if (!idempotent) {
      const std::string sql = "UPDATE " + t.name + " SET " +
                              set_list(c, t, b, after, moved || t.key.empty()) +
                              where_clause(c, t, b, old_image, "before") + limit;
      if (exec_row(c, sql, what) == 0) missing_row(t, b, old_image, "UPDATE");
      return;
    }
    const bool unchanged = has_unchanged(t, b, after);
    if (t.key.empty()) {
      const std::string sql = "UPDATE " + t.name + " SET " + set_list(c, t, b, after, true) +
                              where_clause(c, t, b, before, "before") + limit;
      if (exec_row(c, sql, what) > 0) return;
      if (unchanged) unchanged_missing(t, b, after);
      insert_if_absent(c, t, b, after);
      return;
    }
    if (!unchanged) {
      if (moved) {
        exec_row(c, "DELETE FROM " + t.name + where_clause(c, t, b, before, "before"),
                 "DELETE from " + t.display);
      }
      add_insert(c, p, ti, t, b, after, r, true);  // upsert, grouped with its neighbours
      return;
    }
    if (!moved) {
      const std::string sql = "UPDATE " + t.name + " SET " + set_list(c, t, b, after, false) +
                              where_clause(c, t, b, after, "after");
      if (exec_row(c, sql, what) == 0) unchanged_missing(t, b, after);
      return;
    }
    // The key moved and some values are unknown: keep the row's own values. Already moved (a
    // replay)? Update it in place and drop the old key. Otherwise move it.
    const std::string at_new = "UPDATE " + t.name + " SET " + set_list(c, t, b, after, false) +
                               where_clause(c, t, b, after, "after");
    if (exec_row(c, at_new, what) > 0) {
      exec_row(c, "DELETE FROM " + t.name + where_clause(c, t, b, before, "before"),
               "DELETE from " + t.display);
      return;
    }
    const std::string move = "UPDATE " + t.name + " SET " + set_list(c, t, b, after, true) +
                             where_clause(c, t, b, before, "before");
    if (exec_row(c, move, what) == 0) unchanged_missing(t, b, after);
  }

  void apply_delete(Connection& c, const TableInfo& t, const BatchView& b, uint64_t before,
                    bool idempotent) {
    const std::string sql = "DELETE FROM " + t.name + where_clause(c, t, b, before, "before") +
                            (t.key.empty() ? " LIMIT 1" : "");
    if (exec_row(c, sql, "DELETE from " + t.display) == 0 && !idempotent) {
      missing_row(t, b, before, "DELETE");
    }
  }

  // DDL and TRUNCATE TABLE commit implicitly: only between transactions. A source transaction
  // that is open but has changed nothing yet is committed empty and reopened around it.
  template <class F>
  void outside_transaction(Connection& c, F&& f) {
    const bool reopen = txn_open_;
    if (txn_open_) commit(c);
    f();
    if (reopen) begin(c);
  }

  void run_ddl(Connection& c, const std::string& statement, const ferry_table_ref* object) {
    // A source's DDL is usually relative to the database it ran in: run it there.
    const std::string schema = object ? str_or(object->schema) : "";
    bool switched = false;
    if (!schema.empty() && schema != options_.database) {
      try {
        c.exec("USE " + quote_ident(schema));
        switched = true;
      } catch (const Error&) {
        if (mysql_errno(c.get()) != ER_BAD_DB_ERROR) throw;  // CREATE DATABASE comes first
      }
    }
    c.exec(statement);
    // Back to the configured database (without one, the session stays where the DDL ran; every
    // statement ferry writes itself is qualified).
    if (switched && !options_.database.empty()) c.exec("USE " + quote_ident(options_.database));
  }

  void ensure_checkpoint_table(Connection& c) {
    if (checkpoint_table_ready_) return;
    c.exec("CREATE DATABASE IF NOT EXISTS " + quote_ident(ck_schema_));
    c.exec("CREATE TABLE IF NOT EXISTS " + ck_name_ +
           " (task_id VARCHAR(255) NOT NULL, instance VARCHAR(255) NOT NULL, position LONGBLOB "
           "NOT NULL, updated_at TIMESTAMP(6) NOT NULL, PRIMARY KEY (task_id, instance)) "
           "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    checkpoint_table_ready_ = true;
  }

  void write_checkpoint(Connection& c, std::span<const uint8_t> cp) {
    std::string sql = "REPLACE INTO " + ck_name_ +
                      " (task_id, instance, position, updated_at) VALUES (" + c.quote(task_id_) +
                      ", " + c.quote(instance_) + ", X'";
    static const char* hex = "0123456789ABCDEF";
    for (uint8_t byte : cp) {
      sql += hex[byte >> 4];
      sql += hex[byte & 15];
    }
    sql += "', NOW(6))";
    c.exec(sql);
  }

  // A TRUNCATE group (the tables one source statement emptied, common::ApplyDriver) is applied
  // as the source left it: all of them empty. MySQL refuses TRUNCATE of a table that a foreign
  // key references (error 1701), even when the referencing table is empty, unless
  // foreign_key_checks = 0 — and DELETE would have to follow the references' order. So: a
  // table outside the group that references one of the group's is refused before anything is
  // emptied (ferry empties exactly what the source did, as PostgreSQL does without CASCADE);
  // when the group's tables reference each other (or themselves) they are emptied with
  // foreign_key_checks = 0 in the session, restored afterwards — the checks have nothing to
  // protect once every table of the link is empty. Returns whether that is needed.
  bool truncate_group_linked(Connection& c, const std::vector<common::TruncateTarget>& group) {
    std::string where;
    for (const auto& t : group) {
      where += std::string(where.empty() ? "" : " OR ") +
               "(UNIQUE_CONSTRAINT_SCHEMA = " + c.quote(t.schema) +
               " AND REFERENCED_TABLE_NAME = " + c.quote(t.table) + ")";
    }
    const Rows refs = c.query(
        "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, UNIQUE_CONSTRAINT_SCHEMA, "
        "REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE " +
        where + " ORDER BY 1, 2, 3");
    auto in_group = [&](const std::optional<std::string>& schema,
                        const std::optional<std::string>& table) {
      return std::any_of(group.begin(), group.end(), [&](const common::TruncateTarget& t) {
        return schema && table && *schema == t.schema && *table == t.table;
      });
    };
    bool linked = false;
    for (const auto& r : refs.rows) {
      if (in_group(r[0], r[1])) {
        linked = true;
        continue;
      }
      fail(FERRY_INVALID_ARGUMENT,
           "apply: TRUNCATE of " + common::displays(group) +
               " (the tables the source emptied together) is refused: " + r[0].value_or("?") + "." +
               r[1].value_or("?") + " references " + r[3].value_or("?") + "." + r[4].value_or("?") +
               " (foreign key " + r[2].value_or("?") +
               ") and the source did not empty it; ferry empties exactly the tables the source "
               "did, never more. Empty or drop that table, or its foreign key, on the "
               "destination, then resume the task.");
    }
    return linked;
  }

  // Runs f with the session's foreign_key_checks off when `off`, restored afterwards.
  template <class F>
  void without_fk_checks(Connection& c, bool off, F&& f) {
    if (!off) {
      f();
      return;
    }
    c.exec("SET @ferry_foreign_key_checks = @@SESSION.foreign_key_checks");
    c.exec("SET SESSION foreign_key_checks = 0");
    try {
      f();
    } catch (...) {
      try {
        c.exec("SET SESSION foreign_key_checks = @ferry_foreign_key_checks");
      } catch (...) {  // the session is gone: so is the setting
      }
      throw;
    }
    c.exec("SET SESSION foreign_key_checks = @ferry_foreign_key_checks");
  }

  // The record loop is common::ApplyDriver's; what is MySQL's own: DDL and TRUNCATE commit
  // implicitly, so DDL is refused inside a transaction that wrote rows and TRUNCATE becomes
  // DELETE FROM there.
  class Applier final : public common::ApplyDriver<TableInfo, Pending> {
   public:
    Applier(Impl& impl, Connection& c, const BatchView& b, bool idempotent,
            common::TruncateGroup* truncates)
        : ApplyDriver(b, idempotent, truncates), impl_(impl), c_(c) {}

   protected:
    bool txn_open() const override { return impl_.txn_open_; }
    bool txn_wrote() const override { return impl_.txn_wrote_; }
    void begin() override { impl_.begin(c_); }
    void commit() override { impl_.commit(c_); }
    void write_checkpoint(std::span<const uint8_t> cp) override { impl_.write_checkpoint(c_, cp); }
    TableInfo describe(const ferry_table_ref& ref) override { return impl_.describe(ref); }
    void flush_pending(Pending& p, const TableInfo& t) override {
      impl_.flush_pending(c_, p, t, idempotent_);
    }
    void add_insert(Pending& p, uint32_t ti, const TableInfo& t, uint64_t after,
                    uint64_t record) override {
      impl_.add_insert(c_, p, ti, t, batch_, after, record, idempotent_);
    }
    void insert_if_absent(const TableInfo& t, uint64_t after) override {
      impl_.insert_if_absent(c_, t, batch_, after);
    }
    void apply_update(Pending& p, uint32_t ti, const TableInfo& t, uint64_t record) override {
      impl_.apply_update(c_, p, ti, t, batch_, record, idempotent_);
    }
    void apply_delete(const TableInfo& t, uint64_t before) override {
      impl_.apply_delete(c_, t, batch_, before, idempotent_);
    }
    bool apply_ddl(uint64_t record, const std::string& statement,
                   const ferry_table_ref* object) override {
      if (impl_.txn_open_ && impl_.txn_wrote_) {
        fail(FERRY_INVALID_ARGUMENT,
             "apply: record " + std::to_string(record) + " is DDL inside a source transaction " +
                 "that has already changed rows; MySQL would commit those changes "
                 "implicitly. Statement: " +
                 shown_value(statement));
      }
      impl_.outside_transaction(c_, [&] { impl_.run_ddl(c_, statement, object); });
      return true;
    }
    bool apply_truncate(const std::vector<common::TruncateTarget>& group) override {
      const bool linked = impl_.truncate_group_linked(c_, group);
      if (impl_.txn_open_ && impl_.txn_wrote_) {
        impl_.without_fk_checks(c_, linked, [&] {
          for (const auto& t : group) {
            impl_.exec_row(c_, "DELETE FROM " + t.name, "DELETE from " + t.display);  // atomic
          }
        });
        return false;
      }
      impl_.outside_transaction(c_, [&] {
        impl_.without_fk_checks(c_, linked, [&] {
          for (const auto& t : group) c_.exec("TRUNCATE TABLE " + t.name);
        });
      });
      return true;
    }

   private:
    Impl& impl_;
    Connection& c_;
  };

  void apply_changes(const BatchView& b, uint32_t flags, std::span<const uint8_t> checkpoint) {
    common::check_encoding(b, "mysql");
    common::check_change_batch(b);
    Connection& c = conn();
    if (!txn_open_) ensure_checkpoint_table(c);  // DDL: never inside a transaction
    Applier(*this, c, b, (flags & FERRY_APPLY_IDEMPOTENT) != 0, &truncates_).run(checkpoint);
  }

  std::optional<Bytes> flush_checkpoint() {
    Connection& c = conn();
    Rows rows;
    try {
      rows = c.query("SELECT position FROM " + ck_name_ + " WHERE task_id = " + c.quote(task_id_) +
                     " AND instance = " + c.quote(instance_));
    } catch (const Error&) {
      const unsigned code = mysql_errno(c.get());
      if (code == ER_NO_SUCH_TABLE || code == ER_BAD_DB_ERROR) return std::nullopt;
      throw;
    }
    if (rows.rows.empty() || rows.rows[0].empty() || !rows.rows[0][0]) return std::nullopt;
    return to_bytes(*rows.rows[0][0]);
  }

  // ---- precheck ------------------------------------------------------------------------------

  std::string precheck() {
    nlohmann::json items = nlohmann::json::array();
    auto add = [&](const std::string& item, const std::string& status, const std::string& detail,
                   const std::string& fix) {
      items.push_back(common::precheck_item(item, status, detail, fix));
    };
    Connection* c = nullptr;
    try {
      c = &conn();
    } catch (const Error& e) {
      add("connectivity", "failed", e.what(),
          "check host, port, user and password of the destination, and that the server accepts "
          "connections from this host");
      return items.dump();
    }
    add("connectivity", "passed",
        "connected to " + options_.where() + " as '" + options_.user + "'", "");
    auto item = [&](const std::string& name, const std::string& fix, auto&& body) {
      try {
        body();
      } catch (const Error& e) {
        add(name, "failed", e.what(), fix);
        if (e.status() == FERRY_UNAVAILABLE) conn_.reset();
      }
    };
    item("version", "", [&] {
      const auto v = version_numbers(c->server_version());
      const bool ok = c->is_mariadb() ? (v[0] > 10 || (v[0] == 10 && v[1] >= 3))
                                      : v[0] >= 8 || (v[0] == 5 && v[1] >= 7);
      add("version", ok ? "passed" : "warning",
          (c->is_mariadb() ? "MariaDB " : "MySQL ") + c->server_version(),
          ok ? "" : "ferry is tested with MySQL 5.7+/8.x and MariaDB 10.3+; upgrade the server");
    });
    if (!conn_) return items.dump();
    item("writable", "", [&] {
      const auto ro = c->query_value("SELECT @@global.read_only");
      if (ro && *ro != "0") {
        add("writable", "failed", "the server is read-only (read_only = ON)",
            "point the destination at the primary, or SET GLOBAL read_only = OFF");
      } else {
        add("writable", "passed", "read_only = OFF", "");
      }
    });
    item("local_infile", "", [&] {
      if (!options_.local_infile) {
        add("local_infile", "passed",
            "local_infile = false in the config: bulk writes use multi-row INSERT", "");
        return;
      }
      const auto on = c->query_value("SELECT @@global.local_infile");
      if (on && *on != "0") {
        add("local_infile", "passed", "LOAD DATA LOCAL INFILE is enabled: bulk writes use it", "");
      } else {
        add("local_infile", "warning",
            "the server has local_infile = OFF: bulk writes fall back to multi-row INSERT, which "
            "is slower",
            "SET GLOBAL local_infile = ON (and local_infile = 1 in the server's configuration), "
            "or set local_infile = false for this destination to silence this");
      }
    });
    item("privileges", "", [&] { check_grants(*c, add); });
    item("max_allowed_packet", "", [&] {
      const auto p = c->query_value("SELECT @@max_allowed_packet");
      const int64_t bytes = p ? std::stoll(*p) : 0;
      const std::string detail = "max_allowed_packet = " + std::to_string(bytes) +
                                 "; INSERT statements up to " + std::to_string(statement_limit_) +
                                 " bytes";
      if (bytes < 4 * 1024 * 1024) {
        add("max_allowed_packet", "warning", detail + "; a row larger than this cannot be written",
            "SET GLOBAL max_allowed_packet = 67108864 (or larger than the largest row)");
      } else {
        add("max_allowed_packet", "passed", detail, "");
      }
    });
    item("checkpoint_table",
         "grant CREATE, SELECT, INSERT, DELETE on " + quote_ident(ck_schema_) +
             ".* to the destination user, or set checkpoint_table to a database it may write",
         [&] {
           if (txn_open_) {
             add("checkpoint_table", "passed", ck_name_ + " is in use", "");
             return;
           }
           checkpoint_table_ready_ = false;
           ensure_checkpoint_table(*c);
           c->query("SELECT position FROM " + ck_name_ + " LIMIT 0");
           add("checkpoint_table", "passed", ck_name_ + " exists or was created", "");
         });
    return items.dump();
  }

  template <class Add>
  void check_grants(Connection& c, Add&& add) {
    static const char* required[] = {"SELECT", "INSERT", "UPDATE", "DELETE",
                                     "CREATE", "DROP",   "ALTER",  "INDEX"};
    const Rows grants = c.query("SHOW GRANTS");
    std::set<std::string> have;
    bool all = false, roles = false;
    const std::string& db = options_.database;
    for (const auto& row : grants.rows) {
      if (row.empty() || !row[0]) continue;
      const std::string& g = *row[0];
      if (g.rfind("GRANT ", 0) != 0) continue;
      const size_t on = g.find(" ON ");
      if (on == std::string::npos) {
        roles = true;  // GRANT `role` TO ...
        continue;
      }
      const size_t to = g.find(" TO ", on);
      const std::string object =
          g.substr(on + 4, to == std::string::npos ? std::string::npos : to - on - 4);
      if (object != "*.*" &&
          (db.empty() || (object != quote_ident(db) + ".*" && object != db + ".*"))) {
        continue;
      }
      std::string privs = g.substr(6, on - 6);
      size_t start = 0;
      while (start <= privs.size()) {
        const size_t comma = privs.find(',', start);
        const std::string p = upper(trim(
            privs.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (p == "ALL PRIVILEGES" || p == "ALL") all = true;
        have.insert(p);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    std::string missing;
    for (const char* p : required) {
      if (!all && !have.count(p)) missing += std::string(missing.empty() ? "" : ", ") + p;
    }
    const std::string scope = db.empty() ? "*.*" : quote_ident(db) + ".*";
    if (missing.empty()) {
      add("privileges", "passed", "the user may read, write and change tables on " + scope, "");
      return;
    }
    add("privileges", roles ? "warning" : "failed",
        "missing on " + scope + ": " + missing +
            (roles ? " (the user also has roles, which may grant them)" : ""),
        "GRANT " + missing + " ON " + scope + " TO '" + options_.user + "'@'<ferry's host>'");
  }

  Host host_;
  std::string task_id_, instance_;
  ConnectOptions options_;
  int64_t max_statement_bytes_ = 4194304;
  std::string ck_schema_, ck_table_, ck_name_;

  std::shared_ptr<Connection> conn_;
  std::shared_ptr<Connection> reader_;
  InfileSession infile_;
  size_t statement_limit_ = 4194304;
  bool row_alias_ = false;
  bool use_load_data_ = true;
  bool path_logged_ = false;
  std::map<std::pair<std::string, std::string>, bool> single_byte_;  // single_byte_table()
  bool checkpoint_table_ready_ = false;
  bool txn_open_ = false;            // a transaction is open on conn_
  bool txn_wrote_ = false;           // ... and has changed rows
  common::TruncateGroup truncates_;  // a TRUNCATE group the open transaction's next batch goes on
};

MysqlDestination::MysqlDestination(const CreateContext& ctx) : impl_(std::make_unique<Impl>(ctx)) {}

MysqlDestination::~MysqlDestination() = default;

std::string MysqlDestination::precheck() {
  return impl_->precheck();
}

void MysqlDestination::apply_ddl(const std::string& statement) {
  impl_->guarded([&] {
    if (impl_->txn_open_) {
      fail(FERRY_INVALID_ARGUMENT,
           "apply_ddl while an apply_changes transaction is open: MySQL would commit it "
           "implicitly");
    }
    impl_->conn().exec(statement);
  });
}

void MysqlDestination::bulk_write(const ferry_table_ref& table, const BatchView& batch,
                                  uint32_t flags) {
  impl_->guarded([&] { impl_->bulk_write(table, batch, flags); });
}

void MysqlDestination::apply_changes(const BatchView& batch, uint32_t flags,
                                     std::span<const uint8_t> checkpoint) {
  impl_->guarded([&] { impl_->apply_changes(batch, flags, checkpoint); });
}

std::optional<Bytes> MysqlDestination::flush() {
  return impl_->guarded([&] { return impl_->flush_checkpoint(); });
}

Checksum MysqlDestination::checksum(const Split& range, const std::string& spec) {
  return impl_->guarded([&] { return range_checksum(*impl_->reader(), range, spec); });
}

std::unique_ptr<BatchStream> MysqlDestination::read_range(const Split& range, uint32_t batch_rows) {
  return impl_->guarded([&] { return range_reader(impl_->reader(), range, batch_rows); });
}

Catalog MysqlDestination::discover(const std::string& selection_json) {
  return impl_->guarded(
      [&] { return read_catalog(*impl_->reader(), parse_selection(selection_json.c_str())); });
}

}  // namespace ferry::mysql
