// pg_copy_read: how long reading (and writing) one PostgreSQL table with COPY takes, split into
// what the server and libpq cost and what ferry's own paths add, in text and in binary format.
// Used by scripts/bench-pg-copy.sh; built only with -DFERRY_BUILD_BENCH=ON.
//
// Usage: pg_copy_read --mode MODE --table NAME [--schema public] [--host 127.0.0.1]
//                     [--port 5432] [--user postgres] [--db postgres] [--batch-rows 1000]
//                     [--into SCHEMA.TABLE] [--digest]
// Read modes (every one reads the statement the source runs, copy_select(): COPY (SELECT cols
// FROM ONLY t) TO STDOUT [(FORMAT binary)], on a connection opened with ferry's session
// settings):
//   raw-text       libpq only: PQgetCopyData, rows counted, nothing parsed
//   raw-binary     the same in binary format
//   unescape       raw-text + the text path's split (CopyTextSplitter: fields unescaped only when
//                  they hold a backslash), not converted
//   ferry-text     the source's text path (copy_format = "text"): CopyRowStream, split + Decoder →
//                  canonical text in BatchBuilder batches
//   ferry-binary   the source's binary path (copy_format = "binary", the default): CopyRowStream
//                  with binary_copy_plan, each column's send format → the same canonical text
//   encode-text    ferry-binary, then each batch encoded to COPY text with the destination's
//                  encoder (append_copy_field); encode_seconds is the encoder alone
//   encode-binary  the same with the destination's binary encoders (append_binary_value)
// Write modes (--into: an existing table of the same columns and types, emptied by the caller):
//   write-text     the table read first (ferry-binary, not timed, held in memory), then timed:
//                  COPY into FROM STDIN in one transaction, rows encoded as the destination's
//                  bulk_write does (append_copy_field, 1 MiB chunks)
//   write-binary   the same in binary format (append_binary_value per column, as bulk_write
//                  does for a table whose every column has a binary encoder)
// --digest adds a hash of every canonical cell (ferry-*, encode-*) so that two modes can be
// checked to produce identical values; it costs time, so time without it. wire_bytes is the COPY
// data received (0 where the mode cannot see it: ferry-*, encode-*) or sent (write-*).
//
// Prints one line: mode=... table=... rows=N wire_bytes=N canonical_bytes=N seconds=S
// client_cpu=S server_cpu=S [encode_seconds=S copy_bytes=N] [digest=HEX]
// seconds is the wall time from starting the COPY to its end (connection and catalog reads not
// included); client_cpu is this process's user+system time over the same span, server_cpu the
// server backend's (from /proc/<backend pid>/stat, so only with the server on this host, else
// -1; clock-tick resolution, 10 ms).
#include <sys/resource.h>
#include <unistd.h>

#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/error.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.hpp"
#include "connection.hpp"
#include "pg_binary.hpp"
#include "pg_values.hpp"
#include "snapshot.hpp"

namespace {

using namespace ferry;
using namespace ferry::pg;

struct Args {
  std::string mode, table, schema = "public", into;
  ConnectOptions conn;
  uint32_t batch_rows = 1000;
  bool digest = false;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "pg_copy_read: " << why
            << "\nusage: pg_copy_read --mode raw-text|raw-binary|unescape|ferry-text|ferry-binary|"
               "encode-text|encode-binary|write-text|write-binary --table NAME [--schema S] "
               "[--host H] [--port P] [--user U] [--db D] [--batch-rows N] [--into S.T] "
               "[--digest]\n";
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  a.conn.role = "bench";
  a.conn.user = "postgres";
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--digest") {
      a.digest = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value for " + k);
    const std::string v = argv[++i];
    if (k == "--mode") {
      a.mode = v;
    } else if (k == "--table") {
      a.table = v;
    } else if (k == "--schema") {
      a.schema = v;
    } else if (k == "--host") {
      a.conn.host = v;
    } else if (k == "--port") {
      a.conn.port = static_cast<unsigned>(std::stoul(v));
    } else if (k == "--user") {
      a.conn.user = v;
    } else if (k == "--db") {
      a.conn.database = v;
    } else if (k == "--into") {
      a.into = v;
    } else if (k == "--batch-rows") {
      a.batch_rows = static_cast<uint32_t>(std::stoul(v));
    } else {
      usage("unknown option " + k);
    }
  }
  if (a.mode.empty() || a.table.empty()) usage("--mode and --table are required");
  return a;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// The CPU time (user + system) of a process on this host, from /proc/<pid>/stat; -1 when it
// cannot be read (a server on another host).
double process_cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return -1;
  const size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 > line.size()) return -1;
  std::istringstream rest(line.substr(close + 2));
  std::string tok;
  double ticks = 0;
  // After "pid (comm) " come the fields from 3 (state) on; utime and stime are 14 and 15.
  for (int field = 3; field <= 15 && rest >> tok; ++field) {
    if (field >= 14) ticks += std::stod(tok);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// FNV-1a over (flags, length, bytes) of every cell, in order.
struct Digest {
  uint64_t h = 14695981039346656037ull;
  void bytes(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ull;
    }
  }
  void batch(const OwnedBatch& ob) {
    const BatchView v(ob.get());
    for (uint64_t i = 0; i < v.cell_count(); ++i) {
      const Cell c = v.cell(i);
      const uint64_t n = c.data.size();
      bytes(&c.flags, 1);
      bytes(&n, sizeof n);
      bytes(c.data.data(), c.data.size());
    }
  }
};

// ---- the modes ------------------------------------------------------------------------------

struct Result {
  uint64_t rows = 0, wire_bytes = 0, canonical_bytes = 0, copy_bytes = 0;
  double encode_seconds = -1;
  std::optional<Digest> digest;
};

// The source's snapshot stream of the whole table in `format`.
std::unique_ptr<CopyRowStream> open_stream(const std::shared_ptr<Connection>& conn,
                                           const PgTable& t, const TypeCatalog& types,
                                           CopyFormat format, uint32_t batch_rows) {
  CopyPlan plan =
      format == CopyFormat::Binary ? binary_copy_plan(*conn, t, types) : text_copy_plan(t);
  std::string sql = copy_select(t, "", "", plan);
  return std::make_unique<CopyRowStream>(conn, t, std::move(sql), batch_rows, 8u << 20,
                                         std::function<void()>{}, std::move(plan));
}

// The destination's per-column encoders for writing `t`'s canonical rows into `into`.
struct Encoders {
  std::vector<Encoder> text;
  std::vector<BinEnc> binary;  // empty when a column has no binary encoder
};
Encoders encoders_for(const PgTable& t, const PgTable& into, const TypeCatalog& types) {
  Encoders e;
  bool binary = true;
  for (size_t i = 0; i < t.table.columns.size(); ++i) {
    const Column& c = t.table.columns[i];
    e.text.push_back(encoder_for(c, t.table.schema + "." + t.table.name + "." + c.name));
    const auto k = binary_encoder_for(into.type_oids.at(i), c.type, &types);
    if (k) {
      e.binary.push_back(*k);
    } else {
      binary = false;
    }
  }
  if (!binary) e.binary.clear();
  return e;
}

// One batch as the destination's copy_rows encodes it, into `buf` (sent, here: counted and
// dropped, every 1 MiB when `sink` is empty).
void encode_batch(const BatchView& v, const Encoders& enc, bool binary, std::string& buf,
                  const std::function<void(std::string&)>& flush) {
  const auto width = static_cast<uint32_t>(enc.text.size());
  for (uint64_t row = 0; row < v.record_count(); ++row) {
    if (binary) {
      append_binary_tuple_start(buf, static_cast<uint16_t>(width));
      for (uint32_t col = 0; col < width; ++col) {
        const Cell cell = v.cell(row * width + col);
        if (cell.is_null()) {
          append_binary_null(buf);
        } else {
          append_binary_value(buf, enc.binary[col], enc.text[col], cell.data);
        }
      }
    } else {
      for (uint32_t col = 0; col < width; ++col) {
        if (col) buf += '\t';
        append_copy_field(buf, enc.text[col], v.cell(row * width + col));
      }
      buf += '\n';
    }
    if (buf.size() >= (1u << 20)) flush(buf);
  }
}

Result run(const Args& a, const std::shared_ptr<Connection>& conn, const PgTable& t,
           const TypeCatalog& types, const std::vector<OwnedBatch>& preread, const Encoders* enc) {
  Result r;
  // Only the modes that produce canonical cells have something to hash.
  if (a.digest && a.mode.rfind("ferry-", 0) == 0) r.digest.emplace();
  if (a.mode == "raw-text" || a.mode == "raw-binary" || a.mode == "unescape") {
    const bool binary = a.mode == "raw-binary";
    const std::string sql = copy_select(t, "", "");
    conn->copy_out_start(binary ? sql + " (FORMAT binary)" : sql);
    std::string_view row;
    CopyTextSplitter splitter;
    std::vector<CopyField> fields;
    while (conn->next_copy_row(row)) {
      r.wire_bytes += row.size();
      ++r.rows;
      if (a.mode == "unescape") {
        splitter.split(row, fields);
        for (const auto& f : fields) r.canonical_bytes += f.value.size();
      }
    }
    if (binary && r.rows > 0) --r.rows;  // the trailer is a message of its own
    return r;
  }
  if (a.mode == "ferry-text" || a.mode == "ferry-binary" || a.mode == "encode-text" ||
      a.mode == "encode-binary") {
    const bool encode = a.mode.rfind("encode-", 0) == 0;
    const bool binary_out = a.mode == "encode-binary";
    if (binary_out && enc->binary.empty()) {
      fail(FERRY_NOT_SUPPORTED, "a column of " + t.table.name + " has no binary encoder");
    }
    auto s =
        open_stream(conn, t, types, a.mode == "ferry-text" ? CopyFormat::Text : CopyFormat::Binary,
                    a.batch_rows);
    std::string buf;
    double encode_s = 0;
    auto flush = [&](std::string& b) {
      r.copy_bytes += b.size();
      b.clear();
    };
    while (true) {
      OwnedBatch b = s->next();
      if (b.is_end()) break;
      const BatchView v(b.get());
      r.rows += v.record_count();
      r.canonical_bytes += v.data_bytes();
      if (r.digest) r.digest->batch(b);
      if (encode) {
        const auto t0 = std::chrono::steady_clock::now();
        encode_batch(v, *enc, binary_out, buf, flush);
        encode_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
    }
    r.copy_bytes += buf.size();
    if (encode) r.encode_seconds = encode_s;
    return r;
  }
  if (a.mode == "write-text" || a.mode == "write-binary") {
    const bool binary = a.mode == "write-binary";
    if (binary && enc->binary.empty()) {
      fail(FERRY_NOT_SUPPORTED, "a column of " + t.table.name + " has no binary encoder");
    }
    std::string cols = "(";
    for (size_t i = 0; i < t.table.columns.size(); ++i) {
      cols += (i ? ", " : "") + quote_ident(t.table.columns[i].name);
    }
    cols += ")";
    conn->exec("BEGIN");
    conn->copy_in_start("COPY " + a.into + " " + cols + " FROM STDIN" +
                        (binary ? " (FORMAT binary)" : ""));
    std::string buf;
    buf.reserve((1u << 20) + (1u << 16));
    auto flush = [&](std::string& b) {
      r.wire_bytes += b.size();
      conn->copy_in_put(b);
      b.clear();
    };
    if (binary) append_binary_copy_header(buf);
    for (const OwnedBatch& b : preread) {
      const BatchView v(b.get());
      r.rows += v.record_count();
      encode_batch(v, *enc, binary, buf, flush);
    }
    if (binary) append_binary_copy_trailer(buf);
    if (!buf.empty()) flush(buf);
    const uint64_t n = conn->copy_in_end();
    conn->exec("COMMIT");
    if (n != r.rows) {
      fail(FERRY_INTERNAL,
           "COPY stored " + std::to_string(n) + " of " + std::to_string(r.rows) + " rows");
    }
    return r;
  }
  usage("unknown mode " + a.mode);
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse_args(argc, argv);
  try {
    auto conn = std::make_shared<Connection>(a.conn);
    const TypeCatalog types = read_types(*conn);
    const auto t = read_table(*conn, a.schema, a.table, types);
    if (!t) fail(FERRY_INVALID_ARGUMENT, "no table " + qualified(a.schema, a.table));
    const bool write = a.mode.rfind("write-", 0) == 0;
    std::optional<Encoders> enc;
    std::vector<OwnedBatch> preread;
    if (write || a.mode.rfind("encode-", 0) == 0) {
      std::optional<PgTable> into = *t;
      if (write) {
        const size_t dot = a.into.find('.');
        if (dot == std::string::npos) usage("write modes need --into SCHEMA.TABLE");
        into = read_table(*conn, a.into.substr(0, dot), a.into.substr(dot + 1), types);
        if (!into) fail(FERRY_INVALID_ARGUMENT, "no table " + a.into);
        // The rows to write, read before the clock starts.
        auto s = open_stream(conn, *t, types, CopyFormat::Binary, a.batch_rows);
        for (OwnedBatch b = s->next(); !b.is_end(); b = s->next()) preread.push_back(std::move(b));
      }
      enc = encoders_for(*t, *into, types);
    }
    const int backend = PQbackendPID(conn->get());
    const double server0 = process_cpu_seconds(backend);
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const Result r = run(a, conn, *t, types, preread, enc ? &*enc : nullptr);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    const double server1 = process_cpu_seconds(backend);
    const double server_cpu = server0 < 0 || server1 < 0 ? -1 : server1 - server0;
    std::printf(
        "mode=%s table=%s rows=%llu wire_bytes=%llu canonical_bytes=%llu seconds=%.4f "
        "client_cpu=%.4f server_cpu=%.4f",
        a.mode.c_str(), a.table.c_str(), static_cast<unsigned long long>(r.rows),
        static_cast<unsigned long long>(r.wire_bytes),
        static_cast<unsigned long long>(r.canonical_bytes), secs, cpu, server_cpu);
    if (r.encode_seconds >= 0) {
      std::printf(" encode_seconds=%.4f copy_bytes=%llu", r.encode_seconds,
                  static_cast<unsigned long long>(r.copy_bytes));
    }
    if (r.digest) std::printf(" digest=%016llx", static_cast<unsigned long long>(r.digest->h));
    std::printf("\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pg_copy_read: %s\n", e.what());
    return 1;
  }
}
