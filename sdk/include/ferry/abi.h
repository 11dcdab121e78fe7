/* ferry plugin ABI — the C contract between ferryd (the host) and a plugin library.
 *
 * Everything that crosses a plugin's .so boundary is declared here: plain C structs, function
 * pointers and fixed-size integers. C++ types, exceptions and RTTI never cross it; the C++
 * layer in <ferry/sdk.hpp> generates these tables from ordinary classes.
 *
 * Versioning (see docs/sdk.md):
 *   - A plugin is accepted when its ABI major equals the host's and its minor is not newer.
 *   - Within a major, structs only grow at the end. Every struct starts with `struct_size`
 *     (the size the producer compiled against); a reader checks FERRY_HAS_FIELD before
 *     touching a member added in a later minor.
 *   - Numeric values of enums and flag bits never change meaning; new ones are appended.
 *
 * Ownership (stated per call as OWNERSHIP:):
 *   - A `const T*` argument is a borrowed view, valid for the duration of that call only.
 *   - Anything that outlives a call carries its own `release` callback and `private_data`
 *     (the Arrow C data interface pattern); whoever receives it calls `release` exactly once.
 *     Neither side frees memory the other allocated.
 *
 * Errors: every fallible call returns a ferry_status. On failure the detail is available from
 * the object's `last_error`, which describes the most recent failed call made on that object
 * *by the calling thread* (so it stays meaningful for FERRY_CAP_THREAD_SAFE objects), valid
 * until that thread's next call on the object. On a non-OK status every out-parameter is left
 * empty (a batch/buffer/stream with release == NULL): a callee that filled one before failing
 * releases it itself. Nothing unwinds across the boundary.
 *
 * Threading: the host never calls into one plugin instance from two threads at once unless the
 * component declares FERRY_CAP_THREAD_SAFE. Host services (ferry_host) are thread-safe.
 */
#ifndef FERRY_ABI_H
#define FERRY_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FERRY_ABI_MAJOR 1
#define FERRY_ABI_MINOR 3
/* "FERRYPLG" little-endian; checked before anything else in the manifest is read. */
#define FERRY_ABI_MAGIC 0x474C505952524546ULL
#define FERRY_ENTRY_SYMBOL "ferry_plugin_entry_v1"

#if defined(_WIN32)
#define FERRY_EXPORT __declspec(dllexport)
#else
#define FERRY_EXPORT __attribute__((visibility("default")))
#endif

/* True when the struct at `ptr` (which starts with struct_size) was built with `field`. */
#define FERRY_HAS_FIELD(ptr, type, field) \
  ((ptr) != NULL && (ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ---------------------------------------------------------------------------------------- */
/* Status codes                                                                              */

typedef int32_t ferry_status;
enum {
  FERRY_OK = 0,
  FERRY_INVALID_ARGUMENT = 1, /* the caller's input is wrong; retrying will not help */
  FERRY_NOT_SUPPORTED = 2,    /* this plugin cannot do that */
  FERRY_UNAVAILABLE = 3,      /* transient (connection lost, timeout): the host may retry */
  FERRY_DATA_LOSS = 4,        /* a gap or corruption: the task must stop (purged binlog...) */
  FERRY_CANCELLED = 5,        /* the host asked to stop (ferry_host.is_cancelled) */
  FERRY_INTERNAL = 6          /* a bug or an unexpected condition, incl. a caught exception */
};

/* ---------------------------------------------------------------------------------------- */
/* Plugin kinds and capabilities                                                             */

typedef uint32_t ferry_kind;
enum {
  FERRY_KIND_SOURCE = 1,      /* reads a database: catalog, snapshot, change stream */
  FERRY_KIND_DESTINATION = 2, /* writes a database: DDL, bulk load, apply, verification reads */
  FERRY_KIND_COMPONENT = 3,   /* a stage of a task (schema, full-import, store, incr-sync...) */
  FERRY_KIND_VERIFIER = 4,    /* a verification strategy (checksum, row-compare) */
  FERRY_KIND_TRANSFORM = 5    /* row filter / mapping / conversion between store and apply */
};

/* Capability bits. Each names the callbacks it requires; the host refuses a component that
 * declares a capability without them (see ferry_required_callbacks in docs/sdk.md). */
enum {
  /* source */
  FERRY_CAP_SOURCE_CATALOG = 1u << 0,     /* discover */
  FERRY_CAP_SOURCE_SNAPSHOT = 1u << 1,    /* snapshot_position, plan_splits, open_snapshot */
  FERRY_CAP_SOURCE_CHANGES = 1u << 2,     /* open_changes, ack, compare_positions */
  FERRY_CAP_SOURCE_VERIFY_READ = 1u << 3, /* checksum, read_range (the source side of verify) */
  /* destination */
  FERRY_CAP_DEST_DDL = 1u << 8,          /* apply_ddl */
  FERRY_CAP_DEST_BULK = 1u << 9,         /* bulk_write */
  FERRY_CAP_DEST_APPLY = 1u << 10,       /* apply_changes, flush */
  FERRY_CAP_DEST_VERIFY_READ = 1u << 11, /* checksum, read_range */
  /* any kind */
  FERRY_CAP_THREAD_SAFE = 1u << 30 /* one instance may be called from several threads at once */
};

/* ---------------------------------------------------------------------------------------- */
/* Small value types                                                                         */

/* Bytes owned by their producer. OWNERSHIP: the receiver calls release(self) once, if set. */
typedef struct ferry_buffer {
  uint32_t struct_size;
  uint32_t reserved;
  const uint8_t* data;
  uint64_t len;
  void (*release)(struct ferry_buffer* self);
  void* private_data;
} ferry_buffer;

/* A position in a source's log or snapshot: opaque bytes only the producing plugin interprets
 * (MySQL file:pos + GTID set, PostgreSQL LSN), plus a form for people ("binlog.000042:1187"). */
typedef struct ferry_position {
  uint32_t struct_size;
  uint32_t reserved;
  const uint8_t* data;
  uint64_t len;
  const char* display; /* NUL-terminated UTF-8 */
  void (*release)(struct ferry_position* self);
  void* private_data;
} ferry_position;

/* ---------------------------------------------------------------------------------------- */
/* Declared configuration                                                                    */

typedef uint32_t ferry_field_type;
enum {
  FERRY_FIELD_STRING = 1,
  FERRY_FIELD_INT = 2,
  FERRY_FIELD_FLOAT = 3,
  FERRY_FIELD_BOOL = 4,
  FERRY_FIELD_STRING_LIST = 5,
  /* Written in TOML only as <name>_env or <name>_file; the host resolves it and never logs it. */
  FERRY_FIELD_SECRET = 6
};

/* A config field a component declares; the host validates the TOML against these before the
 * plugin sees anything. */
typedef struct ferry_config_field {
  uint32_t struct_size;
  ferry_field_type type;
  const char* name;
  const char* description;
  const char* default_value; /* textual default ("3306", "true"); NULL = none */
  int32_t required;          /* non-zero: must be given (a default makes it optional) */
  uint32_t reserved;
} ferry_config_field;

/* One validated config value, as the plugin receives it. Only the member matching `type` is
 * meaningful. OWNERSHIP: host-owned, valid until the instance is destroyed. */
typedef struct ferry_config_value {
  uint32_t struct_size;
  ferry_field_type type;
  const char* name;
  const char* string_value; /* STRING and SECRET */
  int64_t int_value;
  double float_value;
  int32_t bool_value;
  uint32_t list_count;
  const char* const* list_values; /* STRING_LIST */
} ferry_config_value;

typedef struct ferry_config {
  uint32_t struct_size;
  uint32_t count;
  const ferry_config_value* const* values;
} ferry_config;

/* ---------------------------------------------------------------------------------------- */
/* Logical types and the catalog                                                             */

/* The SDK's logical type set (docs/sdk.md lists the canonical text form of each). */
typedef uint32_t ferry_type;
enum {
  FERRY_TYPE_UNKNOWN = 0,
  FERRY_TYPE_BOOL = 1,
  FERRY_TYPE_INT8 = 2,
  FERRY_TYPE_INT16 = 3,
  FERRY_TYPE_INT24 = 4,
  FERRY_TYPE_INT32 = 5,
  FERRY_TYPE_INT64 = 6,
  FERRY_TYPE_DECIMAL = 7, /* precision/scale; precision 0 = unconstrained */
  FERRY_TYPE_FLOAT32 = 8,
  FERRY_TYPE_FLOAT64 = 9,
  FERRY_TYPE_CHAR = 10,    /* fixed length, `length` in characters */
  FERRY_TYPE_VARCHAR = 11, /* `length` in characters */
  FERRY_TYPE_TEXT = 12,    /* `length` = max bytes, 0 = unbounded */
  FERRY_TYPE_BINARY = 13,  /* fixed length bytes */
  FERRY_TYPE_VARBINARY = 14,
  FERRY_TYPE_BLOB = 15,
  FERRY_TYPE_DATE = 16,
  FERRY_TYPE_TIME = 17, /* `scale` = fractional digits */
  FERRY_TYPE_TIMETZ = 18,
  FERRY_TYPE_TIMESTAMP = 19,   /* without time zone (MySQL DATETIME) */
  FERRY_TYPE_TIMESTAMPTZ = 20, /* instant, canonical text in UTC (MySQL TIMESTAMP) */
  FERRY_TYPE_INTERVAL = 21,
  FERRY_TYPE_YEAR = 22,
  FERRY_TYPE_BIT = 23, /* `length` bits */
  FERRY_TYPE_ENUM = 24,
  FERRY_TYPE_SET = 25,
  FERRY_TYPE_JSON = 26,
  FERRY_TYPE_UUID = 27,
  FERRY_TYPE_INET = 28,
  FERRY_TYPE_CIDR = 29,
  FERRY_TYPE_MACADDR = 30,
  FERRY_TYPE_ARRAY = 31,    /* element type in `element_type` */
  FERRY_TYPE_GEOMETRY = 32, /* WKB bytes */
  FERRY_TYPE_OTHER = 33     /* engine-specific; `native_type` says which */
};

enum {
  FERRY_COLUMN_NULLABLE = 1u << 0,
  FERRY_COLUMN_UNSIGNED = 1u << 1,
  FERRY_COLUMN_AUTO_INCREMENT = 1u << 2, /* or identity, or serial (a nextval() default) */
  FERRY_COLUMN_GENERATED_STORED = 1u << 3,
  FERRY_COLUMN_GENERATED_VIRTUAL = 1u << 4,
  FERRY_COLUMN_IN_PRIMARY_KEY = 1u << 5,
  /* Since ABI 1.3. MySQL `ON UPDATE CURRENT_TIMESTAMP[(n)]`: the column is set to the current
   * time when its row is updated, with the column's own fractional precision (`scale`). */
  FERRY_COLUMN_ON_UPDATE_NOW = 1u << 6,
  /* Since ABI 1.3. With FERRY_COLUMN_AUTO_INCREMENT: a PostgreSQL `GENERATED ALWAYS AS
   * IDENTITY` column (without it: `BY DEFAULT`, serial, or MySQL AUTO_INCREMENT). */
  FERRY_COLUMN_IDENTITY_ALWAYS = 1u << 7
};

typedef struct ferry_column {
  uint32_t struct_size;
  ferry_type type;
  const char* name;
  uint32_t flags;
  ferry_type element_type; /* for FERRY_TYPE_ARRAY */
  int64_t length;          /* characters, bytes or bits by type; -1 unknown */
  int32_t precision;
  int32_t scale;
  const char* native_type; /* the engine's own spelling, e.g. "bigint(20) unsigned" */
  const char* charset;     /* NULL when not applicable */
  const char* collation;
  const char* default_expr;   /* NULL = no default; an expression in the source's dialect */
  const char* generated_expr; /* NULL unless generated */
  const char* comment;
  uint32_t label_count; /* ENUM / SET labels, in declaration order */
  uint32_t reserved;
  const char* const* labels;
  /* Since ABI 1.2 (check FERRY_HAS_FIELD; a 1.0/1.1 column ends at `labels`). */
  /* The sequence behind an identity or serial column, schema-qualified and quoted as the
   * engine prints it (PostgreSQL: pg_get_serial_sequence's form, `public."Odd_id_seq"`);
   * NULL when there is none (always on MySQL, whose counter belongs to the table). */
  const char* identity_sequence;
  /* The value the next generated row would get, as of discover(); -1 when unknown (no read
   * privilege on the sequence, an exhausted sequence) or not an identity/auto_increment
   * column. */
  int64_t identity_next;
} ferry_column;

typedef uint32_t ferry_index_kind;
enum {
  FERRY_INDEX_PRIMARY = 1,
  FERRY_INDEX_UNIQUE = 2,
  FERRY_INDEX_PLAIN = 3,
  FERRY_INDEX_FULLTEXT = 4,
  FERRY_INDEX_SPATIAL = 5,
  FERRY_INDEX_OTHER = 6
};

typedef struct ferry_index {
  uint32_t struct_size;
  ferry_index_kind kind;
  const char* name;
  uint32_t column_count;
  uint32_t reserved;
  const char* const* columns; /* column names, or expressions for expression indexes */
  const char* definition;     /* the engine's own definition, for same-engine migration */
} ferry_index;

typedef struct ferry_foreign_key {
  uint32_t struct_size;
  uint32_t column_count;
  const char* name;
  const char* const* columns;
  const char* ref_schema;
  const char* ref_table;
  const char* const* ref_columns;
  const char* on_update; /* "NO ACTION", "CASCADE", ... */
  const char* on_delete;
  /* Since ABI 1.3 (check FERRY_HAS_FIELD; a 1.0-1.2 foreign key ends at `on_delete` and has
   * no flags). FERRY_FK_* bits. */
  uint32_t flags;
  uint32_t reserved;
} ferry_foreign_key;

/* ferry_foreign_key.flags (ABI 1.3) */
enum {
  FERRY_FK_DEFERRABLE = 1u << 0,         /* PostgreSQL DEFERRABLE */
  FERRY_FK_INITIALLY_DEFERRED = 1u << 1, /* PostgreSQL INITIALLY DEFERRED (with DEFERRABLE) */
  FERRY_FK_MATCH_FULL = 1u << 2          /* PostgreSQL MATCH FULL */
};

typedef struct ferry_check {
  uint32_t struct_size;
  uint32_t reserved;
  const char* name;
  const char* expression; /* in the source's dialect */
} ferry_check;

enum {
  FERRY_TABLE_PARTITIONED = 1u << 0,
  FERRY_TABLE_TEMPORARY = 1u << 1, /* reported so the precheck can say it is skipped */
  FERRY_TABLE_UNLOGGED = 1u << 2,
  FERRY_TABLE_NO_PRIMARY_KEY = 1u << 3
};

typedef struct ferry_table {
  uint32_t struct_size;
  uint32_t flags;
  const char* schema; /* MySQL database = PostgreSQL schema */
  const char* name;
  const char* comment;
  int64_t row_estimate; /* -1 unknown */
  int64_t byte_estimate;
  uint32_t column_count;
  uint32_t index_count;
  const ferry_column* const* columns;
  const ferry_index* const* indexes;
  uint32_t foreign_key_count;
  uint32_t check_count;
  const ferry_foreign_key* const* foreign_keys;
  const ferry_check* const* checks;
} ferry_table;

typedef struct ferry_view {
  uint32_t struct_size;
  uint32_t reserved;
  const char* schema;
  const char* name;
  const char* definition; /* SELECT text in the source's dialect */
  const char* comment;
} ferry_view;

/* The source's catalog. OWNERSHIP: produced by discover(); the host calls release once. */
typedef struct ferry_catalog {
  uint32_t struct_size;
  uint32_t schema_count;
  const char* const* schemas;
  uint32_t table_count;
  uint32_t view_count;
  const ferry_table* const* tables;
  const ferry_view* const* views;
  void (*release)(struct ferry_catalog* self);
  void* private_data;
} ferry_catalog;

/* ---------------------------------------------------------------------------------------- */
/* Batches: rows and change events                                                           */

/* A table a batch refers to: names and column types only (the catalog has the rest). */
typedef struct ferry_table_ref {
  uint32_t struct_size;
  uint32_t column_count;
  const char* schema;
  const char* name;
  const ferry_column* const* columns;
} ferry_table_ref;

typedef uint8_t ferry_op;
enum {
  FERRY_OP_INSERT = 1, /* also every snapshot row */
  FERRY_OP_UPDATE = 2, /* before + after */
  FERRY_OP_DELETE = 3, /* before */
  FERRY_OP_BEGIN = 4,  /* transaction begin; no row */
  FERRY_OP_COMMIT = 5, /* transaction end; position = the commit's position */
  FERRY_OP_DDL = 6,    /* after = one cell with the statement text; table = its object */
  FERRY_OP_TRUNCATE = 7,
  FERRY_OP_HEARTBEAT = 8 /* no data; carries a position and source time */
};

/* Cell flags (one byte per cell). */
enum {
  FERRY_CELL_NULL = 1u << 0,
  FERRY_CELL_UNCHANGED = 1u << 1, /* PostgreSQL unchanged TOAST: keep the destination's value */
  FERRY_CELL_DEFAULT = 1u << 2    /* not present in the image; the column default applies */
};

#define FERRY_NO_ROW UINT64_MAX
#define FERRY_NO_TABLE UINT32_MAX

/* A batch of records. Cells are stored once, contiguously: cell i has bytes
 * cell_data[cell_offsets[i] .. cell_offsets[i+1]) and flags cell_flags[i]. A record's row image
 * is column_count consecutive cells of its table starting at before[r] / after[r].
 *
 * Row batches (snapshots, read_range) may leave the per-record arrays NULL: then every record
 * is an INSERT of tables[0] and record r's row starts at cell r * tables[0]->column_count.
 *
 * Values are in the canonical text form of their logical type (docs/sdk.md) unless `encoding`
 * names another encoding both sides agreed on.
 *
 * OWNERSHIP: the producer fills it; the consumer calls release(self) exactly once. A batch
 * whose release is NULL marks the end of a stream (Arrow C stream convention). */
typedef struct ferry_batch {
  uint32_t struct_size;
  uint32_t table_count;
  const ferry_table_ref* const* tables;
  uint64_t record_count;
  uint64_t cell_count;
  const uint64_t* cell_offsets; /* cell_count + 1 entries */
  const uint8_t* cell_data;
  const uint8_t* cell_flags; /* cell_count entries; NULL = no cell is flagged */
  /* Per-record arrays (record_count entries each), NULL for plain row batches: */
  const ferry_op* ops;
  const uint32_t* table_of;         /* index into tables, or FERRY_NO_TABLE */
  const uint64_t* before;           /* first cell of the before image, or FERRY_NO_ROW */
  const uint64_t* after;            /* first cell of the after image, or FERRY_NO_ROW */
  const uint64_t* txn_seq;          /* source transaction sequence number */
  const int64_t* commit_time_us;    /* source commit time, microseconds since the epoch (UTC) */
  const uint64_t* position_offsets; /* record_count + 1 offsets into position_data */
  const uint8_t* position_data;     /* each record's opaque position bytes */
  const char* encoding;             /* NULL = canonical text */
  void (*release)(struct ferry_batch* self);
  void* private_data;
} ferry_batch;

/* A pull stream of batches.
 * next(): fills *out with the next batch (out->release != NULL), or marks the end of the stream
 *   (out->release == NULL). May block; must return FERRY_CANCELLED promptly once the host's
 *   is_cancelled() is true.
 * OWNERSHIP: the consumer calls release(self) once, after releasing every batch it took. */
typedef struct ferry_stream {
  uint32_t struct_size;
  uint32_t reserved;
  ferry_status (*next)(struct ferry_stream* self, ferry_batch* out);
  const char* (*last_error)(struct ferry_stream* self);
  void (*release)(struct ferry_stream* self);
  void* private_data;
} ferry_stream;

/* A unit of work a source divides a table into (a primary-key range, a ctid range).
 *
 * Two descriptions of the same range: `bounds` is the source's own (opaque, read back only by
 * the plugin that made it, e.g. a ctid range), and the key range is the engine-neutral one any
 * plugin can read — so a destination of another engine can checksum or read "the same rows"
 * for verification. The key range is key_count columns; `lower` is inclusive and `upper`
 * exclusive, each key_count values in canonical text (docs/sdk.md) with their lengths; a NULL
 * `lower` / `upper` means unbounded on that side. key_count == 0: no key range (a table without
 * a usable key); only the source can read the split. */
typedef struct ferry_split {
  uint32_t struct_size;
  uint32_t key_count;
  const char* schema;
  const char* table;
  const uint8_t* bounds; /* opaque to the host; the source reads it back in open_snapshot */
  uint64_t bounds_len;
  const char* display; /* "id >= 1000 AND id < 2000" */
  int64_t row_estimate;
  const char* const* key_columns;
  const uint8_t* const* lower; /* key_count values, or NULL = unbounded below */
  const uint64_t* lower_len;
  const uint8_t* const* upper; /* key_count values, or NULL = unbounded above */
  const uint64_t* upper_len;
} ferry_split;

typedef struct ferry_split_list {
  uint32_t struct_size;
  uint32_t count;
  const ferry_split* const* splits;
  void (*release)(struct ferry_split_list* self);
  void* private_data;
} ferry_split_list;

/* A verification digest of one split on one side. */
typedef struct ferry_checksum {
  uint32_t struct_size;
  uint32_t reserved;
  uint64_t row_count;
  uint64_t digest; /* order-independent; defined by the verifier that asked for it */
} ferry_checksum;

/* ---------------------------------------------------------------------------------------- */
/* Host services                                                                             */

typedef int32_t ferry_log_level;
enum {
  FERRY_LOG_TRACE = 0,
  FERRY_LOG_DEBUG = 1,
  FERRY_LOG_INFO = 2,
  FERRY_LOG_WARN = 3,
  FERRY_LOG_ERROR = 4
};

/* An object a component reaches through the host: the task's source, destination or a verifier,
 * as a vtable plus instance. The host may hand out its own wrapper (metrics, retries). */
typedef struct ferry_endpoint {
  uint32_t struct_size;
  ferry_kind kind;
  const void* vtable; /* const ferry_source_vtable* / ferry_destination_vtable* / ... */
  void* instance;
} ferry_endpoint;

/* Bounded channel ends between stages. push() may block while the channel is full
 * (backpressure); on FERRY_OK it has taken the batch and cleared batch->release, on any other
 * status the batch is still the caller's to release. pull() blocks until a batch, end of stream
 * (out->release == NULL) or cancellation. Both return FERRY_CANCELLED when the task stops. */
typedef struct ferry_channel {
  uint32_t struct_size;
  uint32_t reserved;
  const char* name;
  ferry_status (*push)(struct ferry_channel* self, ferry_batch* batch);
  ferry_status (*pull)(struct ferry_channel* self, ferry_batch* out);
  void (*close)(struct ferry_channel* self); /* producer: no more batches */
  void* private_data;
} ferry_channel;

/* What the host offers a plugin instance. Every function is thread-safe.
 * open_endpoint gives a component another instance of its task's source or destination (kind
 * FERRY_KIND_SOURCE / FERRY_KIND_DESTINATION), e.g. one per worker thread of a parallel copy;
 * the component gives it back with close_endpoint before it is destroyed.
 * OWNERSHIP: host-owned; valid until the instance is destroyed. */
typedef struct ferry_host {
  uint32_t struct_size;
  uint32_t abi_minor; /* the host's minor version */
  void* ctx;
  void (*log)(void* ctx, ferry_log_level level, const char* message);
  /* Non-zero once the host wants the current operation to stop. */
  int32_t (*is_cancelled)(void* ctx);
  /* Cooperative pause point: blocks while the stage is paused; returns FERRY_OK to go on or
   * FERRY_CANCELLED to stop. Call it between batches. */
  ferry_status (*yield)(void* ctx);
  void (*metric_add)(void* ctx, const char* name, double delta); /* counter */
  void (*metric_set)(void* ctx, const char* name, double value); /* gauge */
  /* Durable per-task key/value checkpoints (written when the call returns). */
  ferry_status (*checkpoint_write)(void* ctx, const char* key, const uint8_t* data, uint64_t len);
  /* *found = 0 when absent. OWNERSHIP: the caller releases `out` when found. */
  ferry_status (*checkpoint_read)(void* ctx, const char* key, ferry_buffer* out, int32_t* found);
  /* Progress the host shows in status ("12 of 40 chunks"); a JSON object. */
  void (*report_progress)(void* ctx, const char* json);
  ferry_status (*open_endpoint)(void* ctx, ferry_kind kind, ferry_endpoint* out);
  void (*close_endpoint)(void* ctx, ferry_endpoint* endpoint);
  /* Since ABI 1.2 (check FERRY_HAS_FIELD). The task's migration objects — schemas, tables,
   * views, indexes, constraints, a table's data — with the status, DDL and error an operator
   * sees and acts on (docs/sdk.md, "Migration objects"). object_put upserts one object given as
   * a JSON object with a "key" and any of kind, parent, source, destination, status, ddl,
   * error, detail (an object), started_at_ms, finished_at_ms; fields left out keep their stored
   * value, and an operator's edited DDL is never overwritten. */
  ferry_status (*object_put)(void* ctx, const char* object_json);
  /* The objects whose key starts with `key_prefix` ("" = all), as a JSON array in first-put
   * order, each with the fields above plus ddl_edited and updated_at_ms.
   * OWNERSHIP: the caller releases `out`. */
  ferry_status (*object_list)(void* ctx, const char* key_prefix, ferry_buffer* out);
} ferry_host;

/* Everything create() receives. OWNERSHIP: borrowed for the call; `host` and `config` stay
 * valid until destroy(). */
typedef struct ferry_create_args {
  uint32_t struct_size;
  uint32_t reserved;
  const ferry_host* host;
  const ferry_config* config;
  const char* task_id;
  const char* instance_name; /* stage name, or "source"/"destination" */
} ferry_create_args;

/* Where create() reports why it failed (there is no instance to ask yet). Host-owned. */
typedef struct ferry_error_sink {
  uint32_t struct_size;
  uint32_t reserved;
  void* ctx;
  void (*set)(void* ctx, const char* message);
} ferry_error_sink;

/* The lifecycle every kind shares: the first members of every vtable. */
#define FERRY_VTABLE_COMMON                                                                       \
  uint32_t struct_size;                                                                           \
  uint32_t reserved;                                                                              \
  ferry_status (*create)(const ferry_create_args* args, void** out, const ferry_error_sink* err); \
  void (*destroy)(void* self);                                                                    \
  const char* (*last_error)(void* self)

/* ---------------------------------------------------------------------------------------- */
/* Source                                                                                    */

typedef struct ferry_source_vtable {
  FERRY_VTABLE_COMMON;
  /* Connectivity and prerequisites; fills `report` with a JSON array of
   * {"item","status":"passed|failed|warning","detail","fix"}. OWNERSHIP: caller releases. */
  ferry_status (*precheck)(void* self, ferry_buffer* report);
  /* CATALOG. `selection` is a JSON object of include/exclude rules (NULL = everything). */
  ferry_status (*discover)(void* self, const char* selection, ferry_catalog* out);
  /* SNAPSHOT: opens a consistent snapshot and returns the log position it corresponds to. */
  ferry_status (*snapshot_position)(void* self, ferry_position* out);
  ferry_status (*plan_splits)(void* self, const ferry_table_ref* table, uint64_t target_rows,
                              ferry_split_list* out);
  ferry_status (*open_snapshot)(void* self, const ferry_split* split, uint32_t batch_rows,
                                ferry_stream* out);
  /* CHANGES: change events from `from` (exclusive) in source commit order. */
  ferry_status (*open_changes)(void* self, const ferry_position* from, ferry_stream* out);
  /* Everything up to `upto` is durable on ferry's side; the source may release its log. */
  ferry_status (*ack)(void* self, const ferry_position* upto);
  /* Orders two positions of this source: *out < 0, 0 or > 0 as a is before, at or after b. */
  ferry_status (*compare_positions)(void* self, const uint8_t* a, uint64_t a_len, const uint8_t* b,
                                    uint64_t b_len, int32_t* out);
  /* Decodes a position (from a checkpoint) into its readable form. */
  ferry_status (*describe_position)(void* self, const uint8_t* data, uint64_t len,
                                    ferry_buffer* out);
  /* VERIFY_READ: the same contract as the destination's checksum / read_range. */
  ferry_status (*checksum)(void* self, const ferry_split* range, const char* spec,
                           ferry_checksum* out);
  ferry_status (*read_range)(void* self, const ferry_split* range, uint32_t batch_rows,
                             ferry_stream* out);
  /* Since ABI 1.1 (check FERRY_HAS_FIELD; NULL = nothing to release). Drops what the task holds
   * on the source — a replication slot, a publication — when the task is released. Idempotent:
   * releasing what is already gone is OK. */
  ferry_status (*release)(void* self);
} ferry_source_vtable;

/* ---------------------------------------------------------------------------------------- */
/* Destination                                                                               */

enum {
  /* apply_changes: insert→upsert, delete→delete-if-exists, key change→delete + upsert.
   * bulk_write: rows that already exist (by key) are overwritten, not duplicated. */
  FERRY_APPLY_IDEMPOTENT = 1u << 0
};

typedef struct ferry_destination_vtable {
  FERRY_VTABLE_COMMON;
  ferry_status (*precheck)(void* self, ferry_buffer* report);
  /* DDL: one statement in the destination's dialect. */
  ferry_status (*apply_ddl)(void* self, const char* statement);
  /* BULK: append rows of one table (COPY, LOAD DATA LOCAL, multi-row INSERT); `flags` may ask
   * for FERRY_APPLY_IDEMPOTENT (a chunk copied again after a crash). */
  ferry_status (*bulk_write)(void* self, const ferry_table_ref* table, const ferry_batch* batch,
                             uint32_t flags);
  /* APPLY: change records in source commit order. A source transaction may span several
   * batches (memory stays bounded whatever the transaction size): the destination commits at
   * each COMMIT record, and the checkpoint (opaque) is written in the destination transaction of
   * the batch's last COMMIT record; an open transaction at the end of a batch continues in the
   * next call. */
  ferry_status (*apply_changes)(void* self, const ferry_batch* batch, uint32_t flags,
                                const uint8_t* checkpoint, uint64_t checkpoint_len);
  /* The last checkpoint made durable by apply_changes (found = 0 when none). */
  ferry_status (*flush)(void* self, ferry_buffer* out, int32_t* found);
  /* VERIFY_READ: the rows of `range` (by its key range). `spec` is a JSON object the verifier
   * defines — {"algorithm":"...","columns":[...]} — naming the digest and the columns it covers;
   * FERRY_NOT_SUPPORTED when this plugin cannot compute that algorithm. read_range streams the
   * rows in key order. */
  ferry_status (*checksum)(void* self, const ferry_split* range, const char* spec,
                           ferry_checksum* out);
  ferry_status (*read_range)(void* self, const ferry_split* range, uint32_t batch_rows,
                             ferry_stream* out);
  /* Since ABI 1.2 (check FERRY_HAS_FIELD; NULL = not supported). The destination's own catalog
   * — the tables (columns, keys, indexes) that `selection` selects, in the same JSON as the
   * source's discover (NULL = everything) — so that a caller can match what it writes to what
   * is there (full import without schema migration copies the columns both sides have).
   * OWNERSHIP: the caller releases `out`. */
  ferry_status (*discover)(void* self, const char* selection, ferry_catalog* out);
} ferry_destination_vtable;

/* ---------------------------------------------------------------------------------------- */
/* Component (a stage of a task)                                                             */

/* What a stage works with. OWNERSHIP: host-owned, valid from init() until destroy(). */
typedef struct ferry_stage_context {
  uint32_t struct_size;
  uint32_t input_count;
  const ferry_endpoint* source;      /* NULL when the task has none */
  const ferry_endpoint* destination; /* NULL when the task has none */
  ferry_channel* const* inputs;      /* data edges into this stage, in declared order */
  uint32_t output_count;
  uint32_t reserved;
  ferry_channel* const* outputs; /* data edges out of this stage */
  const char* data_dir;          /* a directory of this stage's own in ferry's data directory */
  const char* task_json; /* the task's settings (types, objects, concurrency...; no secrets) */
} ferry_stage_context;

/* Lifecycle (TiDB DM's unit model): create → init → run → destroy. run() does the stage's work
 * and returns when it is done (FERRY_OK), stopped (FERRY_CANCELLED) or failed. Pausing is
 * cooperative through ferry_host.yield; pause()/resume() are optional hooks for a stage that
 * must release resources (connections) while paused. status() fills a JSON object.
 * THREADING: pause, resume and status are called from the host's control thread while run() is
 * in progress on the stage's thread; they must be safe against it, and they report failure by
 * status code (plus a log line through ferry_host), never through last_error, which belongs to
 * the stage's thread. */
typedef struct ferry_component_vtable {
  FERRY_VTABLE_COMMON;
  ferry_status (*init)(void* self, const ferry_stage_context* ctx);
  ferry_status (*run)(void* self);
  ferry_status (*pause)(void* self);                     /* optional */
  ferry_status (*resume)(void* self);                    /* optional */
  ferry_status (*status)(void* self, ferry_buffer* out); /* optional */
} ferry_component_vtable;

/* ---------------------------------------------------------------------------------------- */
/* Verifier and transform                                                                    */

typedef struct ferry_verifier_vtable {
  FERRY_VTABLE_COMMON;
  /* Compares one split of a table on both endpoints; fills `report` with a JSON object
   * {"consistent":bool,"source_rows":n,"destination_rows":n,"differences":[...]}. */
  ferry_status (*verify_split)(void* self, const ferry_endpoint* source,
                               const ferry_endpoint* destination, const ferry_table_ref* table,
                               const ferry_split* split, ferry_buffer* report);
} ferry_verifier_vtable;

typedef struct ferry_transform_vtable {
  FERRY_VTABLE_COMMON;
  /* Maps one batch to another (filter rows, rename, convert). OWNERSHIP: `in` is borrowed;
   * `out` is produced by the transform and released by the caller. */
  ferry_status (*transform)(void* self, const ferry_batch* in, ferry_batch* out);
} ferry_transform_vtable;

/* ---------------------------------------------------------------------------------------- */
/* Manifest                                                                                  */

typedef struct ferry_component_desc {
  uint32_t struct_size;
  ferry_kind kind;
  const char* name; /* unique per kind across all loaded plugins */
  const char* description;
  uint64_t capabilities;
  uint32_t config_field_count;
  uint32_t reserved;
  const ferry_config_field* const* config_fields;
  const void* vtable; /* the ferry_*_vtable matching `kind` */
} ferry_component_desc;

typedef struct ferry_plugin_manifest {
  uint32_t struct_size;
  uint32_t reserved;
  uint64_t magic; /* FERRY_ABI_MAGIC */
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* name;
  const char* version; /* the plugin's own version, e.g. "1.4.0" */
  const char* description;
  uint32_t component_count;
  uint32_t reserved2;
  const ferry_component_desc* const* components;
} ferry_plugin_manifest;

/* The one exported symbol. Side-effect free: returns a pointer to static data, starts no
 * threads, opens nothing. Called before any other plugin code. */
typedef const ferry_plugin_manifest* (*ferry_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FERRY_ABI_H */
