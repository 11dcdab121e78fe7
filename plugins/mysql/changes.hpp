// The binlog change stream: registers as a replica (unique server_id), reads row events from a
// position, decodes them itself (binlog/), and delivers change batches with transaction
// boundaries, source commit times and resumable positions.
#pragma once

#include <ferry/sdk.hpp>

#include <memory>

#include "position.hpp"
#include "source.hpp"

namespace ferry::mysql {

// Change events after `start` (exclusive): a position with index n > 0 resumes inside the
// transaction that starts at file:pos, after its first n records.
std::unique_ptr<BatchStream> open_binlog_stream(const SourceSettings& settings, const Host& host,
                                                const BinlogPosition& start,
                                                const Selection& selection);

}  // namespace ferry::mysql
