// The verification reads both sides of a MySQL-family endpoint offer (the source's and the
// destination's checksum / read_range): a split's engine-neutral key range turned into SQL.
#pragma once

#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/clients.hpp>
#include <ferry/sdk/stream.hpp>
#include <ferry/sdk/values.hpp>

#include <memory>
#include <string>

#include "connection.hpp"

namespace ferry::mysql {

// Row count and order-independent digest of the rows of `range` (its key range, read from the
// canonical key values), computed in SQL. `spec` is the verifier's JSON
// {"algorithm":"...","columns":[...]}; FERRY_NOT_SUPPORTED for an algorithm or a column this
// engine cannot render canonically.
Checksum range_checksum(Connection& conn, const Split& range, const std::string& spec);

// The rows of `range` in key order, as canonical text, in batches of at most `batch_rows` rows.
// The stream keeps `conn` busy until it ends or is destroyed.
std::unique_ptr<BatchStream> range_reader(std::shared_ptr<Connection> conn, const Split& range,
                                          uint32_t batch_rows);

}  // namespace ferry::mysql
