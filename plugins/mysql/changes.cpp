#include "changes.hpp"

// The decoder's headers come before <mariadb_rpl.h>, which defines macros (LOG_EVENT_*_F) with
// the names of the decoder's constants.
#include "binlog/event.hpp"
#include "binlog/rows.hpp"

#include <mariadb_rpl.h>
#include <mysqld_error.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <thread>
#include <unordered_map>
#include <utility>

#include "catalog.hpp"
#include "connection.hpp"

namespace ferry::mysql {

namespace bl = ferry::mysql::binlog;

namespace {

// event_size from a v4 event header (timestamp 4, type 1, server_id 4, event_size 4, ...).
uint64_t detail_event_size(std::span<const uint8_t> raw) {
  if (raw.size() < 13) return 0;
  return static_cast<uint64_t>(raw[9]) | static_cast<uint64_t>(raw[10]) << 8 |
         static_cast<uint64_t>(raw[11]) << 16 | static_cast<uint64_t>(raw[12]) << 24;
}

// The logical type a binlog column type decodes to, for a table known only from its TABLE_MAP
// (binlog_row_metadata=FULL after a DDL ferry has not seen the new schema of yet).
ferry_type logical_of_binlog_type(uint8_t type, uint16_t meta) {
  switch (type) {
    case 1:  // TINY
      return FERRY_TYPE_INT8;
    case 2:  // SHORT
      return FERRY_TYPE_INT16;
    case 9:  // INT24
      return FERRY_TYPE_INT24;
    case 3:  // LONG
      return FERRY_TYPE_INT32;
    case 8:  // LONGLONG
      return FERRY_TYPE_INT64;
    case 0:
    case 246:  // DECIMAL, NEWDECIMAL
      return FERRY_TYPE_DECIMAL;
    case 4:
      return FERRY_TYPE_FLOAT32;
    case 5:
      return FERRY_TYPE_FLOAT64;
    case 16:
      return FERRY_TYPE_BIT;
    case 15:
    case 253:
      return FERRY_TYPE_VARCHAR;
    case 254: {
      const uint8_t real = static_cast<uint8_t>(meta >> 8);
      if (real == 247) return FERRY_TYPE_ENUM;
      if (real == 248) return FERRY_TYPE_SET;
      return FERRY_TYPE_CHAR;
    }
    case 247:
      return FERRY_TYPE_ENUM;
    case 248:
      return FERRY_TYPE_SET;
    case 249:
    case 250:
    case 251:
    case 252:
      return FERRY_TYPE_BLOB;
    case 245:
      return FERRY_TYPE_JSON;
    case 255:
      return FERRY_TYPE_GEOMETRY;
    case 10:
    case 14:
      return FERRY_TYPE_DATE;
    case 12:
    case 18:
      return FERRY_TYPE_TIMESTAMP;
    case 7:
    case 17:
      return FERRY_TYPE_TIMESTAMPTZ;
    case 11:
    case 19:
      return FERRY_TYPE_TIME;
    case 13:
      return FERRY_TYPE_YEAR;
    default:
      return FERRY_TYPE_OTHER;
  }
}

// Whether a column the schema history describes can be what a TABLE_MAP column type holds.
bool compatible(uint8_t type, uint16_t meta, const Column& c) {
  const ferry_type t = logical_of_binlog_type(type, meta);
  if (t == c.type) return true;
  switch (t) {
    case FERRY_TYPE_VARCHAR:
      return c.type == FERRY_TYPE_VARBINARY || c.type == FERRY_TYPE_INET ||
             c.type == FERRY_TYPE_UUID || c.type == FERRY_TYPE_OTHER;
    case FERRY_TYPE_CHAR:
      return c.type == FERRY_TYPE_BINARY || c.type == FERRY_TYPE_INET ||
             c.type == FERRY_TYPE_UUID || c.type == FERRY_TYPE_OTHER;
    case FERRY_TYPE_BLOB:
      return c.type == FERRY_TYPE_TEXT || c.type == FERRY_TYPE_JSON ||
             c.type == FERRY_TYPE_GEOMETRY || c.type == FERRY_TYPE_OTHER;
    default:
      return c.type == FERRY_TYPE_OTHER;
  }
}

bl::Charset charset_of(const Column& c) {
  if (!c.charset) return bl::Charset::Binary;
  const std::string& cs = *c.charset;
  if (cs == "utf8mb4" || cs == "utf8mb3" || cs == "utf8") return bl::Charset::Utf8;
  if (cs == "latin1") return bl::Charset::Latin1;
  if (cs == "ascii") return bl::Charset::Ascii;
  if (cs == "binary") return bl::Charset::Binary;
  return bl::Charset::Other;
}

// Tables from MariaDB ≤ 10.0 (or mysql56_temporal_format=OFF) log TIME/DATETIME/TIMESTAMP(n)
// in the old format, whose size depends on n, which the event does not carry: the schema
// history supplies it.
uint8_t temporal_precision_of(const Column& c) {
  const bool temporal = c.type == FERRY_TYPE_TIME || c.type == FERRY_TYPE_TIMESTAMP ||
                        c.type == FERRY_TYPE_TIMESTAMPTZ;
  return temporal ? static_cast<uint8_t>(std::clamp(c.scale, 0, 6)) : 0;
}

std::string upper_prefix(std::string_view sql, size_t n) {
  std::string out;
  for (char ch : sql) {
    if (out.empty() && (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r')) continue;
    if (out.size() >= n) break;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

// The tables a DDL statement is about: "ALTER TABLE [db.]t ...", "CREATE [TEMPORARY] TABLE",
// "DROP TABLE a, b", "RENAME TABLE a TO b", "TRUNCATE [TABLE] t", "CREATE [UNIQUE] INDEX i ON
// t", "DROP INDEX i ON t". Statements about no table (GRANT, FLUSH, ANALYZE, CREATE USER...)
// give none and are not replicated.
struct DdlObject {
  std::vector<std::pair<std::string, std::string>> tables;
  bool truncate = false;
  bool rename = false;
};

DdlObject ddl_object(std::string_view sql, const std::string& db) {
  DdlObject out;
  std::string s(sql);
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  auto word = [&] {
    skip_ws();
    std::string w;
    if (i < s.size() && s[i] == '`') {
      ++i;
      while (i < s.size()) {
        if (s[i] == '`' && i + 1 < s.size() && s[i + 1] == '`') {
          w += '`';
          i += 2;
        } else if (s[i] == '`') {
          ++i;
          break;
        } else {
          w += s[i++];
        }
      }
      return w;
    }
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' ||
                            s[i] == '$' || static_cast<unsigned char>(s[i]) >= 0x80)) {
      w += s[i++];
    }
    return w;
  };
  auto up = [](std::string w) {
    for (auto& ch : w) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return w;
  };
  auto name = [&] {
    std::string first = word();
    skip_ws();
    if (i < s.size() && s[i] == '.') {
      ++i;
      return std::make_pair(first, word());
    }
    return std::make_pair(db, first);
  };
  auto if_exists = [&] {
    const size_t save = i;
    if (up(word()) == "IF") {
      if (up(word()) == "NOT") word();
    } else {
      i = save;
    }
  };
  const std::string verb = up(word());
  std::string w = up(word());
  while (w == "TEMPORARY" || w == "ONLINE" || w == "IGNORE" || w == "OR" || w == "REPLACE" ||
         w == "UNIQUE" || w == "FULLTEXT" || w == "SPATIAL") {
    w = up(word());
  }
  if (w == "INDEX" && (verb == "CREATE" || verb == "DROP")) {
    if_exists();
    word();  // the index name
    if (up(word()) != "ON") return out;
    out.tables.push_back(name());
    return out;
  }
  if (verb == "TRUNCATE") {
    out.truncate = true;
    if (w != "TABLE") {
      i = 0;
      word();  // "TRUNCATE t": the word after TRUNCATE was the table name itself
    }
    out.tables.push_back(name());
    return out;
  }
  if (w != "TABLE" || (verb != "ALTER" && verb != "CREATE" && verb != "DROP" && verb != "RENAME")) {
    return out;
  }
  out.rename = verb == "RENAME";
  if_exists();
  for (;;) {
    out.tables.push_back(name());
    skip_ws();
    if (out.rename) {
      if (up(word()) != "TO") break;
      out.tables.push_back(name());
      skip_ws();
    }
    if (verb == "CREATE" || verb == "ALTER" || i >= s.size() || s[i] != ',') break;
    ++i;
  }
  return out;
}

}  // namespace

class BinlogStream : public BatchStream {
 public:
  BinlogStream(const SourceSettings& settings, const Host& host, const BinlogPosition& start,
               const Selection& selection)
      : settings_(settings), host_(host), selection_(selection) {
    boundary_ = start;
    boundary_.index = 0;
    skip_records_ = start.index;
    if (settings_.resume_by_gtid && boundary_.gtid.empty()) {
      fail(FERRY_INVALID_ARGUMENT, "resume_by = 'gtid' but the start position has no GTID");
    }
    parse_gtid_state(boundary_.gtid);
    connect();
    // The schema history starts with the selected tables as they are now: the schema at the
    // start position when the stream opens near it (as a task's does, at its snapshot). DDL
    // events met later replace a table's entry; see on_table_map for what cannot be known.
    for (auto& t : read_catalog(*meta_, selection_).tables) {
      history_[{t.schema, t.name}] = std::move(t);
    }
  }

  ~BinlogStream() override { disconnect(); }

  OwnedBatch next() override;

 private:
  struct TableState {
    bl::TableMap map;
    std::vector<bl::ColumnInfo> info;
    SharedTable ref;
    bool selected = false;
  };

  void connect();
  void disconnect();
  void reconnect_or_fail(const Error& e);
  [[noreturn]] void fail_fetch();
  bool data_pending() const;
  void handle(std::span<const uint8_t> raw);
  void on_table_map(const bl::TableMap& tm);
  const std::optional<Table>& history(const std::string& schema, const std::string& table);
  void on_rows(const bl::RowsEvent& rows, const bl::Header& h);
  void begin_if_needed(const bl::Header& h);
  void on_ddl(const bl::Query& q, const bl::Header& h);
  void commit(const bl::Header& h);
  // Adds one record unless it is among the first `skip_records_` of the transaction (already
  // delivered before a reconnect). Returns false when skipped.
  bool count_record();
  uint32_t batch_table(const SharedTable& t);
  std::string gtid_state() const;
  void parse_gtid_state(const std::string& s);
  BinlogPosition in_txn_position() const {
    BinlogPosition p = txn_start_;
    p.index = txn_records_;
    return p;
  }
  BatchBuilder& out() {
    if (!out_) {
      out_.emplace(BatchBuilder::changes({}));
      batch_tables_.clear();
      rows_in_batch_ = 0;
    }
    return *out_;
  }

  SourceSettings settings_;
  Host host_;
  Selection selection_;
  std::unique_ptr<Connection> dump_;  // the replica connection (events)
  std::unique_ptr<Connection> meta_;  // information_schema reads for the schema history
  MARIADB_RPL* rpl_ = nullptr;
  MARIADB_RPL_EVENT* event_ = nullptr;
  std::optional<bl::FormatDescription> fde_;

  std::string file_;            // current binlog file
  BinlogPosition boundary_;     // after the last complete transaction
  BinlogPosition txn_start_;    // where the open transaction started
  bool in_txn_ = false;         // between BEGIN/GTID and COMMIT/XID
  bool begin_emitted_ = false;  // a BEGIN record went out for the open transaction
  bool standalone_ = false;     // MariaDB GTID flagged standalone (DDL): no BEGIN follows
  bool maria_group_ = false;    // inside a MariaDB GTID event group
  uint64_t txn_records_ = 0;    // records of the open transaction delivered (incl. BEGIN)
  uint64_t skip_records_ = 0;   // of the first transaction after (re)connect, already delivered
  uint64_t txn_seq_ = 0;
  std::map<uint32_t, std::string> gtid_;  // MariaDB domain → "d-s-n"

  std::unordered_map<uint64_t, TableState> maps_;
  std::map<std::pair<std::string, std::string>, std::optional<Table>> history_;
  // The batch table of each history entry (one per table until its history changes).
  std::map<std::pair<std::string, std::string>, SharedTable> refs_;
  std::chrono::steady_clock::time_point last_return_ = std::chrono::steady_clock::now();
  int64_t last_commit_us_ = 0;

  std::optional<BatchBuilder> out_;
  std::map<const TableRefHolder*, uint32_t> batch_tables_;
  uint32_t rows_in_batch_ = 0;
  bool flush_now_ = false;
  std::exception_ptr pending_error_;
  std::chrono::steady_clock::time_point last_heartbeat_out_{};
};

void BinlogStream::parse_gtid_state(const std::string& s) {
  gtid_.clear();
  size_t at = 0;
  while (at < s.size()) {
    size_t comma = s.find(',', at);
    if (comma == std::string::npos) comma = s.size();
    const std::string item = s.substr(at, comma - at);
    const auto dash = item.find('-');
    if (dash != std::string::npos) {
      try {
        gtid_[static_cast<uint32_t>(std::stoul(item.substr(0, dash)))] = item;
      } catch (const std::exception&) {
      }
    }
    at = comma + 1;
  }
}

std::string BinlogStream::gtid_state() const {
  std::string s;
  for (const auto& [d, g] : gtid_) s += (s.empty() ? "" : ",") + g;
  return s;
}

void BinlogStream::connect() {
  disconnect();
  ConnectOptions o = settings_.connect;
  // A healthy idle server sends a heartbeat every heartbeat_s; silence for longer than this
  // means a dead server or network, detected by the read timeout.
  o.read_timeout_s = std::min<unsigned>(o.read_timeout_s, std::max(5u, settings_.heartbeat_s * 5));
  dump_ = std::make_unique<Connection>(o);
  if (!meta_ || meta_->broken()) meta_ = std::make_unique<Connection>(settings_.connect);
  const bool mariadb = dump_->is_mariadb();
  if (settings_.resume_by_gtid && !mariadb) {
    fail(FERRY_NOT_SUPPORTED, "resume_by = 'gtid' is supported for MariaDB sources only");
  }
  dump_->exec("SET @master_binlog_checksum = @@global.binlog_checksum");
  dump_->exec("SET @master_heartbeat_period = " +
              std::to_string(static_cast<uint64_t>(settings_.heartbeat_s) * 1000000000ull));
  if (mariadb) {
    dump_->exec("SET @mariadb_slave_capability = 4");
    if (settings_.resume_by_gtid) {
      dump_->exec("SET @slave_connect_state = " + dump_->quote(boundary_.gtid));
      dump_->exec("SET @slave_gtid_strict_mode = 1");
      dump_->exec("SET @slave_gtid_ignore_duplicates = 0");
    }
  }
  rpl_ = mariadb_rpl_init(dump_->get());
  if (!rpl_) fail(FERRY_INTERNAL, "mariadb_rpl_init failed");
  const bool by_gtid = settings_.resume_by_gtid;
  const std::string file = by_gtid ? std::string() : boundary_.file;
  mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FILENAME, file.c_str(), file.size());
  mariadb_rpl_optionsv(rpl_, MARIADB_RPL_START,
                       by_gtid ? 4ul : static_cast<unsigned long>(boundary_.pos));
  mariadb_rpl_optionsv(rpl_, MARIADB_RPL_SERVER_ID, settings_.server_id);
  mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FLAGS, 0u);
  if (mariadb_rpl_open(rpl_) != 0) fail_fetch();
  file_ = boundary_.file;
  txn_start_ = boundary_;
  in_txn_ = false;
  begin_emitted_ = false;
  standalone_ = false;
  fde_.reset();
  maps_.clear();
  host_.debug("binlog stream: reading from " + boundary_.display() + " as server_id " +
              std::to_string(settings_.server_id));
}

void BinlogStream::disconnect() {
  if (event_) {
    mariadb_free_rpl_event(event_);
    event_ = nullptr;
  }
  if (rpl_) {
    mariadb_rpl_close(rpl_);
    rpl_ = nullptr;
  }
  dump_.reset();
}

void BinlogStream::fail_fetch() {
  const unsigned code = mysql_errno(dump_->get());
  const std::string msg = mysql_error(dump_->get());
  if (code == 0 && rpl_ && rpl_->error_no != 0) {
    // Connector/C's own event handling failed (not the network): retrying repeats it.
    fail(FERRY_INTERNAL, settings_.connect.where() + ": binlog stream at " + boundary_.display() +
                             ": the client library failed on an event: " + rpl_->error_msg +
                             " (error " + std::to_string(rpl_->error_no) + ")");
  }
  const std::string where = settings_.connect.where() + ": binlog stream at " + boundary_.display();
  if (code == ER_MASTER_FATAL_ERROR_READING_BINLOG) {  // 1236
    if (msg.find("Could not find first log file") != std::string::npos ||
        msg.find("purged") != std::string::npos || msg.find("not find GTID") != std::string::npos ||
        msg.find("GTID") != std::string::npos) {
      fail(FERRY_DATA_LOSS,
           where + ": the binlog this task must read from is no longer on the server (" + msg +
               "). Changes since then are lost to ferry: the task cannot continue without a "
               "gap. Start a new full migration, and raise binlog retention "
               "(binlog_expire_logs_seconds) above the migration's length.");
    }
    fail(FERRY_DATA_LOSS, where + ": the server cannot send the binlog: " + msg);
  }
  if (code == 4052 || msg.find("same server_uuid/server_id") != std::string::npos) {
    fail(FERRY_INVALID_ARGUMENT, where + ": another replica connected with this task's server_id " +
                                     std::to_string(settings_.server_id) + " (" + msg +
                                     "); set a unique server_id in the task's source config");
  }
  if (code == ER_SPECIFIC_ACCESS_DENIED_ERROR || code == ER_ACCESS_DENIED_ERROR ||
      msg.find("REPLICATION SLAVE") != std::string::npos) {
    fail(FERRY_INVALID_ARGUMENT,
         where + ": " + msg + " — GRANT REPLICATION SLAVE ON *.* to the ferry user");
  }
  fail(status_of_mysql_error(code == 0 ? 2013 : code),
       where + ": " + (msg.empty() ? std::string(rpl_ ? rpl_->error_msg : "read failed") : msg) +
           " (error " + std::to_string(code) + ")");
}

bool BinlogStream::data_pending() const {
  if (!dump_) return false;
  pollfd p{};
  p.fd = static_cast<int>(mysql_get_socket(dump_->get()));
  p.events = POLLIN;
  return ::poll(&p, 1, 0) > 0;
}

const std::optional<Table>& BinlogStream::history(const std::string& schema,
                                                  const std::string& table) {
  auto key = std::make_pair(schema, table);
  auto it = history_.find(key);
  if (it == history_.end()) it = history_.emplace(key, read_table(*meta_, schema, table)).first;
  return it->second;
}

void BinlogStream::on_table_map(const bl::TableMap& tm) {
  TableState st;
  st.map = tm;
  st.selected = selection_.matches(tm.schema, tm.table);
  if (!st.selected) {
    maps_[tm.table_id] = std::move(st);
    return;
  }
  const size_t n = tm.types.size();
  const auto& hist = history(tm.schema, tm.table);
  bool hist_ok = hist && hist->columns.size() == n;
  for (size_t i = 0; hist_ok && i < n; ++i) {
    hist_ok = compatible(tm.types[i], tm.meta[i], hist->columns[i]);
  }
  if (bl::has_full_metadata(tm)) {
    st.info = bl::columns_from_metadata(tm);
    // The event's own column names decide: a history entry of the same shape but other
    // columns (the table changed later) must not relabel the values.
    for (size_t i = 0; hist_ok && i < n; ++i) {
      hist_ok = st.info[i].name == hist->columns[i].name &&
                st.info[i].is_unsigned == ((hist->columns[i].flags & FERRY_COLUMN_UNSIGNED) != 0);
    }
    TableSchema ts;
    if (hist_ok) {
      ts = schema_of(*hist);
      for (size_t i = 0; i < n; ++i) {
        st.info[i].json = ts.columns[i].type == FERRY_TYPE_JSON;
        st.info[i].temporal_precision = temporal_precision_of(ts.columns[i]);
      }
    } else {
      ts.schema = tm.schema;
      ts.name = tm.table;
      for (size_t i = 0; i < n; ++i) {
        Column c;
        c.name = st.info[i].name;
        c.type = logical_of_binlog_type(tm.types[i], tm.meta[i]);
        if (st.info[i].is_unsigned) c.flags |= FERRY_COLUMN_UNSIGNED;
        if (!tm.nullable.empty() && !tm.nullable[i]) c.flags &= ~FERRY_COLUMN_NULLABLE;
        c.labels = st.info[i].labels;
        ts.columns.push_back(std::move(c));
      }
      for (size_t k : tm.optional.primary_key) {
        if (k < ts.columns.size()) ts.columns[k].flags |= FERRY_COLUMN_IN_PRIMARY_KEY;
      }
    }
    st.ref = make_table(std::move(ts));
  } else {
    if (!hist_ok) {
      fail(FERRY_DATA_LOSS,
           "binlog at " + file_ + ":" + std::to_string(boundary_.pos) + ": rows of " +
               qualified(tm.schema, tm.table) + " were written with " + std::to_string(n) +
               " columns of other types than the table has now (" +
               (hist ? std::to_string(hist->columns.size()) + " columns"
                     : std::string("it no longer exists")) +
               "), and the binlog carries no column metadata to decode them exactly. Set "
               "binlog_row_metadata = FULL on the source (for events written from then on), "
               "or restart the migration from a new snapshot.");
    }
    for (const auto& c : hist->columns) {
      bl::ColumnInfo ci;
      ci.name = c.name;
      ci.is_unsigned = (c.flags & FERRY_COLUMN_UNSIGNED) != 0;
      ci.charset = charset_of(c);
      ci.labels = c.labels;
      ci.json = c.type == FERRY_TYPE_JSON;
      ci.temporal_precision = temporal_precision_of(c);
      if (ci.charset == bl::Charset::Other) {
        fail(FERRY_NOT_SUPPORTED, "column " + qualified(tm.schema, tm.table) + "." +
                                      quote_ident(c.name) + " uses character set " +
                                      c.charset.value_or("?") +
                                      ", which the binlog decoder does not convert; supported: "
                                      "utf8mb4, utf8mb3, latin1, ascii, binary");
      }
      st.info.push_back(std::move(ci));
    }
    auto& ref = refs_[{tm.schema, tm.table}];
    if (!ref) ref = make_table(schema_of(*hist));
    st.ref = ref;
  }
  maps_[tm.table_id] = std::move(st);
}

uint32_t BinlogStream::batch_table(const SharedTable& t) {
  out();  // a new batch starts with no tables (and clears the index of the last one)
  auto it = batch_tables_.find(t.get());
  if (it != batch_tables_.end()) return it->second;
  const uint32_t idx = out().add_table(t);
  batch_tables_[t.get()] = idx;
  return idx;
}

bool BinlogStream::count_record() {
  ++txn_records_;
  return txn_records_ > skip_records_;
}

void BinlogStream::begin_if_needed(const bl::Header& h) {
  if (begin_emitted_) return;
  begin_emitted_ = true;
  if (count_record()) {
    ++txn_seq_;  // not again for a BEGIN delivered before a reconnect
    const auto pos = in_txn_position().encode();
    out().add_record(FERRY_OP_BEGIN, FERRY_NO_TABLE, FERRY_NO_ROW, FERRY_NO_ROW, txn_seq_,
                     static_cast<int64_t>(h.timestamp) * 1000000, pos);
  }
}

void BinlogStream::commit(const bl::Header& h) {
  boundary_.file = file_;
  boundary_.pos = h.next_pos;
  boundary_.gtid = gtid_state();
  boundary_.index = 0;
  last_commit_us_ = static_cast<int64_t>(h.timestamp) * 1000000;
  const auto now = std::chrono::steady_clock::now();
  if (begin_emitted_) {
    const auto pos = boundary_.encode();
    out().add_record(FERRY_OP_COMMIT, FERRY_NO_TABLE, FERRY_NO_ROW, FERRY_NO_ROW, txn_seq_,
                     last_commit_us_, pos);
    flush_now_ = true;
  } else if (now - last_heartbeat_out_ >= std::chrono::seconds(1)) {
    // Transactions of other tables move the position too: say so about once a second, so a
    // consumer's checkpoint follows even when none of its tables change.
    last_heartbeat_out_ = now;
    out().add_record(FERRY_OP_HEARTBEAT, FERRY_NO_TABLE, FERRY_NO_ROW, FERRY_NO_ROW, 0,
                     last_commit_us_, boundary_.encode());
    flush_now_ = true;
  }
  maps_.clear();  // a TABLE_MAP is valid for its own transaction only
  in_txn_ = false;
  begin_emitted_ = false;
  standalone_ = false;
  maria_group_ = false;
  txn_records_ = 0;
  skip_records_ = 0;
  txn_start_ = boundary_;
}

void BinlogStream::on_rows(const bl::RowsEvent& rows, const bl::Header& h) {
  auto it = maps_.find(rows.table_id);
  if (it == maps_.end()) {
    fail(FERRY_DATA_LOSS, "binlog at " + file_ + ":" + std::to_string(h.next_pos) +
                              ": a row event for table id " + std::to_string(rows.table_id) +
                              " without its TABLE_MAP event");
  }
  TableState& st = it->second;
  if (!st.selected) return;
  // A partial row image cannot be applied exactly: never skip, stop.
  auto full = [&](const std::vector<uint8_t>& bits) {
    for (uint32_t i = 0; i < rows.column_count; ++i) {
      if (!(bits[i / 8] & (1u << (i % 8)))) return false;
    }
    return true;
  };
  if (!full(rows.present) || (rows.kind == bl::RowsKind::Update && !full(rows.present_after))) {
    fail(FERRY_DATA_LOSS,
         "binlog at " + file_ + ":" + std::to_string(h.next_pos) + ": a row event of " +
             qualified(st.map.schema, st.map.table) +
             " carries a partial row image (binlog_row_image is not FULL for the session that "
             "wrote it). ferry cannot apply partial images exactly. Set binlog_row_image = FULL "
             "globally, make sure no application changes it per session, and restart the "
             "migration from a new snapshot.");
  }
  begin_if_needed(h);
  const uint32_t ncols = static_cast<uint32_t>(st.info.size());
  std::span<const uint8_t> data = rows.rows;
  const int64_t ts = static_cast<int64_t>(h.timestamp) * 1000000;
  while (!data.empty()) {
    const bool emit = count_record();
    if (!emit) {
      // Already delivered before the reconnect: decode into a scratch batch to advance.
      BatchBuilder scratch = BatchBuilder::changes({});
      size_t used = bl::decode_row(st.map, st.info, rows.present, data, scratch);
      data = data.subspan(used);
      if (rows.kind == bl::RowsKind::Update) {
        used = bl::decode_row(st.map, st.info, rows.present_after, data, scratch);
        data = data.subspan(used);
      }
      continue;
    }
    BatchBuilder& b = out();
    const uint32_t t = batch_table(st.ref);
    const uint64_t first = b.next_cell();
    size_t used = bl::decode_row(st.map, st.info, rows.present, data, b);
    data = data.subspan(used);
    const auto pos = in_txn_position().encode();
    switch (rows.kind) {
      case bl::RowsKind::Write:
        b.add_record(FERRY_OP_INSERT, t, FERRY_NO_ROW, first, txn_seq_, ts, pos);
        break;
      case bl::RowsKind::Delete:
        b.add_record(FERRY_OP_DELETE, t, first, FERRY_NO_ROW, txn_seq_, ts, pos);
        break;
      case bl::RowsKind::Update: {
        const uint64_t after = b.next_cell();
        used = bl::decode_row(st.map, st.info, rows.present_after, data, b);
        data = data.subspan(used);
        b.add_record(FERRY_OP_UPDATE, t, first, after, txn_seq_, ts, pos);
        break;
      }
    }
    (void)ncols;
    ++rows_in_batch_;
  }
}

void BinlogStream::handle(std::span<const uint8_t> raw) {
  const bl::Event ev = bl::split_event(raw, fde_ ? &*fde_ : nullptr);
  const bl::Header& h = ev.header;
  switch (h.type) {
    case bl::FORMAT_DESCRIPTION_EVENT:
      fde_ = bl::parse_format_description(ev);
      return;
    case bl::ROTATE_EVENT: {
      const bl::Rotate r = bl::parse_rotate(ev);
      file_ = r.next_file;
      if (!in_txn_) {
        boundary_.file = r.next_file;
        boundary_.pos = r.position;
        txn_start_ = boundary_;
      }
      return;
    }
    case bl::HEARTBEAT_LOG_EVENT: {
      // Not while resending a transaction partly delivered before a reconnect: a position at
      // its start would deliver its first records again.
      if (in_txn_ || skip_records_ > 0) return;
      const auto now = std::chrono::steady_clock::now();
      if (now - last_heartbeat_out_ < std::chrono::seconds(1)) return;
      last_heartbeat_out_ = now;
      // Nothing of interest since the boundary: the position a consumer may checkpoint.
      const auto pos = boundary_.encode();
      out().add_record(FERRY_OP_HEARTBEAT, FERRY_NO_TABLE, FERRY_NO_ROW, FERRY_NO_ROW, 0,
                       last_commit_us_, pos);  // heartbeats carry no time of their own
      flush_now_ = true;
      return;
    }
    default:
      break;
  }
  if (!fde_) return;  // nothing but rotate/FDE is expected before the first FDE
  switch (h.type) {
    case bl::MARIA_GTID_EVENT: {
      const bl::MariaGtid g = bl::parse_maria_gtid(ev);
      gtid_[g.domain_id] = std::to_string(g.domain_id) + "-" + std::to_string(h.server_id) + "-" +
                           std::to_string(g.seq_no);
      in_txn_ = true;
      maria_group_ = true;
      standalone_ = g.standalone;
      txn_start_ = boundary_;
      return;
    }
    case bl::QUERY_EVENT: {
      const bl::Query q = bl::parse_query(ev, *fde_);
      const std::string head = upper_prefix(q.sql, 24);
      auto starts = [&](const char* w) { return head.rfind(w, 0) == 0; };
      if (starts("BEGIN")) {
        in_txn_ = true;
        return;
      }
      if (starts("COMMIT")) {
        commit(h);
        return;
      }
      if (starts("SAVEPOINT")) return;
      if (starts("XA ") || starts("ROLLBACK")) {
        // XA transactions are prepared and resolved later (possibly rolled back), and a logged
        // ROLLBACK [TO SAVEPOINT] means rows of a mixed transactional/non-transactional
        // transaction were undone: delivering their rows would be wrong, skipping them too.
        fail(FERRY_NOT_SUPPORTED,
             "binlog at " + file_ + ":" + std::to_string(h.next_pos) + ": '" + q.sql.substr(0, 60) +
                 "': XA transactions and rolled-back mixed-engine transactions cannot be "
                 "replicated exactly by ferry yet; avoid them on the source during migration");
      }
      if (starts("INSERT") || starts("UPDATE") || starts("DELETE") || starts("REPLACE") ||
          starts("LOAD") || starts("CALL")) {
        fail(FERRY_DATA_LOSS,
             "binlog at " + file_ + ":" + std::to_string(h.next_pos) +
                 ": a data change logged as a statement ('" + q.sql.substr(0, 60) +
                 "'): a session wrote with binlog_format STATEMENT or MIXED. ferry reads row "
                 "events only; set binlog_format = ROW globally, keep applications from "
                 "changing it, and restart the migration from a new snapshot.");
      }
      on_ddl(q, h);
      return;
    }
    case bl::XID_EVENT:
      commit(h);
      return;
    case bl::TABLE_MAP_EVENT:
      on_table_map(bl::parse_table_map(ev, *fde_));
      return;
    case bl::WRITE_ROWS_EVENT_V1:
    case bl::UPDATE_ROWS_EVENT_V1:
    case bl::DELETE_ROWS_EVENT_V1:
    case bl::WRITE_ROWS_EVENT_V2:
    case bl::UPDATE_ROWS_EVENT_V2:
    case bl::DELETE_ROWS_EVENT_V2:
      in_txn_ = true;
      on_rows(bl::parse_rows(ev, *fde_), h);
      return;
    case bl::INCIDENT_EVENT:
      fail(FERRY_DATA_LOSS, "binlog at " + file_ + ":" + std::to_string(h.next_pos) +
                                ": the source logged an INCIDENT (changes were lost on the "
                                "source's side); the change stream cannot continue exactly. "
                                "Restart the migration from a new snapshot.");
    case bl::XA_PREPARE_LOG_EVENT:
      fail(FERRY_NOT_SUPPORTED, "binlog at " + file_ + ":" + std::to_string(h.next_pos) +
                                    ": XA PREPARE: XA transactions cannot be replicated by "
                                    "ferry yet; avoid them on the source during migration");
    case bl::PARTIAL_UPDATE_ROWS_EVENT:
      fail(FERRY_NOT_SUPPORTED,
           "binlog at " + file_ + ":" + std::to_string(h.next_pos) +
               ": a partial JSON update (binlog_row_value_options = PARTIAL_JSON): set "
               "binlog_row_value_options = '' on the source");
    case bl::TRANSACTION_PAYLOAD_EVENT:
      fail(FERRY_NOT_SUPPORTED, "binlog at " + file_ + ":" + std::to_string(h.next_pos) +
                                    ": a compressed transaction (binlog_transaction_compression "
                                    "= ON): turn it off on the source");
    case bl::QUERY_COMPRESSED_EVENT:
      fail(FERRY_NOT_SUPPORTED, "binlog at " + file_ + ":" + std::to_string(h.next_pos) +
                                    ": a compressed event (log_bin_compress = ON): turn it off "
                                    "on the source");
    default:
      if (h.type >= 166 && h.type <= 171) {
        (void)bl::parse_rows(ev, *fde_);  // throws the clear "compressed rows" error
      }
      return;  // GTID_LIST, BINLOG_CHECKPOINT, ANNOTATE_ROWS, PREVIOUS_GTIDS, ...
  }
}

void BinlogStream::on_ddl(const bl::Query& q, const bl::Header& h) {
  const DdlObject obj = ddl_object(q.sql, q.schema);
  // The schema history of the tables the statement names is stale from here (all of it when
  // it names none we can tell).
  if (obj.tables.empty() || obj.rename) {
    history_.clear();
  } else {
    for (const auto& t : obj.tables) history_.erase(t);
  }
  refs_.clear();
  bool selected = false;
  for (const auto& [sc, tb] : obj.tables) selected |= selection_.matches(sc, tb);
  in_txn_ = true;
  if (selected) {
    begin_if_needed(h);
    if (count_record()) {
      BatchBuilder& b = out();
      TableSchema ts;
      ts.schema = obj.tables.front().first;
      ts.name = obj.tables.front().second;
      const uint32_t t = b.add_table(make_table(std::move(ts)));
      batch_tables_.clear();  // the DDL's table entry is not the row table of that name
      uint64_t first = FERRY_NO_ROW;
      if (!obj.truncate) {
        first = b.next_cell();
        b.add_cell(q.sql);
      }
      b.add_record(obj.truncate ? FERRY_OP_TRUNCATE : FERRY_OP_DDL, t, FERRY_NO_ROW, first,
                   txn_seq_, static_cast<int64_t>(h.timestamp) * 1000000,
                   in_txn_position().encode());
    }
  } else if (obj.tables.empty()) {
    host_.debug("binlog: statement not replicated (not table DDL): " + q.sql.substr(0, 80));
  }
  // DDL commits implicitly — except in a MariaDB GTID group that is not standalone
  // (CREATE TABLE ... SELECT: its rows and XID follow in the same group).
  if (!maria_group_ || standalone_) commit(h);
}

void BinlogStream::reconnect_or_fail(const Error& e) {
  if (e.status() != FERRY_UNAVAILABLE) throw e;
  for (unsigned attempt = 1;; ++attempt) {
    if (attempt > settings_.reconnect_attempts) {
      fail(FERRY_UNAVAILABLE, std::string(e.what()) + " (gave up after " +
                                  std::to_string(settings_.reconnect_attempts) + " reconnects)");
    }
    const auto wait = std::chrono::milliseconds(std::min(30000u, 250u << std::min(attempt, 7u)));
    host_.warn(std::string("binlog stream lost (") + e.what() + "); reconnecting in " +
               std::to_string(wait.count()) + " ms, attempt " + std::to_string(attempt));
    const auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      if (host_.cancelled()) fail(FERRY_CANCELLED, "stopped");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    try {
      // Resume at the last transaction boundary; the open transaction's records delivered so
      // far are recognised by their count and not delivered again.
      skip_records_ = std::max(skip_records_, txn_records_);
      txn_records_ = 0;
      begin_emitted_ = false;
      connect();
      return;
    } catch (const Error& again) {
      if (again.status() != FERRY_UNAVAILABLE) throw;
    }
  }
}

OwnedBatch BinlogStream::next() {
  if (pending_error_) {
    // The records decoded before the failure went out with the previous batch.
    std::rethrow_exception(std::exchange(pending_error_, nullptr));
  }
  flush_now_ = false;
  for (;;) {
    if (host_.cancelled()) fail(FERRY_CANCELLED, "stopped");
    if (out_ &&
        (rows_in_batch_ >= settings_.change_batch_rows ||
         out_->data_bytes() >= settings_.batch_bytes ||
         (flush_now_ && (!data_pending() || std::chrono::steady_clock::now() - last_return_ >=
                                                std::chrono::milliseconds(100))))) {
      if (!out_->empty()) {
        OwnedBatch b = OwnedBatch::from(std::move(*out_));
        out_.reset();
        last_return_ = std::chrono::steady_clock::now();
        return b;
      }
    }
    try {
      if (!rpl_) connect();
      MARIADB_RPL_EVENT* ev = mariadb_rpl_fetch(rpl_, event_);
      if (!ev) {
        // On failure the library may have released the event it was given: never free it.
        event_ = nullptr;
        fail_fetch();
      }
      event_ = ev;
      std::span<const uint8_t> raw(ev->raw_data, ev->raw_data_size);
      // Connector/C keeps the packet's leading OK byte in raw_data on some versions.
      if (raw.size() >= 20 && raw[0] == 0 && detail_event_size(raw.subspan(1)) == raw.size() - 1) {
        raw = raw.subspan(1);
      }
      handle(raw);
    } catch (const Error& e) {
      try {
        reconnect_or_fail(e);
      } catch (const Error&) {
        // Deliver what was decoded before the failure first; the error follows on the next
        // call (the consumer checkpoints everything it got).
        if (out_ && !out_->empty()) {
          pending_error_ = std::current_exception();
          OwnedBatch b = OwnedBatch::from(std::move(*out_));
          out_.reset();
          return b;
        }
        throw;
      }
    }
  }
}

std::unique_ptr<BatchStream> open_binlog_stream(const SourceSettings& settings, const Host& host,
                                                const BinlogPosition& start,
                                                const Selection& selection) {
  if (start.file.empty() && !settings.resume_by_gtid) {
    fail(FERRY_INVALID_ARGUMENT, "the start position names no binlog file");
  }
  return std::make_unique<BinlogStream>(settings, host, start, selection);
}

}  // namespace ferry::mysql
