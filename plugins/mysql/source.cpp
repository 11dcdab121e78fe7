#include "source.hpp"

#include <nlohmann/json.hpp>

#include "precheck.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "changes.hpp"
#include "key_range.hpp"
#include "row_stream.hpp"
#include "values.hpp"
#include "verify_read.hpp"

namespace ferry::mysql {

uint32_t derived_server_id(const std::string& task_id) {
  // FNV-1a; stable across builds and platforms.
  uint32_t h = 2166136261u;
  for (unsigned char c : task_id) {
    h ^= c;
    h *= 16777619u;
  }
  return 100000u + h % (2147483647u - 100000u);
}

SourceSettings SourceSettings::from_config(const Config& config, const std::string& task_id) {
  SourceSettings s;
  s.connect = ConnectOptions::from_config(config, "source");
  const int64_t id = config.get_int("server_id", 0);
  if (id < 0 || id > 4294967295LL) {
    fail(FERRY_INVALID_ARGUMENT,
         "source: server_id must be 1-4294967295 (0 = derived from the "
         "task id), got " +
             std::to_string(id));
  }
  s.server_id = id == 0 ? derived_server_id(task_id) : static_cast<uint32_t>(id);
  const int64_t bytes = config.get_int("batch_bytes", 8 << 20);
  if (bytes < 4096 || bytes > (1LL << 31)) {
    fail(FERRY_INVALID_ARGUMENT,
         "source: batch_bytes must be 4096-2147483648, got " + std::to_string(bytes));
  }
  s.batch_bytes = static_cast<size_t>(bytes);
  const int64_t rows = config.get_int("change_batch_rows", 1000);
  if (rows < 1 || rows > 1000000) {
    fail(FERRY_INVALID_ARGUMENT,
         "source: change_batch_rows must be 1-1000000, got " + std::to_string(rows));
  }
  s.change_batch_rows = static_cast<uint32_t>(rows);
  s.resume_by_gtid = config.get_string("resume_by", "file") == "gtid";
  const std::string by = config.get_string("resume_by", "file");
  if (by != "file" && by != "gtid") {
    fail(FERRY_INVALID_ARGUMENT, "source: resume_by must be 'file' or 'gtid', got '" + by + "'");
  }
  s.reconnect_attempts =
      static_cast<unsigned>(std::clamp<int64_t>(config.get_int("reconnect_attempts", 10), 0, 1000));
  return s;
}

MysqlSource::MysqlSource(const CreateContext& ctx)
    : host_(ctx.host),
      task_id_(ctx.task_id),
      settings_(SourceSettings::from_config(ctx.config, ctx.task_id)) {}

MysqlSource::~MysqlSource() = default;

std::shared_ptr<Connection> MysqlSource::reader() {
  if (!reader_ || reader_->broken() || reader_.use_count() > 1) {
    // A stream still holds the old connection (or it broke): take a fresh one. An open
    // snapshot transaction does not survive this.
    if (reader_ && snapshot_open_ && reader_->broken()) {
      // Sticky until snapshot_position() opens a new one: reading the remaining splits in
      // fresh snapshots would not match the position the change stream starts from.
      snapshot_lost_ = true;
      snapshot_open_ = false;
    }
    if (snapshot_lost_) {
      fail(FERRY_UNAVAILABLE, settings_.connect.where() +
                                  ": the connection holding the consistent snapshot was lost; "
                                  "the snapshot must be opened again");
    }
    if (!reader_ || reader_->broken()) {
      reader_ = std::make_shared<Connection>(settings_.connect);
    } else {
      fail(FERRY_INVALID_ARGUMENT,
           "the previous snapshot stream of this source instance is still open: read it to the "
           "end or release it before opening another (one stream per instance)");
    }
  }
  return reader_;
}

const Table& MysqlSource::table(const std::string& schema, const std::string& name) {
  auto key = std::make_pair(schema, name);
  auto it = tables_.find(key);
  if (it == tables_.end()) {
    auto t = read_table(*reader(), schema, name);
    if (!t) {
      fail(FERRY_INVALID_ARGUMENT,
           settings_.connect.where() + ": table " + qualified(schema, name) + " does not exist");
    }
    it = tables_.emplace(key, std::move(*t)).first;
  }
  return it->second;
}

SharedTable MysqlSource::table_ref(const std::string& schema, const std::string& name) {
  auto key = std::make_pair(schema, name);
  auto it = refs_.find(key);
  if (it == refs_.end()) it = refs_.emplace(key, make_table(schema_of(table(schema, name)))).first;
  return it->second;
}

// ---- precheck -------------------------------------------------------------------------------

namespace {}  // namespace

std::string MysqlSource::precheck() {
  nlohmann::json out = nlohmann::json::array();
  std::shared_ptr<Connection> conn;
  try {
    conn = reader();
  } catch (const Error& e) {
    out.push_back(common::precheck_item(
        "connect", "failed", e.what(), "check host, port, user and password of the task's source"));
    return out.dump();
  }
  out.push_back(common::precheck_item("connect", "passed",
                                      conn->options().where() + " " + conn->server_version()));
  auto var = [&](const char* name) {
    return conn->query_value(std::string("SELECT @@GLOBAL.") + name).value_or("");
  };
  auto upper = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
  };
  const std::string log_bin = var("log_bin");
  out.push_back(log_bin == "1" || upper(log_bin) == "ON"
                    ? common::precheck_item("log_bin", "passed", "binary logging is on")
                    : common::precheck_item("log_bin", "failed",
                                            "binary logging is off: no change stream",
                                            "start the server with log_bin (and restart it)"));
  const std::string format = upper(var("binlog_format"));
  out.push_back(format == "ROW"
                    ? common::precheck_item("binlog_format", "passed", "ROW")
                    : common::precheck_item("binlog_format", "failed", "binlog_format is " + format,
                                            "SET GLOBAL binlog_format = 'ROW' (and in my.cnf)"));
  const std::string image = upper(var("binlog_row_image"));
  out.push_back(image == "FULL" ? common::precheck_item("binlog_row_image", "passed", "FULL")
                                : common::precheck_item(
                                      "binlog_row_image", "failed", "binlog_row_image is " + image,
                                      "SET GLOBAL binlog_row_image = 'FULL' (and in my.cnf)"));
  try {
    const std::string meta = upper(var("binlog_row_metadata"));
    out.push_back(meta == "FULL"
                      ? common::precheck_item("binlog_row_metadata", "passed",
                                              "FULL: every row event names its "
                                              "columns")
                      : common::precheck_item(
                            "binlog_row_metadata", "warning",
                            "binlog_row_metadata is " + meta +
                                ": rows are decoded with the schema ferry tracks from DDL "
                                "events; a table changed by DDL while ferry was not reading "
                                "the binlog stops the stream with an error",
                            "SET GLOBAL binlog_row_metadata = 'FULL' (and in my.cnf)"));
  } catch (const Error&) {
    // Servers before MariaDB 10.5 / MySQL 8.0.1 have no such variable.
  }
  // Binlog retention: the change stream needs the logs from the snapshot on.
  try {
    const std::string secs =
        conn->is_mariadb() ? var("binlog_expire_logs_seconds") : var("binlog_expire_logs_seconds");
    const long long s = secs.empty() ? 0 : std::stoll(secs);
    if (s != 0 && s < 86400) {
      out.push_back(
          common::precheck_item("binlog_retention", "warning",
                                "binlogs expire after " + secs +
                                    " s: a long full migration can lose "
                                    "the start of its change stream",
                                "raise binlog_expire_logs_seconds to cover the whole migration"));
    } else {
      out.push_back(
          common::precheck_item("binlog_retention", "passed",
                                s == 0 ? "binlogs do not expire" : "binlogs kept " + secs + " s"));
    }
  } catch (const std::exception&) {
  }
  // The replica id must be unique among the server's replicas and differ from its own.
  const std::string own = var("server_id");
  if (own == std::to_string(settings_.server_id)) {
    out.push_back(
        common::precheck_item("server_id", "failed",
                              "the task's server_id " + std::to_string(settings_.server_id) +
                                  " equals the source server's own server_id",
                              "set server_id in the task's source config to an unused value"));
  } else {
    // Replicas that registered with the source (those that report a host) by server_id.
    bool taken = false;
    try {
      for (auto& r : conn->query("SHOW SLAVE HOSTS").rows) {
        taken |= !r.empty() && r[0] == std::to_string(settings_.server_id);
      }
    } catch (const Error&) {
      // Needs REPLICATION MASTER ADMIN on MariaDB ≥ 10.5.2; the stream still detects a clash.
    }
    out.push_back(
        taken ? common::precheck_item("server_id", "failed",
                                      "another replica of the source uses server_id " +
                                          std::to_string(settings_.server_id),
                                      "set an unused server_id in the task's source config")
              : common::precheck_item("server_id", "passed",
                                      "replica server_id " + std::to_string(settings_.server_id)));
  }
  // Privileges.
  try {
    std::string grants;
    for (auto& r : conn->query("SHOW GRANTS").rows) grants += upper(r[0].value_or("")) + "\n";
    const bool all = grants.find("ALL PRIVILEGES ON *.*") != std::string::npos;
    const bool repl = all || grants.find("REPLICATION SLAVE") != std::string::npos ||
                      grants.find("REPLICATION REPLICA") != std::string::npos;
    const bool monitor = all || grants.find("REPLICATION CLIENT") != std::string::npos ||
                         grants.find("BINLOG MONITOR") != std::string::npos;
    out.push_back(
        repl
            ? common::precheck_item("privilege_replication", "passed", "REPLICATION SLAVE")
            : common::precheck_item("privilege_replication", "failed",
                                    "the user lacks REPLICATION SLAVE: the change stream will fail",
                                    "GRANT REPLICATION SLAVE ON *.* TO the ferry user"));
    out.push_back(
        monitor
            ? common::precheck_item("privilege_monitor", "passed", "REPLICATION CLIENT")
            : common::precheck_item("privilege_monitor", "failed",
                                    "the user lacks REPLICATION CLIENT / BINLOG MONITOR: binlog "
                                    "positions cannot be read",
                                    "GRANT REPLICATION CLIENT ON *.* TO the ferry user"));
  } catch (const Error& e) {
    out.push_back(common::precheck_item("privileges", "warning", e.what()));
  }
  return out.dump();
}

// ---- catalog --------------------------------------------------------------------------------

Catalog MysqlSource::discover(const std::string& selection_json) {
  const Selection sel = parse_selection(selection_json.c_str());
  Catalog cat = read_catalog(*reader(), sel);
  selection_ = sel;  // the change stream of this instance delivers the same tables
  for (const auto& t : cat.tables) {
    tables_[{t.schema, t.name}] = t;
    refs_.erase({t.schema, t.name});
  }
  return cat;
}

// ---- snapshot -------------------------------------------------------------------------------

namespace {

// Starts a consistent snapshot on `conn` and returns the binlog position it corresponds to.
BinlogPosition start_snapshot(Connection& conn) {
  BinlogPosition p;
  if (conn.is_mariadb()) {
    conn.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    for (auto& r : conn.query("SHOW STATUS LIKE 'binlog_snapshot_%'").rows) {
      if (r[0] == "Binlog_snapshot_file") p.file = r[1].value_or("");
      if (r[0] == "Binlog_snapshot_position") p.pos = std::stoull(r[1].value_or("0"));
    }
    if (p.file.empty()) {
      conn.exec("ROLLBACK");
      fail(FERRY_INVALID_ARGUMENT, conn.options().where() +
                                       ": the server reports no binlog snapshot position: is "
                                       "binary logging (log_bin) on?");
    }
    p.gtid = conn.query_value("SELECT BINLOG_GTID_POS(" + conn.quote(p.file) + ", " +
                              std::to_string(p.pos) + ")")
                 .value_or("");
    return p;
  }
  // MySQL has no binlog_snapshot_* status: hold a global read lock for the instant it takes
  // to start the snapshot and read the position (needs RELOAD).
  conn.exec("FLUSH TABLES WITH READ LOCK");
  try {
    conn.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    Rows st = conn.query("SHOW MASTER STATUS");
    if (st.empty()) {
      fail(FERRY_INVALID_ARGUMENT,
           conn.options().where() + ": SHOW MASTER STATUS is empty: is log_bin on?");
    }
    p.file = st.rows[0][0].value_or("");
    p.pos = std::stoull(st.rows[0][1].value_or("0"));
    if (st.rows[0].size() > 4) p.gtid = st.rows[0][4].value_or("");
  } catch (...) {
    conn.exec("UNLOCK TABLES");
    throw;
  }
  conn.exec("UNLOCK TABLES");
  return p;
}

}  // namespace

Position MysqlSource::snapshot_position() {
  snapshot_lost_ = false;  // a new snapshot replaces a lost one
  auto conn = reader();
  if (snapshot_open_) {
    conn->exec("COMMIT");
    snapshot_open_ = false;
  }
  const BinlogPosition p = start_snapshot(*conn);
  snapshot_open_ = true;
  host_.info("consistent snapshot opened at " + p.display());
  return p.to_position();
}

std::vector<Split> MysqlSource::plan_splits(const TableSchema& ref, uint64_t target_rows) {
  const Table& t = table(ref.schema, ref.name);
  const auto key_names = chunk_key(t);
  Split whole;
  whole.schema = t.schema;
  whole.table = t.name;
  whole.row_estimate = t.row_estimate;
  whole.bounds = to_bytes("mysql-split-v1");
  if (key_names.empty()) {
    whole.display = "whole table (no primary key or NOT NULL unique key)";
    return {whole};
  }
  const auto key = key_columns(t, key_names);
  whole.key_columns = key_names;
  whole.display = "whole table";
  if (target_rows == 0) target_rows = 100000;
  const int64_t est = std::max<int64_t>(t.row_estimate, 0);
  if (static_cast<uint64_t>(est) <= target_rows + target_rows / 2) return {whole};

  auto conn = reader();
  std::string index_name = "PRIMARY";
  for (const auto& x : t.indexes) {
    if (x.columns == key_names && (x.kind == FERRY_INDEX_PRIMARY || x.kind == FERRY_INDEX_UNIQUE)) {
      index_name = x.name;
      break;
    }
  }
  const std::string from =
      qualified(t.schema, t.name) + " FORCE INDEX (" + quote_ident(index_name) + ")";
  std::vector<TextForm> forms;
  for (const auto* c : key) forms.push_back(text_form_of(*c));
  std::vector<std::vector<std::string>> bounds;  // canonical lower bounds of splits 2..n

  const bool single_int =
      key.size() == 1 && key[0]->type >= FERRY_TYPE_INT8 && key[0]->type <= FERRY_TYPE_INT64;
  bool dense_done = false;
  if (single_int) {
    Rows mm = conn->query("SELECT MIN(" + quote_ident(key[0]->name) + "), MAX(" +
                          quote_ident(key[0]->name) + ") FROM " + from);
    int64_t lo = 0, hi = 0;
    const auto& lo_s = mm.rows.at(0)[0];
    const auto& hi_s = mm.rows.at(0)[1];
    if (!lo_s || !hi_s) return {whole};  // empty table
    const bool parsed =
        std::from_chars(lo_s->data(), lo_s->data() + lo_s->size(), lo).ec == std::errc() &&
        std::from_chars(hi_s->data(), hi_s->data() + hi_s->size(), hi).ec == std::errc();
    if (parsed) {
      const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
      // Dense keys (most auto-increment tables) split by arithmetic; sparse ones by walking.
      if (span != 0 && span <= 4 * static_cast<uint64_t>(est)) {
        const uint64_t chunks = (static_cast<uint64_t>(est) + target_rows - 1) / target_rows;
        const uint64_t step = std::max<uint64_t>(1, (span + chunks - 1) / chunks);
        for (uint64_t v = static_cast<uint64_t>(lo) + step;
             v - static_cast<uint64_t>(lo) < span && v - static_cast<uint64_t>(lo) >= step;
             v += step) {
          bounds.push_back({std::to_string(static_cast<int64_t>(v))});
        }
        dense_done = true;
      }
    }
  }
  if (!dense_done) {
    // Walk the key's index: the (target_rows+1)-th key from the current lower bound starts
    // the next split. One index scan over the whole table in total.
    std::optional<std::vector<std::string>> lower;
    for (;;) {
      if (host_.cancelled()) fail(FERRY_CANCELLED, "stopped while planning splits");
      const std::string sql = "SELECT " +
                              [&] {
                                std::string cols;
                                for (size_t i = 0; i < key.size(); ++i)
                                  cols += (i ? "," : "") + select_expr(*key[i]);
                                return cols;
                              }() +
                              " FROM " + from + " WHERE " +
                              key_range_predicate(*conn, key, lower, std::nullopt) + " ORDER BY " +
                              key_list(key) + " LIMIT 1 OFFSET " + std::to_string(target_rows);
      Rows r = conn->query(sql);
      if (r.empty()) break;
      std::vector<std::string> b;
      for (size_t i = 0; i < key.size(); ++i) {
        b.push_back(to_canonical(forms[i], r.rows[0][i].value_or("")));
      }
      bounds.push_back(b);
      lower = b;
    }
  }
  std::vector<Split> out;
  auto show = [&](const std::vector<std::string>& v) {
    std::string s = "(";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i].substr(0, 40);
    return s + ")";
  };
  for (size_t i = 0; i <= bounds.size(); ++i) {
    Split s = whole;
    s.row_estimate = est / static_cast<int64_t>(bounds.size() + 1);
    if (i > 0) s.lower = bounds[i - 1];
    if (i < bounds.size()) s.upper = bounds[i];
    s.display = key_list(key) + (s.lower ? " >= " + show(*s.lower) : std::string()) +
                (s.lower && s.upper ? " AND" : "") +
                (s.upper ? " < " + show(*s.upper) : std::string());
    out.push_back(std::move(s));
  }
  return out;
}

std::unique_ptr<BatchStream> MysqlSource::open_snapshot(const Split& split, uint32_t batch_rows) {
  const Table& t = table(split.schema, split.table);
  const SharedTable ref = table_ref(split.schema, split.table);
  std::string sql = select_all(ref->table());
  if (!split.key_columns.empty() && (split.lower || split.upper)) {
    sql += " WHERE " + key_range_predicate(*reader(), key_columns(t, split.key_columns),
                                           split.lower, split.upper);
  }
  auto conn = reader();
  std::function<void()> on_end;
  if (!snapshot_open_) {
    // No snapshot opened by snapshot_position(): this split is read in a consistent snapshot
    // of its own (full import's idempotent catch-up closes the gap between splits).
    conn->exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    on_end = [conn] { conn->exec("COMMIT"); };
  }
  return std::make_unique<RowStream>(conn, ref, sql, batch_rows, settings_.batch_bytes,
                                     std::move(on_end));
}

// ---- positions ------------------------------------------------------------------------------

void MysqlSource::ack(const Position&) {
  // MySQL keeps binlogs by its own retention (binlog_expire_logs_seconds); there is nothing to
  // release. The precheck warns when retention is short.
}

int MysqlSource::compare_positions(const Bytes& a, const Bytes& b) {
  return compare(BinlogPosition::decode(a.data(), a.size()),
                 BinlogPosition::decode(b.data(), b.size()));
}

std::string MysqlSource::describe_position(const Bytes& position) {
  return BinlogPosition::decode(position.data(), position.size()).display();
}

// ---- changes --------------------------------------------------------------------------------

std::unique_ptr<BatchStream> MysqlSource::open_changes(const Position& from) {
  BinlogPosition start;
  if (from.empty()) {
    // No position: from now (the server's current position).
    auto conn = reader();
    Rows st = conn->query(conn->is_mariadb() ? "SHOW BINLOG STATUS" : "SHOW MASTER STATUS");
    if (st.empty()) fail(FERRY_INVALID_ARGUMENT, "the source has no binary log: is log_bin on?");
    start.file = st.rows[0][0].value_or("");
    start.pos = std::stoull(st.rows[0][1].value_or("4"));
    if (conn->is_mariadb()) {
      start.gtid = conn->query_value("SELECT BINLOG_GTID_POS(" + conn->quote(start.file) + ", " +
                                     std::to_string(start.pos) + ")")
                       .value_or("");
    }
  } else {
    start = BinlogPosition::decode(from.bytes.data(), from.bytes.size());
  }
  return open_binlog_stream(settings_, host_, start, selection_);
}

// ---- verification ---------------------------------------------------------------------------

// Verification reads the current data on a connection of its own: the reader may hold a
// snapshot transaction from snapshot_position().
std::shared_ptr<Connection> MysqlSource::verifier() {
  if (!verifier_ || verifier_->broken() || verifier_.use_count() > 1) {
    verifier_ = std::make_shared<Connection>(settings_.connect);
  }
  return verifier_;
}

Checksum MysqlSource::checksum(const Split& range, const std::string& spec) {
  return range_checksum(*verifier(), range, spec);
}

std::unique_ptr<BatchStream> MysqlSource::read_range(const Split& range, uint32_t batch_rows) {
  return range_reader(verifier(), range, batch_rows);
}

}  // namespace ferry::mysql
