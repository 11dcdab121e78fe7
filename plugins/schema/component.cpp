// The schema-migration component ("schema" stage): reads the source catalog, converts it to the
// destination's dialect (ddl.hpp), records every object with its DDL in the task's migration
// objects, and creates schemas, tables and views. Indexes and constraints are recorded here and
// created later: indexes by full import after the data, FOREIGN KEY / CHECK constraints (and
// PostgreSQL → PostgreSQL the SET GENERATED ALWAYS of identity columns created BY DEFAULT) at
// switchover (or at the end of full import when the task has no incremental stage). A task
// without full import gets its indexes here, and without incremental sync its constraints too.
//
// Every object has a status (pending, running, succeeded, failed, skipped, removed), its DDL and
// its error. A run works on every object that is not succeeded, skipped or removed; an
// operator's edited DDL is run as edited. The stage fails when any object failed, naming them:
// the operator retries (after editing the DDL), skips or removes them, and runs the task again.
#include <nlohmann/json.hpp>

#include <ferry/sdk.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ddl.hpp"
#include "naming.hpp"
#include "objects.hpp"
#include "sql_lex.hpp"
#include "task_settings.hpp"

namespace {

using ferry::common::Objects;
using ferry::common::StoredObject;
using nlohmann::json;
namespace sch = ferry::schema;

std::string join_statements(const std::vector<std::string>& statements) {
  std::string out;
  for (const auto& s : statements) {
    if (!out.empty()) out += "\n";
    out += s;
    const auto last = s.find_last_not_of(" \t\r\n");
    if (last != std::string::npos && s[last] != ';') out += ";";
  }
  return out;
}

// An operator's DDL, one statement per apply_ddl.
std::vector<std::string> split_statements(const std::string& text, sch::Dialect d) {
  std::string error;
  auto statements = sch::sql::split_statements(text, d, &error);
  if (!error.empty()) ferry::fail(FERRY_INVALID_ARGUMENT, "the DDL cannot be read: " + error);
  return statements;
}

struct Planned {
  std::string key, kind, parent, source, destination;
  std::vector<std::string> statements;
  std::string error;  // the object cannot be created as generated, and why
  json detail = json::object();
};

class SchemaMigration : public ferry::Component {
 public:
  explicit SchemaMigration(const ferry::CreateContext& ctx)
      : host_(ctx.host), options_(sch::mapping_options_from(ctx.config)) {}

  void init(ferry::StageContext& ctx) override {
    settings_ = ferry::common::parse_task_settings(ctx.task_json());
    const auto from = sch::dialect_of_plugin(settings_.source_plugin);
    const auto to = sch::dialect_of_plugin(settings_.destination_plugin);
    if (!from || !to) {
      ferry::fail(FERRY_NOT_SUPPORTED,
                  "schema migration converts between the mysql and postgres connectors; this "
                  "task's " +
                      std::string(!from ? "source" : "destination") + " plugin is '" +
                      (!from ? settings_.source_plugin : settings_.destination_plugin) +
                      "'. Create the destination schema yourself and drop \"schema\" from the "
                      "task's types");
    }
    from_ = *from;
    to_ = *to;
    renames_ = sch::parse_renames(settings_.rename_json);
    if (!host_.has_objects()) {
      ferry::fail(FERRY_NOT_SUPPORTED,
                  "schema migration needs a host that keeps migration "
                  "objects (ferry ABI 1.2 or later)");
    }
  }

  void run() override {
    auto& ctx = context();
    const ferry::Catalog catalog = ctx.source().discover(settings_.discover_selection_json());
    const std::vector<Planned> plan = make_plan(catalog);
    Objects objects(host_);
    record(objects, plan);
    // One read of the stored objects; each run below updates its entry.
    auto stored = objects.load();
    for (const auto& [key, o] : stored) {
      succeeded_ += o.status == "succeeded" ? 1 : 0;
      failed_ += o.status == "failed" ? 1 : 0;
    }
    host_.report_progress(status());

    // Schemas, then tables, then views (in dependency order, as planned), then — when no later
    // stage will — indexes and constraints.
    std::vector<std::string> kinds = {"schema", "table", "view"};
    if (!settings_.has("full")) kinds.push_back("index");
    if (!settings_.has("full") && !settings_.has("incremental")) kinds.push_back("constraint");
    for (const auto& kind : kinds) {
      for (const auto& p : plan) {
        if (p.kind != kind) continue;
        host_.yield();
        const auto it = stored.find(p.key);
        if (it == stored.end() || it->second.done()) continue;
        if (blocked_by_parent(stored, p)) continue;
        it->second.status = execute(objects, p, it->second);
        host_.report_progress(status());
      }
    }

    std::vector<std::string> failed;
    for (const auto& [key, o] : objects.load()) {
      if (o.status == "failed") failed.push_back(key + ": " + o.error);
    }
    host_.report_progress(status());
    if (!failed.empty()) {
      std::string msg = std::to_string(failed.size()) + " object(s) failed: ";
      for (size_t i = 0; i < failed.size() && i < 5; ++i) msg += (i ? "; " : "") + failed[i];
      if (failed.size() > 5) msg += "; and " + std::to_string(failed.size() - 5) + " more";
      msg += ". Edit the DDL and retry, skip or remove them, then run the task again";
      ferry::fail(FERRY_INVALID_ARGUMENT, msg);
    }
  }

  std::string status() override {
    return json{{"objects_total", total_.load()},
                {"succeeded", succeeded_.load()},
                {"failed", failed_.load()}}
        .dump();
  }

 private:
  std::vector<Planned> make_plan(const ferry::Catalog& source_catalog) {
    ferry::Catalog catalog;  // what the task selects; temporary tables are never migrated
    for (const auto& t : source_catalog.tables) {
      if ((t.flags & FERRY_TABLE_TEMPORARY) != 0) continue;
      if (settings_.selected(t.schema, t.name)) catalog.tables.push_back(t);
    }
    for (const auto& v : source_catalog.views) {
      if (settings_.selected(v.schema, v.name)) catalog.views.push_back(v);
    }
    std::set<std::string> schemas;
    for (const auto& t : catalog.tables) schemas.insert(t.schema);
    for (const auto& v : catalog.views) schemas.insert(v.schema);
    for (const auto& s : schemas) catalog.schemas.push_back(s);

    const sch::SchemaPlan plan = sch::plan_catalog(catalog, from_, to_, renames_, options_);
    std::vector<Planned> out;
    for (const auto& s : catalog.schemas) {
      Planned p;
      p.key = "schema:" + s;
      p.kind = "schema";
      p.source = s;
      p.destination = renames_.schema(s);
      try {
        p.statements = {sch::create_schema_ddl(p.destination, to_)};
      } catch (const ferry::Error& e) {
        p.error = e.what();
      }
      out.push_back(std::move(p));
    }
    for (const auto& tp : plan.tables) {
      const std::string src = tp.src_schema + "." + tp.src_table;
      Planned p;
      p.key = "table:" + src;
      p.kind = "table";
      p.parent = "schema:" + tp.src_schema;
      p.source = src;
      p.destination = tp.dst_schema + "." + tp.dst_table;
      p.statements = tp.create;
      for (const auto& r : tp.refusals) {
        p.error += (p.error.empty() ? "" : "; ") + r.column + ": " + r.reason;
      }
      json columns = json::array();
      json notes = tp.notes;
      for (const auto& c : tp.columns) {
        columns.push_back({c.source_name, c.dest_name});
        if (!c.note.empty()) notes.push_back(c.source_name + ": " + c.note);
      }
      int64_t estimate = -1;
      for (const auto& t : catalog.tables) {
        if (t.schema == tp.src_schema && t.name == tp.src_table) estimate = t.row_estimate;
      }
      p.detail = {{"dst_schema", tp.dst_schema},
                  {"dst_table", tp.dst_table},
                  {"columns", columns},
                  {"identity_sync", tp.identity_sync},
                  {"notes", notes},
                  {"row_estimate", estimate}};
      if (from_ == sch::Dialect::MySQL && to_ == sch::Dialect::PostgreSQL) {
        // What full import does with zero-date values (plugins/full_import/zero_dates.hpp).
        p.detail["zero_dates"] =
            options_.zero_dates == sch::MappingOptions::ZeroDates::Null ? "null" : "refuse";
      }
      out.push_back(std::move(p));
      for (const auto& i : tp.indexes) out.push_back(child(i, "index", src, tp));
      for (const auto& c : tp.constraints) out.push_back(child(c, "constraint", src, tp));
    }
    for (const auto& v : plan.views) {
      Planned p;
      p.key = v.key;
      p.kind = "view";
      p.source = v.key.substr(v.key.find(':') + 1);
      p.parent = "schema:" + p.source.substr(0, p.source.find('.'));
      // The view's name in its (renamed) schema, as tables show theirs.
      p.destination = renames_.schema(p.source.substr(0, p.source.find('.'))) + "." + v.name;
      if (!v.ddl.empty()) p.statements.push_back(v.ddl);
      for (const auto& a : v.after) p.statements.push_back(a);
      p.error = v.error;
      if (!v.note.empty()) p.detail["note"] = v.note;
      out.push_back(std::move(p));
    }
    return out;
  }

  // An index or constraint of table `src`: recorded under the keys the plan gives, with the
  // kind the stages look for ("index", "constraint").
  static Planned child(const sch::DdlObject& o, const char* kind, const std::string& src,
                       const sch::TablePlan& tp) {
    Planned c;
    c.source = o.key.substr(o.key.find(':') + 1);
    // Keys by kind ("index:", "constraint:"), so later stages find them by prefix; a
    // constraint's own kind (fk, check, identity) goes into its detail.
    c.key = std::string(kind) + ":" + c.source;
    c.kind = kind;
    c.parent = "table:" + src;
    if (std::string(kind) == "constraint") c.detail["type"] = o.key.substr(0, o.key.find(':'));
    c.destination = tp.dst_schema + "." + o.name;
    if (!o.ddl.empty()) c.statements.push_back(o.ddl);
    for (const auto& a : o.after) c.statements.push_back(a);
    c.error = o.error;
    if (!o.note.empty()) c.detail["note"] = o.note;
    return c;
  }

  // New objects are recorded pending; known ones get the newly generated DDL (the host keeps an
  // operator's edit) and keep their status.
  void record(const Objects& objects, const std::vector<Planned>& plan) {
    const auto stored = objects.load();
    for (const auto& p : plan) {
      json fields = {{"kind", p.kind},
                     {"parent", p.parent},
                     {"source", p.source},
                     {"destination", p.destination},
                     {"ddl", join_statements(p.statements)},
                     {"detail", p.detail}};
      const auto it = stored.find(p.key);
      if (it == stored.end()) fields["status"] = "pending";
      objects.put(p.key, std::move(fields));
    }
    total_ = plan.size();
  }

  // An object waits for its parent (a table for its schema, an index for its table) until the
  // parent exists: created, or skipped because the operator made it.
  static bool blocked_by_parent(const std::map<std::string, StoredObject>& stored,
                                const Planned& p) {
    if (p.parent.empty() || p.kind == "schema") return false;
    const auto parent = stored.find(p.parent);
    return parent != stored.end() && parent->second.status != "succeeded" &&
           parent->second.status != "skipped";
  }

  // Runs the object's DDL (the operator's edit when there is one); returns its new status.
  std::string execute(const Objects& objects, const Planned& p, const StoredObject& stored) {
    const bool was_failed = stored.status == "failed";
    objects.running(p.key);
    try {
      std::vector<std::string> statements = p.statements;
      if (stored.ddl_edited) {
        statements = split_statements(stored.ddl, to_);
      } else if (!p.error.empty()) {
        ferry::fail(FERRY_INVALID_ARGUMENT, p.error);
      }
      if (statements.empty()) ferry::fail(FERRY_INVALID_ARGUMENT, "there is no DDL to run");
      for (const auto& s : statements) context().destination().apply_ddl(s);
      objects.succeeded(p.key);
      ++succeeded_;
      if (was_failed) --failed_;
      host_.info(p.kind + " " + p.source + " created as " + p.destination);
      return "succeeded";
    } catch (const ferry::Error& e) {
      if (e.status() == FERRY_CANCELLED) throw;
      objects.failed(p.key, e.what());
      if (!was_failed) ++failed_;
      host_.warn(p.kind + " " + p.source + " failed: " + e.what());
      return "failed";
    }
  }

  ferry::Host host_;
  sch::MappingOptions options_;
  ferry::common::TaskSettings settings_;
  sch::Dialect from_ = sch::Dialect::MySQL, to_ = sch::Dialect::PostgreSQL;
  sch::Renames renames_;
  std::atomic<size_t> total_{0}, succeeded_{0}, failed_{0};
};

}  // namespace

FERRY_PLUGIN("schema", "1.0.0", "Schema migration between MySQL-family and PostgreSQL",
             ferry::component<SchemaMigration>(
                 "schema",
                 "creates the selected schemas, tables and views on the destination, converted "
                 "to its dialect; records indexes and constraints for later stages",
                 sch::mapping_fields()))
