#include "changes.hpp"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <variant>

#include "pg_values.hpp"
#include "pgoutput.hpp"

namespace ferry::pg {

namespace {

using Clock = std::chrono::steady_clock;

int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class PgStream : public BatchStream {
 public:
  PgStream(const SourceSettings& source, const StreamSettings& stream, const Host& host,
           const WalPosition& from, std::shared_ptr<std::atomic<uint64_t>> acked)
      : source_(source), settings_(stream), host_(host), acked_(std::move(acked)) {
    boundary_ = from.lsn;
    skip_records_ = from.index;
    meta_ = std::make_unique<Connection>(source_.connect);
    types_ = read_types(*meta_);
    connect();
  }

  ~PgStream() override {
    if (buf_) PQfreemem(buf_);
    // A clean end: confirm what the consumer acknowledged, and end the COPY so the server
    // reads that confirmation before the connection goes.
    if (conn_ && !conn_->broken()) {
      try {
        send_status(false);
        PQputCopyEnd(conn_->get(), nullptr);
        PQflush(conn_->get());
      } catch (const std::exception&) {
        // best effort: the server keeps the previous confirmation
      }
    }
  }
  OwnedBatch next() override;

 private:
  struct RelState {
    SharedTable ref;
    std::vector<Decoder> decoders;  // per column of ref
    std::vector<size_t> order;      // column i of ref is value order[i] of the stream's tuple
    std::string name;               // "schema.table", for messages
    // A partition (the publication publishes partitions as themselves): its changes belong to
    // its partitioned table, `root`; ref is named after that table.
    uint32_t root = 0;
    std::string partition;  // "schema"."partition", for messages
  };

  void connect();
  void send_status(bool reply);
  void handle(std::string_view data);
  void on_message(const Message& m, Lsn wal_start);
  void on_truncate(const Truncate& tr);
  const RelState& relation(uint32_t oid);
  bool count_record() { return ++txn_records_ > skip_records_; }
  Bytes in_txn_position() const { return WalPosition{boundary_, txn_records_}.encode(); }
  void add_image(const RelState& rel, const Tuple& t);
  BatchBuilder& out() {
    if (!out_) {
      out_.emplace(BatchBuilder::changes({}));
      batch_tables_.clear();
      rows_in_batch_ = 0;
    }
    return *out_;
  }
  uint32_t batch_table(const SharedTable& t) {
    out();  // a new batch starts with no tables (and clears the index of the last one)
    auto it = batch_tables_.find(t.get());
    if (it != batch_tables_.end()) return it->second;
    const uint32_t i = out().add_table(t);
    batch_tables_[t.get()] = i;
    return i;
  }

  SourceSettings source_;
  StreamSettings settings_;
  Host host_;
  std::shared_ptr<std::atomic<uint64_t>> acked_;
  std::unique_ptr<Connection> conn_;  // replication connection
  std::unique_ptr<Connection> meta_;  // catalog reads
  TypeCatalog types_;
  RelationCache relations_;
  std::map<uint32_t, RelState> rel_states_;

  Lsn boundary_ = 0;  // after the last complete transaction
  Lsn received_ = 0;  // the latest WAL position seen
  bool in_txn_ = false;
  uint64_t txn_records_ = 0;  // records of the open transaction delivered (BEGIN included)
  uint64_t skip_records_ = 0;
  uint64_t txn_seq_ = 0;
  int64_t txn_time_us_ = 0;
  int64_t last_commit_us_ = 0;

  Clock::time_point last_status_{};
  Clock::time_point last_heard_ = Clock::now();
  Clock::time_point last_heartbeat_{};
  Clock::time_point last_return_ = Clock::now();
  std::optional<BatchBuilder> out_;
  std::map<const TableRefHolder*, uint32_t> batch_tables_;
  uint32_t rows_in_batch_ = 0;
  bool flush_now_ = false;
  char* buf_ = nullptr;
  // A change that stops the stream (a TRUNCATE that cannot be replayed): the records before it
  // go out first, the error with the next call.
  std::optional<Error> stop_;
};

void PgStream::connect() {
  conn_ = std::make_unique<Connection>(source_.connect, true);
  const std::string cmd = "START_REPLICATION SLOT " + quote_ident(source_.slot) + " LOGICAL " +
                          format_lsn(boundary_) + " (proto_version '1', publication_names " +
                          conn_->literal(quote_ident(source_.publication)) + ")";
  try {
    conn_->exec(cmd);
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.find("does not exist") != std::string::npos && msg.find("slot") != std::string::npos) {
      fail(FERRY_DATA_LOSS, source_.connect.where() + ": replication slot " + source_.slot +
                                " does not exist (dropped, or never created): the changes since "
                                "the task's position are lost to ferry. Start the migration "
                                "again from a new snapshot. (" +
                                msg + ")");
    }
    if (msg.find("is active for PID") != std::string::npos) {
      // The walsender of a lost connection holds the slot until it notices: try again later.
      fail(FERRY_UNAVAILABLE, msg);
    }
    if (msg.find("can no longer get changes") != std::string::npos ||
        msg.find("invalidated") != std::string::npos) {
      fail(FERRY_DATA_LOSS, source_.connect.where() + ": replication slot " + source_.slot +
                                " was invalidated (the server removed WAL it still needed): "
                                "the change stream has a gap. Start the migration again from a "
                                "new snapshot, and raise max_slot_wal_keep_size. (" +
                                msg + ")");
    }
    throw;
  }
  in_txn_ = false;
  txn_records_ = 0;
  relations_.clear();
  rel_states_.clear();
  last_heard_ = Clock::now();
  host_.debug("pg stream: reading slot " + source_.slot + " from " + format_lsn(boundary_));
}

void PgStream::send_status(bool reply) {
  const Lsn acked = std::min<Lsn>(acked_ ? acked_->load() : 0, boundary_);
  const std::string msg =
      standby_status_update(std::max(received_, acked), acked, acked, unix_now_us(), reply);
  if (PQputCopyData(conn_->get(), msg.data(), static_cast<int>(msg.size())) != 1 ||
      PQflush(conn_->get()) != 0) {
    conn_->raise("sending a standby status update");
  }
  last_status_ = Clock::now();
}

namespace {

bool same_columns(const std::vector<Column>& a, const std::vector<Column>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Column& x, const Column& y) {
    return x.name == y.name && x.type == y.type && x.flags == y.flags &&
           x.element_type == y.element_type && x.length == y.length && x.precision == y.precision &&
           x.scale == y.scale && x.native_type == y.native_type;
  });
}

}  // namespace

const PgStream::RelState& PgStream::relation(uint32_t oid) {
  auto it = rel_states_.find(oid);
  if (it != rel_states_.end()) return it->second;
  const Relation& r = relations_.get(oid);
  if (meta_->broken()) meta_ = std::make_unique<Connection>(source_.connect);
  RelState st;
  // A partition's changes are its partitioned table's (the table the task selected).
  std::string schema = r.schema, name = r.name;
  const Rows root = meta_->query(
      "SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
      "c.relnamespace WHERE c.oid = pg_partition_root($1::oid::regclass) AND c.oid <> $1::oid",
      {std::to_string(oid)});
  if (!root.empty()) {
    st.root = static_cast<uint32_t>(std::stoul(root.rows[0][0].value_or("0")));
    schema = root.rows[0][1].value_or("");
    name = root.rows[0][2].value_or("");
    st.partition = qualified(r.schema, r.name);
  }
  // Columns as the stream sends them (generated columns are not sent), in the table's order (a
  // partition may order them otherwise), types from their OIDs, keys and nullability from the
  // catalog.
  std::optional<PgTable> cat = read_table(*meta_, schema, name, types_);
  std::vector<bool> used(r.columns.size(), false);
  if (cat) {
    for (const auto& cc : cat->table.columns) {
      for (size_t j = 0; j < r.columns.size(); ++j) {
        if (!used[j] && r.columns[j].name == cc.name) {
          st.order.push_back(j);
          used[j] = true;
          break;
        }
      }
    }
  }
  for (size_t j = 0; j < r.columns.size(); ++j) {
    if (!used[j]) st.order.push_back(j);
  }
  bool reloaded = false;
  st.name = schema + "." + name;
  TableSchema ts;
  ts.schema = schema;
  ts.name = name;
  for (const size_t j : st.order) {
    const auto& rc = r.columns[j];
    if (!types_.find(rc.type_oid) && rc.type_oid >= 16384 && !reloaded) {
      types_ = read_types(*meta_);  // a type created after the stream opened
      reloaded = true;
    }
    Column c;
    c.name = rc.name;
    const Decoder d = decoder_for(rc.type_oid, rc.type_modifier, &types_);
    c.type = d.type;
    c.element_type = d.element_type;
    bool found = false;
    if (cat) {
      for (const auto& cc : cat->table.columns) {
        if (cc.name != rc.name) continue;
        c = cc;
        c.type = d.type;
        found = true;
        break;
      }
    }
    // Rows are found by what the server sends as the old key: the replica identity. With
    // USING INDEX that is the index's columns, whatever the primary key is.
    const bool has_pk = cat && !(cat->table.flags & FERRY_TABLE_NO_PRIMARY_KEY);
    if (r.replica_identity == ReplicaIdentity::Index || !has_pk) {
      c.flags &= ~static_cast<uint32_t>(FERRY_COLUMN_IN_PRIMARY_KEY);
      if (rc.key && r.replica_identity != ReplicaIdentity::Full) {
        c.flags |= FERRY_COLUMN_IN_PRIMARY_KEY;
      }
    }
    if (!found) c.native_type = std::to_string(rc.type_oid);
    ts.columns.push_back(std::move(c));
    st.decoders.push_back(d);
  }
  // Partitions of one table with the same columns share its description, so that their rows
  // stay one table in a batch.
  if (st.root != 0) {
    for (const auto& [other_oid, other] : rel_states_) {
      if (other.root == st.root && same_columns(other.ref->table().columns, ts.columns)) {
        st.ref = other.ref;
        break;
      }
    }
  }
  if (!st.ref) st.ref = make_table(std::move(ts));
  return rel_states_.emplace(oid, std::move(st)).first->second;
}

void PgStream::add_image(const RelState& rel, const Tuple& t) {
  BatchBuilder& b = out();
  if (t.size() != rel.decoders.size()) {
    fail(FERRY_DATA_LOSS, "pgoutput: a row of " + std::to_string(t.size()) + " values for " +
                              rel.name + " of " + std::to_string(rel.decoders.size()) + " columns");
  }
  for (size_t i = 0; i < rel.order.size(); ++i) {
    std::string why;
    if (!append_value(b, rel.decoders[i], t[rel.order[i]], &why)) {
      fail(FERRY_NOT_SUPPORTED, rel.name + "." + rel.ref->table().columns[i].name + ": " + why);
    }
  }
}

// A TRUNCATE names the relations it emptied — those the statement named and those its CASCADE
// reached, as far as the publication publishes them — in one message: they become consecutive
// TRUNCATE records, which a destination applies as one group (tables linked by a foreign key
// can only be emptied together). A table as itself; a partitioned table as all of its
// partitions, which becomes one TRUNCATE of that table. Some of its partitions only cannot be
// replayed — the destination holds the table as one, and the stream does not say which of its
// rows were in them — and stop the stream, before any record of the message goes out, rather
// than leave those rows in place. The CASCADE and RESTART IDENTITY options are not carried:
// the relations already say what was emptied, and replication does not keep the destination's
// identity sequences in step anyway (replicated rows carry their identity values).
void PgStream::on_truncate(const Truncate& tr) {
  std::vector<const RelState*> rels;
  for (uint32_t oid : tr.relations) rels.push_back(&relation(oid));
  std::vector<const RelState*> emit;
  std::set<uint32_t> done;
  for (size_t i = 0; i < rels.size(); ++i) {
    const RelState& rel = *rels[i];
    if (rel.root != 0) {
      if (!done.insert(rel.root).second) continue;
      std::set<uint32_t> named;
      for (size_t k = 0; k < rels.size(); ++k) {
        if (rels[k]->root == rel.root) named.insert(tr.relations[k]);
      }
      if (meta_->broken()) meta_ = std::make_unique<Connection>(source_.connect);
      const Rows leaves = meta_->query(
          "SELECT p.relid::oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM "
          "pg_partition_tree($1::oid::regclass) p JOIN pg_class c ON c.oid = p.relid JOIN "
          "pg_namespace n ON n.oid = c.relnamespace WHERE p.isleaf AND c.relkind = 'r' AND "
          "c.relpersistence = 'p' ORDER BY 2",
          {std::to_string(rel.root)});
      std::vector<std::string> kept;
      for (const auto& l : leaves.rows) {
        if (!named.count(static_cast<uint32_t>(std::stoul(l[0].value_or("0"))))) {
          kept.push_back(l[1].value_or("?"));
        }
      }
      if (!kept.empty()) {
        std::string emptied;
        for (size_t k = 0; k < rels.size(); ++k) {
          if (rels[k]->root == rel.root) {
            emptied += (emptied.empty() ? "" : ", ") + rels[k]->partition;
          }
        }
        fail(FERRY_DATA_LOSS,
             source_.connect.where() + ": TRUNCATE of partition(s) " + emptied + " of " + rel.name +
                 " (in the transaction after " + format_lsn(boundary_) +
                 ") cannot be replayed: the destination holds " + rel.name +
                 " as one table and the change stream does not say which of its rows were in "
                 "those partitions, so they would stay. Start the task again from a new "
                 "snapshot; while ferry replicates, empty a partition with DELETE (replicated "
                 "row by row), or TRUNCATE the whole table.");
      }
    }
    emit.push_back(&rel);
  }
  if (tr.cascade || tr.restart_identity) {
    host_.debug(std::string("pg stream: TRUNCATE") + (tr.cascade ? " CASCADE" : "") +
                (tr.restart_identity ? " RESTART IDENTITY" : "") + " of " +
                std::to_string(emit.size()) + " table(s): replayed as a TRUNCATE of those tables");
  }
  for (const RelState* rel : emit) {
    if (!count_record()) continue;
    const uint32_t t = batch_table(rel->ref);
    out().add_record(FERRY_OP_TRUNCATE, t, FERRY_NO_ROW, FERRY_NO_ROW, txn_seq_, txn_time_us_,
                     in_txn_position());
  }
}

void PgStream::on_message(const Message& m, Lsn /*wal_start*/) {
  if (const auto* b = std::get_if<Begin>(&m)) {
    in_txn_ = true;
    txn_time_us_ = b->commit_time_us;
    if (count_record()) {
      ++txn_seq_;
      out().add_record(FERRY_OP_BEGIN, FERRY_NO_TABLE, FERRY_NO_ROW, FERRY_NO_ROW, txn_seq_,
                       txn_time_us_, in_txn_position());
    }
    return;
  }
  if (const auto* c = std::get_if<Commit>(&m)) {
    boundary_ = c->end_lsn;
    last_commit_us_ = c->commit_time_us;
    out().add_record(FERRY_OP_COMMIT, FERRY_NO_TABLE, FERRY_NO_ROW, FERRY_NO_ROW, txn_seq_,
                     c->commit_time_us, WalPosition{boundary_, 0}.encode());
    in_txn_ = false;
    txn_records_ = 0;
    skip_records_ = 0;
    flush_now_ = true;
    return;
  }
  if (const auto* r = std::get_if<Relation>(&m)) {
    relations_.update(*r);
    rel_states_.erase(r->oid);  // described again (after DDL or TRUNCATE): rebuild
    return;
  }
  if (const auto* ins = std::get_if<Insert>(&m)) {
    const RelState& rel = relation(ins->relation);
    if (!count_record()) return;
    const uint32_t t = batch_table(rel.ref);
    const uint64_t after = out().next_cell();
    add_image(rel, ins->row);
    out().add_record(FERRY_OP_INSERT, t, FERRY_NO_ROW, after, txn_seq_, txn_time_us_,
                     in_txn_position());
    ++rows_in_batch_;
    return;
  }
  if (const auto* up = std::get_if<Update>(&m)) {
    const RelState& rel = relation(up->relation);
    if (!count_record()) return;
    const uint32_t t = batch_table(rel.ref);
    // Without an old tuple the key did not change: the new row locates the old one.
    const uint64_t before = out().next_cell();
    add_image(rel, up->old_kind == OldTuple::None ? up->row : up->old_row);
    const uint64_t after = out().next_cell();
    add_image(rel, up->row);
    out().add_record(FERRY_OP_UPDATE, t, before, after, txn_seq_, txn_time_us_, in_txn_position());
    ++rows_in_batch_;
    return;
  }
  if (const auto* del = std::get_if<Delete>(&m)) {
    const RelState& rel = relation(del->relation);
    if (!count_record()) return;
    if (del->old_kind == OldTuple::None) {
      fail(FERRY_DATA_LOSS, "pgoutput: a DELETE on " + rel.name +
                                " without its old key (the table has no replica identity)");
    }
    const uint32_t t = batch_table(rel.ref);
    const uint64_t before = out().next_cell();
    add_image(rel, del->old_row);
    out().add_record(FERRY_OP_DELETE, t, before, FERRY_NO_ROW, txn_seq_, txn_time_us_,
                     in_txn_position());
    ++rows_in_batch_;
    return;
  }
  if (const auto* tr = std::get_if<Truncate>(&m)) {
    on_truncate(*tr);
    return;
  }
  // Origin, Type (types are read from the catalog), logical messages: nothing to deliver.
}

void PgStream::handle(std::string_view data) {
  last_heard_ = Clock::now();
  const StreamMessage sm = parse_copy_data(data);
  if (const auto* k = std::get_if<Keepalive>(&sm)) {
    received_ = std::max(received_, k->wal_end);
    if (k->reply_requested) send_status(false);
    // Idle: everything committed before the server's position has been sent.
    if (!in_txn_ && skip_records_ == 0 && k->wal_end > boundary_ &&
        Clock::now() - last_heartbeat_ >= std::chrono::seconds(1)) {
      last_heartbeat_ = Clock::now();
      boundary_ = k->wal_end;
      out().add_record(FERRY_OP_HEARTBEAT, FERRY_NO_TABLE, FERRY_NO_ROW, FERRY_NO_ROW, 0,
                       last_commit_us_, WalPosition{boundary_, 0}.encode());
      flush_now_ = true;
    }
    return;
  }
  const auto& x = std::get<XLogData>(sm);
  received_ = std::max(received_, x.wal_start);
  on_message(parse_message(x.payload), x.wal_start);
}

OwnedBatch PgStream::next() {
  if (stop_) throw *stop_;
  flush_now_ = false;
  unsigned attempts = 0;
  // Silence is counted from now at the earliest: the consumer may have been away.
  const Clock::time_point entered = Clock::now();
  for (;;) {
    if (host_.cancelled()) fail(FERRY_CANCELLED, "stopped");
    if (out_ && !out_->empty() &&
        (rows_in_batch_ >= settings_.change_batch_rows ||
         out_->data_bytes() >= source_.batch_bytes ||
         (flush_now_ && Clock::now() - last_return_ >= std::chrono::milliseconds(100)))) {
      OwnedBatch b = OwnedBatch::from(std::move(*out_));
      out_.reset();
      last_return_ = Clock::now();
      return b;
    }
    try {
      if (!conn_) connect();
      if (Clock::now() - last_status_ >= std::chrono::milliseconds(settings_.status_interval_ms)) {
        send_status(true);
      }
      if (buf_) {
        PQfreemem(buf_);
        buf_ = nullptr;
      }
      const int n = PQgetCopyData(conn_->get(), &buf_, 1);
      if (n > 0) {
        try {
          handle(std::string_view(buf_, static_cast<size_t>(n)));
        } catch (const Error& e) {
          if (e.status() != FERRY_DATA_LOSS || !out_ || out_->empty()) throw;
          stop_ = e;
          OwnedBatch b = OwnedBatch::from(std::move(*out_));
          out_.reset();
          return b;
        }
        if (flush_now_) attempts = 0;  // progress: a transaction or a position went out
        // A batch goes out when the server has nothing more right now, after a COMMIT.
        continue;
      }
      if (n == -2) conn_->raise("reading the replication stream");
      if (n == -1) {
        PGresult* res = PQgetResult(conn_->get());
        std::string msg = res ? PQresultErrorMessage(res) : "";
        if (res) PQclear(res);
        if (msg.find("has already been removed") != std::string::npos) {
          fail(FERRY_DATA_LOSS, source_.connect.where() + ": replication slot " + source_.slot +
                                    ": the WAL it needs was removed (" + msg +
                                    "): the change stream has a gap. Start the migration again "
                                    "from a new snapshot, and raise max_slot_wal_keep_size.");
        }
        fail(FERRY_UNAVAILABLE, source_.connect.where() +
                                    ": the server ended the replication stream" +
                                    (msg.empty() ? std::string() : ": " + msg));
      }
      // Nothing buffered: a batch with a complete transaction goes out now; else wait.
      if (flush_now_ && out_ && !out_->empty()) {
        OwnedBatch b = OwnedBatch::from(std::move(*out_));
        out_.reset();
        last_return_ = Clock::now();
        return b;
      }
      pollfd p{};
      p.fd = PQsocket(conn_->get());
      p.events = POLLIN;
      ::poll(&p, 1, 200);
      if (PQconsumeInput(conn_->get()) == 0) conn_->raise("reading the replication stream");
      if (!PQisBusy(conn_->get()) && Clock::now() - std::max(last_heard_, entered) >
                                         std::chrono::seconds(settings_.dead_after_s)) {
        fail(FERRY_UNAVAILABLE, source_.connect.where() + ": no answer from the server for " +
                                    std::to_string(settings_.dead_after_s) +
                                    " s on the replication connection");
      }
    } catch (const Error& e) {
      if (e.status() != FERRY_UNAVAILABLE || attempts >= settings_.reconnect_attempts) throw;
      ++attempts;
      const auto wait = std::chrono::milliseconds(std::min(30000u, 250u << std::min(attempts, 7u)));
      host_.warn(std::string("replication stream lost (") + e.what() + "); reconnecting in " +
                 std::to_string(wait.count()) + " ms, attempt " + std::to_string(attempts));
      const auto until = Clock::now() + wait;
      while (Clock::now() < until) {
        if (host_.cancelled()) fail(FERRY_CANCELLED, "stopped");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      // Resume at the last transaction boundary; the open transaction's records delivered so
      // far are recognised by their count and not delivered again.
      skip_records_ = std::max(skip_records_, txn_records_);
      conn_.reset();
      try {
        connect();
      } catch (const Error& again) {
        if (again.status() != FERRY_UNAVAILABLE) throw;
      }
    }
  }
}

}  // namespace

std::unique_ptr<BatchStream> open_pg_stream(const SourceSettings& source,
                                            const StreamSettings& stream, const Host& host,
                                            const WalPosition& from,
                                            std::shared_ptr<std::atomic<uint64_t>> acked) {
  return std::make_unique<PgStream>(source, stream, host, from, std::move(acked));
}

}  // namespace ferry::pg
