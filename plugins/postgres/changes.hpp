// The PostgreSQL change stream: START_REPLICATION of the task's slot with pgoutput over a
// replication connection, pgoutput messages turned into change batches with transaction
// boundaries, commit times and resumable positions; standby status updates that confirm only
// what the consumer acknowledged as durable.
#pragma once

#include <ferry/sdk.hpp>

#include <atomic>
#include <memory>

#include "catalog.hpp"
#include "source.hpp"

namespace ferry::pg {

// Settings of the stream, from the source's config.
struct StreamSettings {
  uint32_t change_batch_rows = 1000;
  unsigned status_interval_ms = 1000;  // standby status updates (each asks for a reply)
  unsigned dead_after_s = 10;          // silence after which the connection is considered dead
  unsigned reconnect_attempts = 10;
};

// Changes after `from` (exclusive). `acked` is the LSN the consumer has made durable (ack());
// the stream confirms it to the server, never more.
std::unique_ptr<BatchStream> open_pg_stream(const SourceSettings& source,
                                            const StreamSettings& stream, const Host& host,
                                            const WalPosition& from,
                                            std::shared_ptr<std::atomic<uint64_t>> acked);

}  // namespace ferry::pg
