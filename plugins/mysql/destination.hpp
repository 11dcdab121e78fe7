// The MySQL-family destination (MySQL, MariaDB, OceanBase MySQL mode): DDL, bulk load, change
// apply in transactions with the checkpoint in the same transaction, verification reads.
//
// Config (declared in plugin.cpp): the connection fields (host, port, user, password, database,
// connect_timeout_s, read_timeout_s, ssl_mode, ssl_ca) plus
//   checkpoint_table     "db.table" where apply_changes keeps its checkpoint
//                        (default ferry.apply_checkpoint; created on first use)
//   local_infile         true: bulk_write streams LOAD DATA LOCAL INFILE from memory;
//                        false: multi-row INSERT
//   max_statement_bytes  upper bound of one INSERT statement (capped by the server's
//                        max_allowed_packet)
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

namespace ferry::mysql {

class MysqlDestination : public ferry::Destination {
 public:
  explicit MysqlDestination(const ferry::CreateContext& ctx);
  ~MysqlDestination() override;
  MysqlDestination(const MysqlDestination&) = delete;
  MysqlDestination& operator=(const MysqlDestination&) = delete;

  // JSON array of {"item","status":"passed|failed|warning","detail","fix"}: connectivity,
  // version, writable, local_infile, privileges, max_allowed_packet, checkpoint table.
  std::string precheck() override;
  // Executes one statement (outside any transaction).
  void apply_ddl(const std::string& statement) override;
  // LOAD DATA LOCAL INFILE streamed from the batch (REPLACE with FERRY_APPLY_IDEMPOTENT), or
  // multi-row INSERT (... ON DUPLICATE KEY UPDATE when idempotent) when LOCAL INFILE is off or
  // refused, or the batch holds DEFAULT cells. One transaction per call; any server warning is
  // an error and nothing of the batch stays.
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

}  // namespace ferry::mysql
