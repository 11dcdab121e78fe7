// A task's migration objects and what an operator can do with them (the reference
// documentation's schema-migration and full-import operations): view the creation syntax,
// modify it and retry, retry one or all failed objects, skip or remove (in batches; an object's
// children — a table's indexes and constraints — follow it), export every schema as SQL.
//
// Components write the objects through the host services (ferry_host.object_put, ABI 1.2);
// these functions are the operator's side, over the same meta store. They change what the next
// run of the stage does: a stage works on every object that is not succeeded, skipped or removed,
// and runs an edited DDL as edited. The REST API exposes them (with the task-state rules of the
// task actions).
#pragma once

#include "meta/meta_store.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ferry::host {

// An operation the object's state does not allow, or an unknown object. The message says which
// and why.
class ObjectOpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ObjectFilter {
  std::string stage{};       // empty = every stage
  std::string kind{};        // empty = every kind
  bool errors_only = false;  // only failed objects ("View Objects with Errors")
};

// What a component sends through ferry_host.object_put, merged into the stored object: fields
// left out keep their stored value, and an operator-edited DDL wins over the component's. The
// merge and the write are one step (serialized in this process). Throws ObjectOpError naming
// what is malformed.
meta::ObjectRecord put_object_json(meta::MetaStore& store, const std::string& task_id,
                                   const std::string& stage, const std::string& object_json);
// ferry_host.object_list's answer: a JSON array of the objects whose key starts with `prefix`.
std::string list_objects_json(const meta::MetaStore& store, const std::string& task_id,
                              const std::string& prefix);

class TaskObjects {
 public:
  TaskObjects(meta::MetaStore& store, std::string task_id);

  std::vector<meta::ObjectRecord> list(const ObjectFilter& filter = {}) const;
  // The DDL ferry ran or will run for the object (the operator's edit when there is one).
  std::string creation_syntax(const std::string& key) const;
  // Replaces a failed (or still pending) object's DDL and sets it pending again.
  void modify_ddl(const std::string& key, const std::string& ddl);
  // A failed object becomes pending again. retry_all_failed returns how many did.
  void retry(const std::string& key);
  size_t retry_all_failed(const ObjectFilter& filter = {});
  // A pending or failed object (and its children) is skipped: ferry does not create it; the
  // operator takes care of it. Its table data is still migrated.
  void skip(const std::vector<std::string>& keys);
  // An object that is not running leaves the migration with its children (a table also leaves
  // full import and verification). Nothing is dropped from the destination.
  void remove(const std::vector<std::string>& keys);
  // Every object's DDL as one SQL script, in creation order (schemas, tables, views, indexes,
  // constraints), removed objects left out; an object that has no DDL yet is a comment.
  std::string export_sql() const;

 private:
  meta::ObjectRecord get(const std::string& key) const;
  std::vector<meta::ObjectRecord> with_children(const std::vector<std::string>& keys) const;

  meta::MetaStore& store_;
  std::string task_id_;
};

}  // namespace ferry::host
