// The PostgreSQL source: catalog, key-range (or ctid-range) splits, snapshot reads that import
// the replication slot's exported snapshot, and the source side of verification.
#pragma once

#include <ferry/sdk.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "catalog.hpp"
#include "connection.hpp"
#include "snapshot.hpp"

namespace ferry::pg {

struct SourceSettings {
  ConnectOptions connect;
  std::string task_id;      // names the publication ferry creates (its COMMENT), see release()
  std::string slot;         // replication slot of the task
  std::string publication;  // publication of the task's tables
  size_t batch_bytes = 8u << 20;
  CopyFormat copy_format = CopyFormat::Binary;  // of snapshot reads
  uint32_t change_batch_rows = 1000;
  unsigned dead_after_s = 10;
  unsigned reconnect_attempts = 10;

  static SourceSettings from_config(const Config& config, const std::string& task_id);
};

// The default slot and publication name of a task: "ferry_<id>" when the id is already made of
// [a-z0-9_] and short enough, else "ferryh_<id folded to [a-z0-9_], cut>_<16 hex digits of a
// hash of the exact id>" — at most 63 bytes, a valid slot name, and different for different
// ids (orders-eu and orders_eu, or long ids sharing a prefix, never share a slot).
std::string default_object_name(const std::string& task_id);

// The COMMENT ferry puts on a publication it creates for a task: release() drops a publication
// only when it carries the comment of its own task.
std::string publication_marker(const std::string& task_id);

class PgSource : public Source {
 public:
  explicit PgSource(const CreateContext& ctx);
  ~PgSource() override;

  std::string precheck() override;
  Catalog discover(const std::string& selection_json) override;
  Position snapshot_position() override;
  std::vector<Split> plan_splits(const TableSchema& table, uint64_t target_rows) override;
  std::unique_ptr<BatchStream> open_snapshot(const Split& split, uint32_t batch_rows) override;
  std::unique_ptr<BatchStream> open_changes(const Position& from) override;
  void ack(const Position& upto) override;
  void release() override;
  int compare_positions(const Bytes& a, const Bytes& b) override;
  std::string describe_position(const Bytes& position) override;
  Checksum checksum(const Split& range, const std::string& spec) override;
  std::unique_ptr<BatchStream> read_range(const Split& range, uint32_t batch_rows) override;

 private:
  std::shared_ptr<Connection> reader();
  const TypeCatalog& types();
  const PgTable& table(const std::string& schema, const std::string& name);
  bool is_selected(const std::string& schema, const std::string& table) const;
  void prepare_publication(Connection& conn, const std::string& tables, bool partitioned,
                           bool& created);

  Host host_;
  SourceSettings settings_;
  std::shared_ptr<Connection> reader_;
  std::unique_ptr<Connection> snapshot_conn_;  // holds the exported snapshot while it lives
  std::string snapshot_name_;
  std::optional<TypeCatalog> types_;
  Selection selection_;
  std::vector<std::pair<std::string, std::string>> selected_;  // from the last discover()
  std::map<std::pair<std::string, std::string>, PgTable> tables_;
  // The LSN the consumer has made durable (ack()), confirmed to the server by the stream.
  std::shared_ptr<std::atomic<uint64_t>> acked_ = std::make_shared<std::atomic<uint64_t>>(0);
};

// A position in PostgreSQL's WAL: the LSN after the last complete transaction, and the number
// of records of the transaction after it already delivered (0 at a boundary).
struct WalPosition {
  uint64_t lsn = 0;
  uint64_t index = 0;
  Bytes encode() const;
  static WalPosition decode(const uint8_t* data, size_t len);
  std::string display() const;
};

}  // namespace ferry::pg
