// What the SQL destinations (mysql, postgres) share in apply_changes: the record loop and the
// small helpers around it. Header-only.
//
// ApplyDriver walks a change batch in source commit order and keeps the rules both engines
// follow: BEGIN starts a transaction (rows before any BEGIN start one implicitly); COMMIT
// commits it, and the batch's last COMMIT first writes the checkpoint in the same transaction;
// consecutive INSERTs (and idempotent upserts) of one table are grouped in a pending statement
// that every other record flushes first; a batch that has no COMMIT, or that ran DDL or
// TRUNCATE outside a transaction after its last COMMIT, and leaves no transaction open stores
// its checkpoint on its own at the end. What each engine does with a record (and what it does
// with DDL and TRUNCATE, which differ most) is a hook.
//
// TRUNCATE: consecutive TRUNCATE records (no other record between them, so one transaction)
// are the tables a source emptied together — PostgreSQL sends the tables of one TRUNCATE
// statement, those it names and those its CASCADE reached, as one message, which its source
// delivers as consecutive records — and go to the hook as ONE group, applied together: a
// table referenced by a foreign key can only be emptied with the tables that reference it
// (`TRUNCATE a, b`). Emptying them one by one would fail on PostgreSQL (and MySQL) although
// together they leave the same state as the source. Any other record applies the group first.
// A group still growing at the end of a batch whose transaction stays open waits for the next
// batch in the destination's TruncateGroup (a source transaction may span batches); a
// transaction that is gone by then (rolled back after an error) takes the group with it.
//
//   Info    the destination's per-table description: has ref (const ferry_table_ref*), key and
//           written (column indexes) and display (schema.table, for messages).
//   Pending the grouped INSERT: has table (FERRY_NO_TABLE when empty) and rows.
#pragma once

#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/error.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ferry::common {

inline std::string str_or(const char* s, const char* fallback = "") {
  return s ? std::string(s) : std::string(fallback);
}

// The destinations read canonical values only. `engine` names the destination in the message.
inline void check_encoding(const BatchView& b, const char* engine) {
  if (b.encoding() != nullptr) {
    fail(FERRY_NOT_SUPPORTED, std::string("the ") + engine +
                                  " destination reads canonical values only, not the batch "
                                  "encoding '" +
                                  b.encoding() + "'");
  }
}

inline void check_change_batch(const BatchView& b) {
  if (b.is_row_batch()) {
    fail(FERRY_INVALID_ARGUMENT,
         "apply_changes needs a change batch (ops, images); this is "
         "a row batch — use bulk_write");
  }
}

inline void check_image(const BatchView& b, uint64_t first, uint32_t width, uint64_t record) {
  if (first == FERRY_NO_ROW || first + width > b.cell_count()) {
    fail(FERRY_INVALID_ARGUMENT, "record " + std::to_string(record) +
                                     " of the batch points past its cells (malformed batch)");
  }
}

inline bool same_cell(const Cell& x, const Cell& y) {
  return x.is_null() == y.is_null() && (x.is_null() || x.data == y.data);
}

// The rows of a bulk_write batch: a row batch, or a change batch of INSERTs.
template <class Info>
struct RowSource {
  const BatchView& batch;
  const Info& table;
  uint64_t first(uint64_t r) const {
    const uint32_t width = table.ref->column_count;
    if (!batch.is_row_batch() && batch.op(r) != FERRY_OP_INSERT) {
      fail(FERRY_INVALID_ARGUMENT,
           "bulk_write into " + table.display + ": the batch holds a record that is not an INSERT");
    }
    const uint64_t f = batch.is_row_batch() ? r * width : batch.after(r);
    check_image(batch, f, width, r);
    return f;
  }
};

template <class Info>
bool has_unchanged(const Info& t, const BatchView& b, uint64_t image) {
  for (uint32_t col : t.written) {
    if (b.cell(image + col).is_unchanged()) return true;
  }
  return false;
}

template <class Info>
bool key_changed(const Info& t, const BatchView& b, uint64_t before, uint64_t after) {
  if (before == FERRY_NO_ROW) return false;
  for (uint32_t k : t.key) {
    if (!same_cell(b.cell(before + k), b.cell(after + k))) return true;
  }
  return false;
}

// The images of an UPDATE, checked. `old_image` finds the row: the before image, or for a
// source that sends only the new row (PostgreSQL without a key change) the after image's key.
struct UpdateImages {
  uint64_t after, before, old_image;
};

template <class Info>
UpdateImages checked_images(const Info& t, const BatchView& b, uint64_t r) {
  const uint32_t width = t.ref->column_count;
  const uint64_t after = b.after(r), before = b.before(r);
  check_image(b, after, width, r);
  if (before != FERRY_NO_ROW) check_image(b, before, width, r);
  return {after, before, before != FERRY_NO_ROW ? before : after};
}

// An idempotent UPDATE that is an upsert of its after image and nothing else: the table has
// a key, the key did not change, no value is unchanged.
template <class Info>
bool plain_upsert(const Info& t, const BatchView& b, uint64_t r) {
  const UpdateImages i = checked_images(t, b, r);
  return !t.key.empty() && !has_unchanged(t, b, i.after) && !key_changed(t, b, i.before, i.after);
}

// checked_images, and a table without a key needs the before image to find the row.
template <class Info>
UpdateImages update_images(const Info& t, const BatchView& b, uint64_t r) {
  const UpdateImages i = checked_images(t, b, r);
  if (t.key.empty() && i.before == FERRY_NO_ROW) {
    fail(FERRY_INVALID_ARGUMENT,
         "apply: UPDATE of " + t.display + " (no primary key) has no before image to find the row");
  }
  return i;
}

// An UPDATE or DELETE of ordinary mode matched no row (`key`: the row's key as shown).
[[noreturn]] inline void missing_row(const std::string& display, const std::string& key,
                                     const char* what) {
  fail(FERRY_DATA_LOSS, "apply: " + std::string(what) + " of " + display +
                            " matched no row with key " + key +
                            ": the destination has diverged from the source (the row the "
                            "source changed is missing here)");
}

// An idempotent upsert whose row is missing and whose after image has unchanged cells.
[[noreturn]] inline void unchanged_missing(const std::string& display, const std::string& key) {
  fail(FERRY_DATA_LOSS, "apply (idempotent): the row " + key + " of " + display +
                            " is missing here, and the change carries some columns as unchanged "
                            "(FERRY_CELL_UNCHANGED), so the values to insert are unknown");
}

// One table of a TRUNCATE group, as the destination names it (copied: a group may outlive the
// batch whose records named it).
struct TruncateTarget {
  std::string schema, table;
  std::string name;     // quoted and qualified, as the destination writes it
  std::string display;  // schema.table, for messages
};

// The TRUNCATE group being collected; a destination keeps one across apply_changes calls.
struct TruncateGroup {
  std::vector<TruncateTarget> tables;
  void add(TruncateTarget t) {
    for (const auto& x : tables) {
      if (x.name == t.name) return;  // named twice: once is enough
    }
    tables.push_back(std::move(t));
  }
};

// "a.x, b.y" of a group, for messages.
inline std::string displays(const std::vector<TruncateTarget>& group) {
  std::string s;
  for (const auto& t : group) s += (s.empty() ? "" : ", ") + t.display;
  return s;
}

template <class Info, class Pending>
class ApplyDriver {
 public:
  // `truncates`: where a TRUNCATE group is kept when the batch ends inside an open transaction
  // (nullptr: a group is always applied by the end of the batch).
  ApplyDriver(const BatchView& b, bool idempotent, TruncateGroup* truncates = nullptr)
      : batch_(b),
        idempotent_(idempotent),
        infos_(b.table_count()),
        truncates_(truncates ? *truncates : own_truncates_),
        carry_truncates_(truncates != nullptr) {}
  virtual ~ApplyDriver() = default;
  ApplyDriver(const ApplyDriver&) = delete;
  ApplyDriver& operator=(const ApplyDriver&) = delete;

  // Applies every record of the batch; `checkpoint` (may be empty) goes with the last COMMIT.
  void run(std::span<const uint8_t> checkpoint) {
    const BatchView& b = batch_;
    const uint64_t n = b.record_count();
    uint64_t last_commit = FERRY_NO_ROW;
    for (uint64_t r = 0; r < n; ++r) {
      if (b.op(r) == FERRY_OP_COMMIT) last_commit = r;
    }
    bool checkpoint_stored = false, autocommitted_after = false;
    // A group kept from the previous batch belongs to its transaction: gone with it, if it is.
    if (!txn_open()) truncates_.tables.clear();
    for (uint64_t r = 0; r < n; ++r) {
      const ferry_op op = b.op(r);
      if (op != FERRY_OP_INSERT && op != FERRY_OP_UPDATE) flush();
      if (op != FERRY_OP_TRUNCATE && apply_truncates()) autocommitted_after = true;
      switch (op) {
        case FERRY_OP_BEGIN:
          if (txn_open() && txn_wrote()) {
            fail(FERRY_INVALID_ARGUMENT, "apply: record " + std::to_string(r) +
                                             " is a BEGIN inside a transaction that has not "
                                             "committed (records out of order?)");
          }
          if (!txn_open()) begin();
          break;
        case FERRY_OP_COMMIT:
          if (r == last_commit && !checkpoint.empty()) {
            if (!txn_open()) begin();
            write_checkpoint(checkpoint);
            checkpoint_stored = true;
          }
          if (txn_open()) commit();
          autocommitted_after = false;
          break;
        case FERRY_OP_INSERT: {
          const Info& t = info(r, "INSERT");
          const uint32_t ti = b.table_index(r);
          const uint64_t after = b.after(r);
          check_image(b, after, t.ref->column_count, r);
          if (has_unchanged(t, b, after)) {
            fail(FERRY_INVALID_ARGUMENT, "apply: INSERT into " + t.display + " (record " +
                                             std::to_string(r) + ") has UNCHANGED cells");
          }
          if (!txn_open()) begin();
          if (pending_.rows > 0 && pending_.table != ti) flush();
          if (idempotent_ && t.key.empty()) {
            flush();
            insert_if_absent(t, after);
          } else {
            add_insert(pending_, ti, t, after, r);
          }
          break;
        }
        case FERRY_OP_UPDATE: {
          const Info& t = info(r, "UPDATE");
          const uint32_t ti = b.table_index(r);
          if (!txn_open()) begin();
          if (idempotent_ && plain_upsert(t, b, r)) {
            // The same statement as an idempotent INSERT: it joins the group of its table.
            if (pending_.rows > 0 && pending_.table != ti) flush();
            add_insert(pending_, ti, t, b.after(r), r);
          } else {
            flush();  // nothing may overtake the rows still pending
            apply_update(pending_, ti, t, r);
          }
          break;
        }
        case FERRY_OP_DELETE: {
          const Info& t = info(r, "DELETE");
          if (!txn_open()) begin();
          const uint64_t before = b.before(r);
          if (before == FERRY_NO_ROW) {
            fail(FERRY_INVALID_ARGUMENT, "apply: DELETE from " + t.display + " (record " +
                                             std::to_string(r) + ") has no before image");
          }
          check_image(b, before, t.ref->column_count, r);
          apply_delete(t, before);
          break;
        }
        case FERRY_OP_DDL: {
          const uint64_t after = b.after(r);
          check_image(b, after, 1, r);
          const std::string statement(b.cell(after).data);
          if (apply_ddl(r, statement, b.table(r))) autocommitted_after = true;
          break;
        }
        case FERRY_OP_TRUNCATE: {
          const Info& t = info(r, "TRUNCATE");
          truncates_.add(TruncateTarget{t.schema, t.table, t.name, t.display});
          break;
        }
        case FERRY_OP_HEARTBEAT:
          break;
        default:
          fail(FERRY_INVALID_ARGUMENT,
               "apply: record " + std::to_string(r) + " has an unknown op " + std::to_string(op));
      }
    }
    flush();
    // The group may go on in the next batch when the transaction does; else it applies now.
    if (!(carry_truncates_ && txn_open()) && apply_truncates()) autocommitted_after = true;
    if (!checkpoint.empty() && !txn_open() && (!checkpoint_stored || autocommitted_after)) {
      write_checkpoint(checkpoint);  // autocommit: nothing else is pending
    }
  }

 protected:
  // ---- hooks ---------------------------------------------------------------------------------
  virtual bool txn_open() const = 0;
  virtual bool txn_wrote() const = 0;
  virtual void begin() = 0;
  virtual void commit() = 0;
  // Upserts the checkpoint row (in the open transaction, or on its own in autocommit).
  virtual void write_checkpoint(std::span<const uint8_t> checkpoint) = 0;
  virtual Info describe(const ferry_table_ref& ref) = 0;
  // Sends the grouped INSERT (p.rows > 0) and empties p.
  virtual void flush_pending(Pending& p, const Info& t) = 0;
  // Adds the after image at `after` (record `record`, table index `ti`) to the group p.
  virtual void add_insert(Pending& p, uint32_t ti, const Info& t, uint64_t after,
                          uint64_t record) = 0;
  // Idempotent INSERT into a table without a key.
  virtual void insert_if_absent(const Info& t, uint64_t after) = 0;
  // Any UPDATE but an idempotent plain upsert; p is empty (may be refilled).
  virtual void apply_update(Pending& p, uint32_t ti, const Info& t, uint64_t record) = 0;
  // `before` is a checked before image.
  virtual void apply_delete(const Info& t, uint64_t before) = 0;
  // True when the statement ran outside a transaction: the checkpoint is stored again at the end.
  virtual bool apply_ddl(uint64_t record, const std::string& statement,
                         const ferry_table_ref* object) = 0;
  // Empties the tables of a TRUNCATE group (at least one) together; true when it ran outside a
  // transaction (as apply_ddl).
  virtual bool apply_truncate(const std::vector<TruncateTarget>& group) = 0;

  // The table descriptions read so far are stale (after DDL).
  void forget_tables() {
    for (auto& i : infos_) i.reset();
  }

  const BatchView& batch_;
  const bool idempotent_;

 private:
  const Info& info(uint64_t r, const char* op) {
    const uint32_t ti = batch_.table_index(r);
    if (ti == FERRY_NO_TABLE || ti >= batch_.table_count()) {
      fail(FERRY_INVALID_ARGUMENT,
           std::string("apply: record ") + std::to_string(r) + " (" + op + ") has no table");
    }
    if (!infos_[ti]) infos_[ti] = describe(*batch_.table_at(ti));
    return *infos_[ti];
  }

  void flush() {
    if (pending_.rows > 0) flush_pending(pending_, *infos_[pending_.table]);
  }

  // Applies the TRUNCATE group collected so far, if any; true when it ran outside a transaction.
  bool apply_truncates() {
    if (truncates_.tables.empty()) return false;
    std::vector<TruncateTarget> group;
    group.swap(truncates_.tables);  // applied or failed: either way it is not kept
    return apply_truncate(group);
  }

  std::vector<std::optional<Info>> infos_;
  Pending pending_;
  TruncateGroup own_truncates_;
  TruncateGroup& truncates_;
  const bool carry_truncates_;
};

// A destination's session that broke outside its own error paths (e.g. a read timeout in a
// verification stream) is dropped; a transaction it had open is gone with it, which the host
// must hear about (it retries from its last checkpoint) rather than apply the rest of it alone.
template <class Conn>
void drop_broken_session(std::shared_ptr<Conn>& conn, bool& txn_open, bool& txn_wrote,
                         const std::string& where) {
  if (!conn || !conn->broken()) return;
  const bool lost_txn = txn_open;
  conn.reset();
  txn_open = txn_wrote = false;
  if (lost_txn) {
    fail(FERRY_UNAVAILABLE,
         where + ": the connection was lost inside a transaction; retry from the last checkpoint");
  }
}

}  // namespace ferry::common
