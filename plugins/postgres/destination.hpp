// The PostgreSQL destination: DDL, COPY bulk load, change apply in transactions with the
// checkpoint in the same transaction, verification reads. Same apply semantics and checkpoint
// contract as the mysql destination (plugins/mysql/destination.cpp); destination.cpp states the
// rules and where PostgreSQL differs.
//
// Config (declared in plugin.cpp): the connection fields (host, port, user, password, database,
// connect_timeout_s, sslmode, sslrootcert) plus
//   checkpoint_table     "schema.table" where apply_changes keeps its checkpoint
//                        (default ferry.apply_checkpoint; created on first use; a bare name is
//                        a table of schema public)
//   copy_format          "binary" (default: COPY binary format for a table whose every written
//                        column has a binary encoder, pg_binary.hpp; text format for the others)
//                        or "text"
//   max_statement_bytes  upper bound of one INSERT statement (at least 1024)
//
// The connection is opened on first use (precheck reports a failure to connect as an item) and
// dropped after a connection-level error, so the next call starts on a fresh session. It is
// never reopened silently inside a transaction: the error (FERRY_UNAVAILABLE) reaches the host,
// which retries from its last checkpoint.
#pragma once

#include <ferry/sdk.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>

namespace ferry::pg {

class PgDestination : public ferry::Destination {
 public:
  explicit PgDestination(const ferry::CreateContext& ctx);
  ~PgDestination() override;
  PgDestination(const PgDestination&) = delete;
  PgDestination& operator=(const PgDestination&) = delete;

  // JSON array of {"item","status":"passed|failed|warning","detail","fix"}: connectivity,
  // version, writable (not a standby, not read-only), privileges (create schemas in the
  // database, create/write in its schemas), copy format, checkpoint table.
  std::string precheck() override;
  // Executes one statement (outside any transaction).
  void apply_ddl(const std::string& statement) override;
  // COPY ... FROM STDIN (binary format where exact, else text) streamed from the batch in
  // ~1 MiB chunks, in one transaction. FERRY_APPLY_IDEMPOTENT: COPY into a temporary table,
  // then INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE. A batch with DEFAULT cells takes
  // multi-row INSERTs.
  void bulk_write(const ferry_table_ref& table, const ferry::BatchView& batch,
                  uint32_t flags) override;
  // Change records in source commit order; see destination.cpp for the rules.
  void apply_changes(const ferry::BatchView& batch, uint32_t flags,
                     std::span<const uint8_t> checkpoint) override;
  // The last checkpoint apply_changes committed for (task id, instance name), or nullopt.
  std::optional<ferry::Bytes> flush() override;
  ferry::Checksum checksum(const ferry::Split& range, const std::string& spec) override;
  std::unique_ptr<ferry::BatchStream> read_range(const ferry::Split& range,
                                                 uint32_t batch_rows) override;
  // The destination's tables that `selection_json` selects (system schemas never), read with
  // the source's catalog code on the verification session: full import without schema
  // migration copies the columns both sides have.
  ferry::Catalog discover(const std::string& selection_json) override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::pg
