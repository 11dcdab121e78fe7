// ferryd --config FILE --release TASK_ID: drops what a task holds on its source database — a
// PostgreSQL replication slot (which keeps WAL for as long as it exists) and the publication
// ferry created for the task — through the source's release callback (ABI 1.1). A source
// without one (mysql: a binlog reader holds nothing on the server) has nothing to drop.
//
// Holds the data directory like --run and --objects (so it is refused while the task runs),
// records an event in the meta store, marks the task Released, and prints what the source said
// it dropped, or that nothing was left. Idempotent: a second release succeeds and says nothing
// was left. Exit codes: 0 released; 1 the source failed to release (the event says why; the
// task keeps its state); 2 bad config or unknown task; 3 the data directory is in use.
#pragma once

#include <string>

namespace ferry::host {

int release_task(const std::string& config_file, const std::string& task_id);

}  // namespace ferry::host
