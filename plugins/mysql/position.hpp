// A MySQL-family log position: binlog file and offset, the GTID state there, and the index of
// an event inside its transaction (0 = a transaction boundary, where a stream can resume).
#pragma once

#include <ferry/sdk/values.hpp>

#include <cstdint>
#include <string>

namespace ferry::mysql {

struct BinlogPosition {
  std::string file;    // "mysql-bin.000042"
  uint64_t pos = 0;    // offset of the next event to read after this position
  std::string gtid;    // GTID state at this position (MariaDB "0-1-42,1-2-7"; MySQL uuid set)
  uint64_t index = 0;  // 0: at a transaction boundary; n: after the n-th row of the open one

  bool empty() const { return file.empty() && gtid.empty(); }
  std::string display() const;
  // Opaque bytes for checkpoints ("mysql-pos-v1\n" + fields); decode() refuses anything else
  // with FERRY_INVALID_ARGUMENT naming what is wrong.
  Bytes encode() const;
  static BinlogPosition decode(const uint8_t* data, size_t len);
  Position to_position() const { return Position{encode(), display()}; }
};

// Orders by binlog file sequence number, then offset, then index. Two positions in files of
// different base names cannot be ordered (FERRY_INVALID_ARGUMENT).
int compare(const BinlogPosition& a, const BinlogPosition& b);

}  // namespace ferry::mysql
