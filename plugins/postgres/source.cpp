#include "source.hpp"

#include <nlohmann/json.hpp>

#include "precheck.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "changes.hpp"
#include "pgoutput.hpp"
#include "snapshot.hpp"
#include "verify_read.hpp"

namespace ferry::pg {

std::string default_object_name(const std::string& task_id) {
  const bool plain = !task_id.empty() && task_id.size() <= 57 &&
                     std::all_of(task_id.begin(), task_id.end(), [](unsigned char c) {
                       return std::islower(c) || std::isdigit(c) || c == '_';
                     });
  if (plain) return "ferry_" + task_id;
  // Any other id: folded and cut, plus a hash of the exact id. "ferryh_" never starts a plain
  // name ("ferry_" does), so the two forms cannot meet either.
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits
  for (unsigned char c : task_id) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  std::string out = "ferryh_";
  for (unsigned char c : task_id) {
    if (out.size() >= 7 + 39) break;
    out += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return out + "_" + hex;  // at most 7 + 39 + 1 + 16 = 63 bytes
}

std::string publication_marker(const std::string& task_id) {
  return "created by ferry for task " + task_id + "; dropped when the task is released";
}

SourceSettings SourceSettings::from_config(const Config& config, const std::string& task_id) {
  SourceSettings s;
  s.connect = ConnectOptions::from_config(config, "source");
  s.task_id = task_id;
  s.slot = config.get_string("slot", "");
  if (s.slot.empty()) s.slot = default_object_name(task_id);
  s.publication = config.get_string("publication", "");
  if (s.publication.empty()) s.publication = default_object_name(task_id);
  for (const std::string* name : {&s.slot, &s.publication}) {
    const bool ok = !name->empty() && name->size() <= 63 &&
                    std::all_of(name->begin(), name->end(), [](unsigned char c) {
                      return std::islower(c) || std::isdigit(c) || c == '_';
                    });
    if (!ok) {
      fail(FERRY_INVALID_ARGUMENT,
           "source: slot and publication names must be 1-63 characters "
           "of a-z, 0-9 and _, got '" +
               *name + "'");
    }
  }
  const int64_t bytes = config.get_int("batch_bytes", 8 << 20);
  if (bytes < 4096 || bytes > (1LL << 31)) {
    fail(FERRY_INVALID_ARGUMENT,
         "source: batch_bytes must be 4096-2147483648, got " + std::to_string(bytes));
  }
  s.batch_bytes = static_cast<size_t>(bytes);
  const std::string format = config.get_string("copy_format", "binary");
  if (format == "binary") {
    s.copy_format = CopyFormat::Binary;
  } else if (format == "text") {
    s.copy_format = CopyFormat::Text;
  } else {
    fail(FERRY_INVALID_ARGUMENT,
         "source: copy_format must be \"binary\" or \"text\", got \"" + format + "\"");
  }
  const int64_t rows = config.get_int("change_batch_rows", 1000);
  if (rows < 1 || rows > 1000000) {
    fail(FERRY_INVALID_ARGUMENT,
         "source: change_batch_rows must be 1-1000000, got " + std::to_string(rows));
  }
  s.change_batch_rows = static_cast<uint32_t>(rows);
  const int64_t dead = config.get_int("dead_after_s", 10);
  if (dead < 2 || dead > 3600) {
    fail(FERRY_INVALID_ARGUMENT,
         "source: dead_after_s must be 2-3600, got " + std::to_string(dead));
  }
  s.dead_after_s = static_cast<unsigned>(dead);
  s.reconnect_attempts =
      static_cast<unsigned>(std::clamp<int64_t>(config.get_int("reconnect_attempts", 10), 0, 1000));
  return s;
}

// ---- positions ------------------------------------------------------------------------------

namespace {
constexpr std::string_view kPosMagic = "pg-pos-v1\n";
constexpr std::string_view kSplitMagic = "pg-split-v1\n";

uint64_t parse_u64(std::string_view v, const char* what) {
  uint64_t n = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size()) {
    fail(FERRY_INVALID_ARGUMENT, std::string("malformed ") + what + ": '" + std::string(v) + "'");
  }
  return n;
}

std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t at = 0;;) {
    const auto nl = s.find('\n', at);
    out.push_back(s.substr(at, nl == std::string_view::npos ? nl : nl - at));
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  return out;
}
}  // namespace

Bytes WalPosition::encode() const {
  return to_bytes(std::string(kPosMagic) + format_lsn(lsn) + "\n" + std::to_string(index));
}

WalPosition WalPosition::decode(const uint8_t* data, size_t len) {
  std::string_view s(reinterpret_cast<const char*>(data), len);
  if (s.substr(0, kPosMagic.size()) != kPosMagic) {
    fail(FERRY_INVALID_ARGUMENT,
         "not a PostgreSQL WAL position (was it saved by another connector?)");
  }
  const auto parts = lines(s.substr(kPosMagic.size()));
  if (parts.size() != 2) fail(FERRY_INVALID_ARGUMENT, "malformed PostgreSQL WAL position");
  WalPosition p;
  p.lsn = parse_lsn(parts[0]);
  p.index = parse_u64(parts[1], "PostgreSQL WAL position");
  return p;
}

std::string WalPosition::display() const {
  return format_lsn(lsn) + (index ? "+" + std::to_string(index) : std::string());
}

int PgSource::compare_positions(const Bytes& a, const Bytes& b) {
  const WalPosition x = WalPosition::decode(a.data(), a.size());
  const WalPosition y = WalPosition::decode(b.data(), b.size());
  if (x.lsn != y.lsn) return x.lsn < y.lsn ? -1 : 1;
  if (x.index != y.index) return x.index < y.index ? -1 : 1;
  return 0;
}

std::string PgSource::describe_position(const Bytes& position) {
  return WalPosition::decode(position.data(), position.size()).display();
}

// ---- instance -------------------------------------------------------------------------------

PgSource::PgSource(const CreateContext& ctx)
    : host_(ctx.host), settings_(SourceSettings::from_config(ctx.config, ctx.task_id)) {}

PgSource::~PgSource() = default;

std::shared_ptr<Connection> PgSource::reader() {
  if (reader_ && !reader_->broken() && reader_.use_count() > 1) {
    fail(FERRY_INVALID_ARGUMENT,
         "the previous stream of this source instance is still open: read it to the end or "
         "release it before opening another (one stream per instance)");
  }
  if (!reader_ || reader_->broken()) reader_ = std::make_shared<Connection>(settings_.connect);
  return reader_;
}

const TypeCatalog& PgSource::types() {
  if (!types_) types_ = read_types(*reader());
  return *types_;
}

const PgTable& PgSource::table(const std::string& schema, const std::string& name) {
  auto key = std::make_pair(schema, name);
  auto it = tables_.find(key);
  if (it == tables_.end()) {
    auto t = read_table(*reader(), schema, name, types());
    if (!t) {
      fail(FERRY_INVALID_ARGUMENT,
           settings_.connect.where() + ": table " + qualified(schema, name) + " does not exist");
    }
    it = tables_.emplace(key, std::move(*t)).first;
  }
  return it->second;
}

// ---- precheck -------------------------------------------------------------------------------

namespace {

// A relation whose changes ferry cannot replicate, and the table of the task it belongs to (the
// table itself, or the partitioned table whose partition it is).
struct Unreplicable {
  std::string root_schema, root;
  std::string schema, name;
  bool unlogged = false;     // writes no WAL: its changes never reach the stream
  bool no_identity = false;  // UPDATE / DELETE carry no old key (and are refused once published)

  std::string display() const {
    return schema == root_schema && name == root
               ? qualified(schema, name)
               : qualified(schema, name) + " (partition of " + qualified(root_schema, root) + ")";
  }
};

// Read from the catalog (not from what discover() saw): tables and their partitions that are
// unlogged or have no primary key and no usable replica identity (NOTHING, DEFAULT without a
// primary key, USING INDEX on an index that is gone). `root_oid` = 0: every table.
std::vector<Unreplicable> unreplicable(Connection& conn, uint32_t root_oid = 0) {
  const Rows r = conn.query(
      "SELECT * FROM (SELECT rn.nspname, r.relname, n.nspname, c.relname, "
      "c.relpersistence = 'u' AS unlogged, c.relkind = 'r' AND c.relpersistence = 'p' AND NOT "
      "(c.relreplident = 'f' OR (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM pg_index i "
      "WHERE i.indrelid = c.oid AND i.indisprimary)) OR (c.relreplident = 'i' AND EXISTS "
      "(SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident))) AS no_identity "
      "FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace "
      "CROSS JOIN LATERAL (SELECT r.oid AS relid UNION ALL SELECT t.relid FROM "
      "pg_partition_tree(CASE WHEN r.relkind = 'p' THEN r.oid END) t WHERE t.relid <> r.oid) m "
      "JOIN pg_class c ON c.oid = m.relid JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE r.relkind IN ('r', 'p') AND NOT r.relispartition AND r.relpersistence <> 't' AND "
      "c.relkind IN ('r', 'p') AND rn.nspname NOT IN ('pg_catalog', 'information_schema', "
      "'pg_toast') AND rn.nspname !~ '^pg_(toast_)?temp_' AND ($1::oid = 0 OR r.oid = $1::oid)) "
      "x WHERE unlogged OR no_identity ORDER BY 1, 2, 3, 4",
      {std::to_string(root_oid)});
  std::vector<Unreplicable> out;
  for (const auto& row : r.rows) {
    Unreplicable u;
    u.root_schema = row[0].value_or("");
    u.root = row[1].value_or("");
    u.schema = row[2].value_or("");
    u.name = row[3].value_or("");
    u.unlogged = row[4] == "t";
    u.no_identity = row[5] == "t";
    out.push_back(std::move(u));
  }
  return out;
}

// "a, b, c and 7 more"
std::string name_list(const std::vector<std::string>& names, size_t shown = 10) {
  std::string list;
  for (size_t i = 0; i < names.size() && i < shown; ++i) list += (i ? ", " : "") + names[i];
  if (names.size() > shown) list += " and " + std::to_string(names.size() - shown) + " more";
  return list;
}

constexpr const char* kPublish = "insert, update, delete, truncate";

}  // namespace

bool PgSource::is_selected(const std::string& schema, const std::string& table) const {
  return selected_.empty() ? selection_.matches(schema, table)
                           : std::find(selected_.begin(), selected_.end(),
                                       std::make_pair(schema, table)) != selected_.end();
}

std::string PgSource::precheck() {
  nlohmann::json out = nlohmann::json::array();
  std::shared_ptr<Connection> conn;
  try {
    conn = reader();
  } catch (const Error& e) {
    out.push_back(common::precheck_item(
        "connect", "failed", e.what(),
        "check host, port, user, password and database of the task's source"));
    return out.dump();
  }
  out.push_back(common::precheck_item("connect", "passed",
                                      conn->options().where() + " PostgreSQL " +
                                          conn->query_value("SHOW server_version").value_or("?")));
  const std::string wal = conn->query_value("SHOW wal_level").value_or("");
  out.push_back(wal == "logical"
                    ? common::precheck_item("wal_level", "passed", "logical")
                    : common::precheck_item(
                          "wal_level", "failed", "wal_level is " + wal + ": no logical decoding",
                          "ALTER SYSTEM SET wal_level = logical, then restart the server"));
  const auto role = conn->query(
      "SELECT rolreplication OR rolsuper, rolsuper FROM pg_roles WHERE rolname = current_user");
  const bool repl = !role.empty() && role.rows[0][0] == "t";
  out.push_back(
      repl ? common::precheck_item("privilege_replication", "passed", "the role may replicate")
           : common::precheck_item("privilege_replication", "failed",
                                   "the role lacks REPLICATION: no slot, no change stream",
                                   "ALTER ROLE <ferry user> REPLICATION"));
  const auto slots = conn->query(
      "SELECT current_setting('max_replication_slots')::int - (SELECT count(*) FROM "
      "pg_replication_slots)");
  const long free_slots = std::stol(slots.rows.at(0)[0].value_or("0"));
  const auto mine = conn->query(
      "SELECT active, wal_status FROM pg_replication_slots WHERE slot_name = $1", {settings_.slot});
  if (!mine.empty()) {
    const std::string status = mine.rows[0][1].value_or("");
    out.push_back(
        status == "lost"
            ? common::precheck_item("replication_slot", "failed",
                                    "slot " + settings_.slot +
                                        " has lost WAL it needs (wal_status "
                                        "lost): the change stream has a gap",
                                    "release the task and start it again from a new snapshot")
            : common::precheck_item(
                  "replication_slot", "passed",
                  "slot " + settings_.slot + " exists (wal_status " + status + ")"));
  } else {
    out.push_back(
        free_slots > 0
            ? common::precheck_item("replication_slot", "passed",
                                    std::to_string(free_slots) + " free replication slot(s)")
            : common::precheck_item(
                  "replication_slot", "failed", "no free replication slot",
                  "raise max_replication_slots (restart) or drop an unused slot"));
  }
  // Tables (and partitions) whose UPDATE / DELETE cannot be replicated: no primary key and no
  // usable replica identity (PostgreSQL then even refuses those statements on the source once
  // published); unlogged ones, which write no WAL. From the catalog, for the task's selection.
  std::vector<std::string> names, unlogged;
  for (const auto& u : unreplicable(*conn)) {
    if (!is_selected(u.root_schema, u.root)) continue;
    if (u.unlogged) unlogged.push_back(u.display());
    if (u.no_identity) names.push_back(u.display());
  }
  if (!unlogged.empty()) {
    out.push_back(common::precheck_item(
        "unlogged_tables", "warning",
        std::to_string(unlogged.size()) +
            " unlogged table(s) or partition(s) write no WAL, so their changes cannot be "
            "replicated: a task with incremental sync is refused at its snapshot; a full copy "
            "alone copies them as they are: " +
            name_list(unlogged),
        "ALTER TABLE ... SET LOGGED, or exclude them from the task"));
  }
  // A partitioned table: its partitions' changes are mapped to it, but a TRUNCATE of one
  // partition cannot be replayed (the destination holds one table) and stops the stream.
  std::vector<std::string> partitioned;
  for (const auto& r :
       conn->query("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
                   "c.relnamespace WHERE c.relkind = 'p' AND NOT c.relispartition ORDER BY 1, 2")
           .rows) {
    const std::string sc = r[0].value_or(""), tb = r[1].value_or("");
    if (is_selected(sc, tb)) partitioned.push_back(qualified(sc, tb));
  }
  if (!partitioned.empty()) {
    out.push_back(common::precheck_item(
        "partitioned_tables", "warning",
        std::to_string(partitioned.size()) +
            " partitioned table(s): a TRUNCATE of a single partition cannot be replayed and "
            "stops the change stream; ATTACH, DETACH and DROP PARTITION are not replicated: " +
            name_list(partitioned),
        "empty a partition with DELETE rather than TRUNCATE while the task runs"));
  }
  if (names.empty()) {
    out.push_back(common::precheck_item("replica_identity", "passed",
                                        "every table can carry UPDATE and DELETE"));
  } else {
    out.push_back(
        common::precheck_item("replica_identity", "failed",
                              std::to_string(names.size()) +
                                  " table(s) without a primary key or "
                                  "replica identity: " +
                                  name_list(names),
                              "add a primary key, or ALTER TABLE ... REPLICA IDENTITY FULL"));
  }
  return out.dump();
}

// ---- catalog --------------------------------------------------------------------------------

Catalog PgSource::discover(const std::string& selection_json) {
  selection_ = parse_selection(selection_json.c_str());
  types_.reset();  // enums and domains may have changed
  PgCatalog cat = read_catalog(*reader(), selection_, types());
  selected_.clear();
  for (auto& t : cat.tables) {
    selected_.emplace_back(t.table.schema, t.table.name);
    tables_[{t.table.schema, t.table.name}] = std::move(t);
  }
  return std::move(cat.catalog);
}

// ---- snapshot -------------------------------------------------------------------------------

Position PgSource::snapshot_position() {
  if (selected_.empty()) {
    fail(FERRY_INVALID_ARGUMENT,
         "snapshot_position: no table selected (call discover() with "
         "the task's selection first)");
  }
  auto conn = reader();
  if (conn->query("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", {settings_.slot})
          .rows.size() == 1) {
    fail(FERRY_INVALID_ARGUMENT,
         settings_.connect.where() + ": replication slot " + settings_.slot +
             " already exists: this task already has a change stream position. Resume the task "
             "from its checkpoint, or release it (which drops the slot) to start over.");
  }
  // Refused before anything changes on the source: unlogged tables (no WAL: their changes
  // would never arrive) and tables whose UPDATE / DELETE PostgreSQL refuses once they are in a
  // publication (no key, no replica identity) — the source application's statements included.
  std::vector<std::string> unlogged, keyless;
  for (const auto& u : unreplicable(*conn)) {
    if (std::find(selected_.begin(), selected_.end(), std::make_pair(u.root_schema, u.root)) ==
        selected_.end()) {
      continue;
    }
    if (u.unlogged) unlogged.push_back(u.display());
    if (u.no_identity) keyless.push_back(u.display());
  }
  if (!unlogged.empty()) {
    fail(FERRY_INVALID_ARGUMENT,
         settings_.connect.where() + ": " + std::to_string(unlogged.size()) +
             " selected unlogged table(s) or partition(s): " + name_list(unlogged, 20) +
             ". Unlogged tables write no WAL, so their changes can never be replicated. Make "
             "them logged (ALTER TABLE ... SET LOGGED) or exclude them from the task's "
             "selection; a task of type full alone copies them as they are. Nothing was "
             "changed on the source.");
  }
  if (!keyless.empty()) {
    fail(FERRY_INVALID_ARGUMENT,
         settings_.connect.where() + ": " + std::to_string(keyless.size()) +
             " selected table(s) or partition(s) have no primary key and no usable replica "
             "identity: " +
             name_list(keyless, 20) +
             ". In the task's publication PostgreSQL would refuse every UPDATE and DELETE on "
             "them, the source application's included. Add a primary key, or ALTER TABLE ... "
             "REPLICA IDENTITY FULL (or USING INDEX a unique index on NOT NULL columns), or "
             "exclude them from the task. Nothing was changed on the source.");
  }
  // The publication exists before the slot: pgoutput decides what to publish with the catalog
  // as of each change, so changes made before the publication would be left out. ONLY: a table
  // with inheritance children publishes (and is read as) itself; a partitioned table publishes
  // its partitions as themselves (publish_via_partition_root = false, so that a TRUNCATE of one
  // partition reaches the stream, which maps partitions to their table).
  std::string tables;
  bool partitioned = false;
  for (const auto& [sc, tb] : selected_) {
    const PgTable& t = table(sc, tb);
    partitioned = partitioned || t.relkind == 'p';
    tables += std::string(tables.empty() ? "" : ", ") + (t.relkind == 'p' ? "" : "ONLY ") +
              qualified(sc, tb);
  }
  bool created = false;
  prepare_publication(*conn, tables, partitioned, created);
  try {
    snapshot_conn_ = std::make_unique<Connection>(settings_.connect, true);
    Rows r = snapshot_conn_->query("CREATE_REPLICATION_SLOT " + quote_ident(settings_.slot) +
                                   " LOGICAL pgoutput EXPORT_SNAPSHOT");
    // slot_name, consistent_point, snapshot_name, output_plugin
    WalPosition p;
    p.lsn = parse_lsn(r.rows.at(0).at(1).value_or("0/0"));
    snapshot_name_ = r.rows.at(0).at(2).value_or("");
    host_.info("replication slot " + settings_.slot + " created at " + p.display() + ", snapshot " +
               snapshot_name_ + " exported");
    return Position{p.encode(), p.display()};
  } catch (...) {
    snapshot_conn_.reset();
    snapshot_name_.clear();
    // No slot, no task position: the publication ferry made just now goes again.
    if (created) {
      try {
        conn->exec("DROP PUBLICATION IF EXISTS " + quote_ident(settings_.publication));
      } catch (const std::exception& e) {
        host_.warn("could not drop publication " + settings_.publication +
                   " after the replication slot failed: " + e.what());
      }
    }
    throw;
  }
}

// The task's publication. One ferry created (its COMMENT names this task) is ferry's: its
// tables and options are set. One that existed already is the DBA's: it is used as it is —
// never altered, never dropped — when it publishes every selected table with every action;
// otherwise refused with the statements that fix it.
void PgSource::prepare_publication(Connection& conn, const std::string& tables, bool partitioned,
                                   bool& created) {
  const std::string pub = quote_ident(settings_.publication);
  const std::string marker = publication_marker(settings_.task_id);
  const Rows existing = conn.query(
      "SELECT obj_description(oid, 'pg_publication'), pubinsert AND pubupdate AND pubdelete AND "
      "pubtruncate, pubviaroot FROM pg_publication WHERE pubname = $1",
      {settings_.publication});
  if (existing.empty()) {
    // One implicit transaction: the publication never exists without its mark.
    conn.exec("CREATE PUBLICATION " + pub + " FOR TABLE " + tables + " WITH (publish = '" +
              kPublish + "', publish_via_partition_root = false); COMMENT ON PUBLICATION " + pub +
              " IS " + conn.literal(marker));
    created = true;
    return;
  }
  const std::string comment = existing.rows[0][0].value_or("");
  if (comment == marker) {
    conn.exec("ALTER PUBLICATION " + pub + " SET TABLE " + tables + "; ALTER PUBLICATION " + pub +
              " SET (publish = '" + kPublish + "', publish_via_partition_root = false)");
    return;
  }
  if (comment.rfind("created by ferry for task ", 0) == 0) {
    fail(FERRY_INVALID_ARGUMENT, settings_.connect.where() + ": publication " +
                                     settings_.publication + " belongs to another ferry task (" +
                                     comment + "); give this task a publication of its own");
  }
  // The DBA's publication.
  std::vector<std::string> problems;
  if (existing.rows[0][1] != "t") {
    problems.push_back("it does not publish every action: ALTER PUBLICATION " + pub +
                       " SET (publish = '" + kPublish + "')");
  }
  if (partitioned && existing.rows[0][2] == "t") {
    problems.push_back(
        "it publishes partitions through their root, which hides a TRUNCATE of one partition "
        "from the stream: ALTER PUBLICATION " +
        pub + " SET (publish_via_partition_root = false)");
  }
  // Every selected table (a partitioned one: every partition) must be published.
  std::vector<std::string> missing;
  for (const auto& [sc, tb] : selected_) {
    const PgTable& t = table(sc, tb);
    const Rows m = conn.query(
        "SELECT n.nspname, c.relname FROM (SELECT $2::oid AS relid WHERE $3 = 'r' UNION ALL "
        "SELECT relid FROM pg_partition_tree($2::oid) WHERE $3 = 'p' AND isleaf) l JOIN pg_class "
        "c ON c.oid = l.relid AND c.relkind = 'r' JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT EXISTS (SELECT 1 FROM pg_publication_tables p WHERE p.pubname = $1 AND "
        "p.schemaname = n.nspname AND p.tablename = c.relname)",
        {settings_.publication, std::to_string(t.oid), std::string(1, t.relkind)});
    // (Through the root, a partitioned table shows as itself: refused above already.)
    const bool via_root = t.relkind == 'p' && existing.rows[0][2] == "t";
    if (!m.empty() && !via_root) missing.push_back(qualified(sc, tb));
  }
  if (!missing.empty()) {
    problems.push_back("it does not publish " + name_list(missing, 20) + ": ALTER PUBLICATION " +
                       pub + " ADD TABLE ...");
  }
  if (!problems.empty()) {
    std::string list;
    for (const auto& p : problems) list += (list.empty() ? "" : "; ") + p;
    fail(FERRY_INVALID_ARGUMENT,
         settings_.connect.where() + ": publication " + settings_.publication +
             " was not created by ferry, so ferry uses it as it is and never changes it, but " +
             list + ". Fix it, or leave 'publication' unset so that ferry creates its own.");
  }
  host_.info("publication " + settings_.publication +
             " existed before the task: used as it is (ferry never alters or drops it)");
}

namespace {

struct SplitBounds {
  std::string snapshot;
  int64_t page_lo = -1, page_hi = -1;  // ctid page range [lo, hi), -1 = open

  Bytes encode() const {
    return to_bytes(std::string(kSplitMagic) + snapshot + "\n" + std::to_string(page_lo) + "\n" +
                    std::to_string(page_hi));
  }
  static SplitBounds decode(const Bytes& b) {
    std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
    SplitBounds out;
    if (s.substr(0, kSplitMagic.size()) != kSplitMagic) return out;  // a key range only
    const auto parts = lines(s.substr(kSplitMagic.size()));
    if (parts.size() != 3) fail(FERRY_INVALID_ARGUMENT, "malformed PostgreSQL split");
    out.snapshot = std::string(parts[0]);
    auto page = [](std::string_view v) -> int64_t {
      if (v == "-1") return -1;
      return static_cast<int64_t>(parse_u64(v, "PostgreSQL split"));
    };
    out.page_lo = page(parts[1]);
    out.page_hi = page(parts[2]);
    return out;
  }
};

}  // namespace

std::vector<Split> PgSource::plan_splits(const TableSchema& ref, uint64_t target_rows) {
  const PgTable& t = table(ref.schema, ref.name);
  if (target_rows == 0) target_rows = 100000;
  auto conn = reader();
  // Unlogged tables (or partitions) write no WAL: with a change stream (a snapshot of this
  // instance's slot) their copy could never be kept up to date. Without one (a full copy
  // alone) they are copied as they are, and said so.
  for (const auto& u : unreplicable(*conn, t.oid)) {
    if (!u.unlogged) continue;
    if (!snapshot_name_.empty()) {
      fail(FERRY_INVALID_ARGUMENT,
           settings_.connect.where() + ": " + u.display() +
               " is unlogged: it writes no WAL, so its changes can never be replicated. Make "
               "it logged (ALTER TABLE ... SET LOGGED) or exclude it from the task.");
    }
    host_.warn(u.display() +
               " is unlogged: copied as it is now; its later changes cannot be replicated");
  }
  // The estimate and size as of now (the catalog read by discover() may be old, and a table
  // never analyzed has no row count at all).
  int64_t est = std::max<int64_t>(t.table.row_estimate, 0);
  int64_t heap_pages = t.pages;
  {
    const Rows live = conn->query("SELECT " + row_estimate_sql("c") +
                                      ", pg_relation_size(c.oid) / "
                                      "current_setting('block_size')::bigint FROM pg_class c "
                                      "WHERE c.oid = $1::oid",
                                  {std::to_string(t.oid)});
    if (!live.empty()) {
      est = std::max<int64_t>(0, std::stoll(live.rows[0][0].value_or("0")));
      if (t.relkind == 'r') heap_pages = std::stoll(live.rows[0][1].value_or("0"));
    }
  }
  const auto key = chunk_key(t);
  Split whole;
  whole.schema = t.table.schema;
  whole.table = t.table.name;
  whole.row_estimate = est;
  whole.key_columns = key;
  whole.display = "whole table";
  SplitBounds wb;
  wb.snapshot = snapshot_name_;
  whole.bounds = wb.encode();
  if (static_cast<uint64_t>(est) <= target_rows + target_rows / 2) return {whole};

  std::vector<Split> out;
  if (key.empty()) {
    // No key: ranges of heap pages (ctid), read with TID range scans. Only the source can read
    // such a split (no engine-neutral key range).
    if (t.relkind != 'r' || heap_pages <= 1) return {whole};
    const int64_t rows_per_page = std::max<int64_t>(1, est / heap_pages);
    const int64_t pages = std::max<int64_t>(1, static_cast<int64_t>(target_rows) / rows_per_page);
    for (int64_t lo = 0; lo < heap_pages; lo += pages) {
      Split s = whole;
      SplitBounds b;
      b.snapshot = snapshot_name_;
      b.page_lo = lo;
      b.page_hi = lo + pages >= heap_pages ? -1 : lo + pages;  // the last one is open-ended
      s.bounds = b.encode();
      s.row_estimate = rows_per_page * pages;
      s.display = "ctid pages [" + std::to_string(lo) + ", " +
                  (b.page_hi < 0 ? std::string("end") : std::to_string(b.page_hi)) + ")";
      out.push_back(std::move(s));
      if (b.page_hi < 0) break;
    }
    return out;
  }

  // Walk the key's index: the (target_rows+1)-th key from the current lower bound starts the
  // next split (one index scan in total).
  std::vector<size_t> idx;
  std::string cols;
  for (const auto& k : key) {
    for (size_t i = 0; i < t.table.columns.size(); ++i) {
      if (t.table.columns[i].name == k) idx.push_back(i);
    }
    cols += (cols.empty() ? "" : ", ") + quote_ident(k);
  }
  std::vector<std::vector<std::string>> bounds;
  std::optional<std::vector<std::string>> lower;
  for (;;) {
    if (host_.cancelled()) fail(FERRY_CANCELLED, "stopped while planning splits");
    Rows r =
        conn->query("SELECT " + cols + " FROM " + std::string(t.relkind == 'p' ? "" : "ONLY ") +
                    qualified(t.table.schema, t.table.name) + " WHERE " +
                    key_range_predicate(*conn, t, key, lower, std::nullopt) + " ORDER BY " + cols +
                    " LIMIT 1 OFFSET " + std::to_string(target_rows));
    if (r.empty()) break;
    std::vector<std::string> b;
    for (size_t j = 0; j < idx.size(); ++j) {
      std::string v, why;
      if (!to_canonical(t.decoders[idx[j]], r.rows[0][j].value_or(""), v, &why)) {
        fail(FERRY_NOT_SUPPORTED, "key column " + quote_ident(key[j]) + ": " + why);
      }
      b.push_back(std::move(v));
    }
    bounds.push_back(b);
    lower = std::move(b);
  }
  auto show = [](const std::vector<std::string>& v) {
    std::string s = "(";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i].substr(0, 40);
    return s + ")";
  };
  for (size_t i = 0; i <= bounds.size(); ++i) {
    Split s = whole;
    s.row_estimate = est / static_cast<int64_t>(bounds.size() + 1);
    if (i > 0) s.lower = bounds[i - 1];
    if (i < bounds.size()) s.upper = bounds[i];
    s.display = "(" + cols + ")" + (s.lower ? " >= " + show(*s.lower) : std::string()) +
                (s.lower && s.upper ? " AND" : "") +
                (s.upper ? " < " + show(*s.upper) : std::string());
    out.push_back(std::move(s));
  }
  return out;
}

std::unique_ptr<BatchStream> PgSource::open_snapshot(const Split& split, uint32_t batch_rows) {
  const PgTable& t = table(split.schema, split.table);
  const TypeCatalog& type_catalog = types();
  const SplitBounds b = SplitBounds::decode(split.bounds);
  auto conn = reader();
  std::string where;
  if (!split.key_columns.empty() && (split.lower || split.upper)) {
    where = key_range_predicate(*conn, t, split.key_columns, split.lower, split.upper);
  } else if (b.page_lo >= 0 || b.page_hi >= 0) {
    if (b.page_lo > 0) where = "ctid >= '(" + std::to_string(b.page_lo) + ",0)'::tid";
    if (b.page_hi >= 0) {
      where += (where.empty() ? "" : " AND ") + std::string("ctid < '(") +
               std::to_string(b.page_hi) + ",0)'::tid";
    }
  }
  // Each split in its own REPEATABLE READ transaction; with the slot's exported snapshot when
  // the split carries one, so every split sees the database exactly at the slot's start. Until
  // the COPY runs, any failure ends that transaction again (else the session would stay in an
  // aborted transaction and fail every later split of this instance).
  conn->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    // A read waits for a lock (an ALTER in progress) at most this long, then fails and is
    // retried, instead of blocking the stage beyond cancellation.
    conn->exec("SET LOCAL lock_timeout = '60s'");
    if (!b.snapshot.empty()) {
      try {
        conn->exec("SET TRANSACTION SNAPSHOT " + conn->literal(b.snapshot));
      } catch (const Error& e) {
        if (std::string_view(e.what()).find("invalid snapshot identifier") ==
            std::string_view::npos) {
          throw;
        }
        // The exporting connection is gone: no retry can bring that snapshot back.
        fail(FERRY_DATA_LOSS,
             std::string(e.what()) +
                 " — the exported snapshot is gone (the connection that created the replication "
                 "slot was closed); the full copy must start again from a new snapshot");
      }
      // A table rewritten since the snapshot (ALTER ... TYPE, VACUUM FULL, CLUSTER, TRUNCATE)
      // reads as empty in it: refuse rather than copy nothing. A partitioned table has no
      // storage of its own: each of its partitions is checked (those the snapshot knows).
      const std::string rewritten =
          t.relkind == 'p'
              ? conn->query_value(
                        "SELECT string_agg(quote_ident(n.nspname) || '.' || "
                        "quote_ident(c.relname), ', ' ORDER BY c.relname) FROM "
                        "pg_partition_tree(" +
                        std::to_string(t.oid) +
                        "::oid) p JOIN pg_class c ON c.oid = p.relid JOIN "
                        "pg_namespace n ON n.oid = c.relnamespace WHERE p.isleaf AND "
                        "c.relkind = 'r' AND c.relfilenode IS DISTINCT FROM "
                        "pg_relation_filenode(c.oid)")
                    .value_or("")
              : (conn->query_value("SELECT relfilenode = pg_relation_filenode(oid) FROM "
                                   "pg_class WHERE oid = " +
                                   std::to_string(t.oid)) != "t"
                     ? qualified(t.table.schema, t.table.name)
                     : "");
      if (!rewritten.empty()) {
        fail(FERRY_DATA_LOSS,
             settings_.connect.where() + ": table " + qualified(t.table.schema, t.table.name) +
                 (t.relkind == 'p' ? " (its partition(s) " + rewritten + ")" : std::string()) +
                 " was rewritten (ALTER TABLE ... TYPE, VACUUM FULL, CLUSTER, TRUNCATE...) after "
                 "the snapshot was taken, so the snapshot cannot read it; start the full copy "
                 "again from a new snapshot");
      }
    }
    // Binary format unless configured otherwise: columns without a binary decoder are read as
    // their output function's text within the same COPY.
    CopyPlan plan = settings_.copy_format == CopyFormat::Binary
                        ? binary_copy_plan(*conn, t, type_catalog)
                        : text_copy_plan(t);
    std::string sql = copy_select(t, where, "", plan);
    return std::make_unique<CopyRowStream>(
        conn, t, std::move(sql), batch_rows, settings_.batch_bytes,
        [conn] { conn->exec("COMMIT"); }, std::move(plan));
  } catch (...) {
    // The COPY did not start: end the transaction, or drop a session that cannot.
    try {
      if (!conn->broken()) conn->exec("ROLLBACK");
    } catch (const std::exception&) {
      conn->cancel();
    }
    if (conn->broken() && reader_ == conn) reader_.reset();
    throw;
  }
}

// ---- changes --------------------------------------------------------------------------------

std::unique_ptr<BatchStream> PgSource::open_changes(const Position& from) {
  if (from.empty()) {
    fail(FERRY_INVALID_ARGUMENT,
         "open_changes needs a position: the slot's consistent point "
         "(snapshot_position) or a checkpoint");
  }
  const WalPosition p = WalPosition::decode(from.bytes.data(), from.bytes.size());
  StreamSettings st;
  st.change_batch_rows = settings_.change_batch_rows;
  st.dead_after_s = settings_.dead_after_s;
  st.reconnect_attempts = settings_.reconnect_attempts;
  return open_pg_stream(settings_, st, host_, p, acked_);
}

void PgSource::ack(const Position& upto) {
  const WalPosition p = WalPosition::decode(upto.bytes.data(), upto.bytes.size());
  uint64_t cur = acked_->load();
  while (p.lsn > cur && !acked_->compare_exchange_weak(cur, p.lsn)) {
  }
}

// The task is released: its slot (which would keep WAL forever) goes, and its publication if
// ferry created it for this task (a publication that existed before is the DBA's and stays).
void PgSource::release() {
  snapshot_conn_.reset();
  auto conn = reader();
  for (int i = 0;; ++i) {
    Rows r = conn->query("SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = $1",
                         {settings_.slot});
    if (r.empty()) break;
    if (r.rows[0][0] == "f") {
      conn->query("SELECT pg_drop_replication_slot($1)", {settings_.slot});
      host_.info("replication slot " + settings_.slot + " dropped");
      break;
    }
    // A walsender exits a moment after its client; one still streaming is another reader.
    if (i >= 50) {
      fail(FERRY_UNAVAILABLE, settings_.connect.where() + ": replication slot " + settings_.slot +
                                  " is in use by server process " + r.rows[0][1].value_or("?") +
                                  "; stop that reader, then release the task again");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const Rows pub = conn->query(
      "SELECT obj_description(oid, 'pg_publication') FROM pg_publication WHERE pubname = $1",
      {settings_.publication});
  if (pub.empty()) return;
  if (pub.rows[0][0] == publication_marker(settings_.task_id)) {
    conn->exec("DROP PUBLICATION IF EXISTS " + quote_ident(settings_.publication));
    host_.info("publication " + settings_.publication + " dropped");
  } else {
    host_.info("publication " + settings_.publication +
               " was not created by ferry for this task: left in place");
  }
}

// ---- verification ---------------------------------------------------------------------------

Checksum PgSource::checksum(const Split& range, const std::string& spec) {
  return range_checksum(*reader(), range, spec);
}

std::unique_ptr<BatchStream> PgSource::read_range(const Split& range, uint32_t batch_rows) {
  return range_reader(reader(), range, batch_rows);
}

}  // namespace ferry::pg
