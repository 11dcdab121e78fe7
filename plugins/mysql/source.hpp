// The MySQL-family source: catalog, key-range splits, consistent snapshot reads, the binlog
// change stream, and the source side of verification.
#pragma once

#include <ferry/sdk.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog.hpp"
#include "connection.hpp"
#include "position.hpp"

namespace ferry::mysql {

struct SourceSettings {
  ConnectOptions connect;
  uint32_t server_id = 0;  // the replica id this task's binlog reader registers with
  size_t batch_bytes = 8u << 20;
  uint32_t change_batch_rows = 1000;
  bool resume_by_gtid = false;  // resume the change stream by GTID instead of file:pos
  unsigned heartbeat_s = 1;
  unsigned reconnect_attempts = 10;

  static SourceSettings from_config(const Config& config, const std::string& task_id);
};

// The replica server_id derived from a task id when none is configured: stable for the task,
// in [100000, 2^31), so two tasks rarely collide (and a collision is detected, not ignored).
uint32_t derived_server_id(const std::string& task_id);

class MysqlSource : public Source {
 public:
  explicit MysqlSource(const CreateContext& ctx);
  ~MysqlSource() override;

  std::string precheck() override;
  Catalog discover(const std::string& selection_json) override;
  Position snapshot_position() override;
  std::vector<Split> plan_splits(const TableSchema& table, uint64_t target_rows) override;
  std::unique_ptr<BatchStream> open_snapshot(const Split& split, uint32_t batch_rows) override;
  std::unique_ptr<BatchStream> open_changes(const Position& from) override;
  void ack(const Position& upto) override;
  int compare_positions(const Bytes& a, const Bytes& b) override;
  std::string describe_position(const Bytes& position) override;
  Checksum checksum(const Split& range, const std::string& spec) override;
  std::unique_ptr<BatchStream> read_range(const Split& range, uint32_t batch_rows) override;

  const SourceSettings& settings() const { return settings_; }

 private:
  // The connection snapshot and catalog reads use; reopened when a stream cancelled it.
  std::shared_ptr<Connection> reader();
  std::shared_ptr<Connection> verifier();
  const Table& table(const std::string& schema, const std::string& name);
  SharedTable table_ref(const std::string& schema, const std::string& name);

  Host host_;
  std::string task_id_;
  SourceSettings settings_;
  std::shared_ptr<Connection> reader_;
  std::shared_ptr<Connection> verifier_;
  bool snapshot_open_ = false;  // snapshot_position() opened a transaction on reader_
  bool snapshot_lost_ = false;  // its connection broke: only a new snapshot_position() helps
  Selection selection_;         // from the last discover(); everything by default
  std::map<std::pair<std::string, std::string>, Table> tables_;
  std::map<std::pair<std::string, std::string>, SharedTable> refs_;
};

}  // namespace ferry::mysql
