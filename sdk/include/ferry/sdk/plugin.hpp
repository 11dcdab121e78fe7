// ferry SDK C++ layer: writing a plugin.
//
// Derive from Source, Destination, Component, Verifier or Transform, give the class a
// constructor taking `const ferry::CreateContext&`, and declare the plugin once:
//
//   FERRY_PLUGIN("acme", "1.2.0", "Acme database connector",
//                ferry::source<AcmeSource>("acme", "reads Acme", FERRY_CAP_SOURCE_CATALOG |
//                                          FERRY_CAP_SOURCE_SNAPSHOT, {
//                    ferry::field::string("host", "server host").required(),
//                    ferry::field::integer("port", "server port").with_default("4000"),
//                    ferry::field::secret("password", "login password")}));
//
// The layer generates the C tables of <ferry/abi.h>: trampolines that catch every exception
// (ferry::Error keeps its status; anything else becomes FERRY_INTERNAL with its message), and
// only the callbacks the declared capabilities call for.
#pragma once

#include <ferry/abi.h>
#include <ferry/sdk/batch.hpp>
#include <ferry/sdk/catalog.hpp>
#include <ferry/sdk/clients.hpp>
#include <ferry/sdk/error.hpp>
#include <ferry/sdk/host.hpp>
#include <ferry/sdk/stream.hpp>
#include <ferry/sdk/values.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace ferry {

[[noreturn]] inline void not_supported(const char* what) {
  fail(FERRY_NOT_SUPPORTED, std::string(what) + " is not implemented by this plugin");
}

class Source {
 public:
  virtual ~Source() = default;
  virtual std::string precheck() { return "[]"; }
  virtual Catalog discover(const std::string& /*selection_json*/) { not_supported("discover"); }
  virtual Position snapshot_position() { not_supported("snapshot_position"); }
  virtual std::vector<Split> plan_splits(const TableSchema& /*table*/, uint64_t /*target_rows*/) {
    not_supported("plan_splits");
  }
  virtual std::unique_ptr<BatchStream> open_snapshot(const Split& /*split*/,
                                                     uint32_t /*batch_rows*/) {
    not_supported("open_snapshot");
  }
  virtual std::unique_ptr<BatchStream> open_changes(const Position& /*from*/) {
    not_supported("open_changes");
  }
  virtual void ack(const Position& /*upto*/) { not_supported("ack"); }
  virtual int compare_positions(const Bytes& /*a*/, const Bytes& /*b*/) {
    not_supported("compare_positions");
  }
  virtual Checksum checksum(const Split& /*range*/, const std::string& /*spec*/) {
    not_supported("checksum");
  }
  virtual std::unique_ptr<BatchStream> read_range(const Split& /*range*/, uint32_t /*batch_rows*/) {
    not_supported("read_range");
  }
  // Drops what the task holds on the source (slots, publications) when it is released; must
  // succeed when there is nothing (left) to drop. ABI 1.1.
  virtual void release() {}
  virtual std::string describe_position(const Bytes& position) {
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (uint8_t b : position) {
      s += hex[b >> 4];
      s += hex[b & 15];
    }
    return s;
  }
};

class Destination {
 public:
  virtual ~Destination() = default;
  virtual std::string precheck() { return "[]"; }
  virtual void apply_ddl(const std::string& /*statement*/) { not_supported("apply_ddl"); }
  virtual void bulk_write(const ferry_table_ref& /*table*/, const BatchView& /*batch*/,
                          uint32_t /*flags*/) {
    not_supported("bulk_write");
  }
  virtual void apply_changes(const BatchView& /*batch*/, uint32_t /*flags*/,
                             std::span<const uint8_t> /*checkpoint*/) {
    not_supported("apply_changes");
  }
  virtual std::optional<Bytes> flush() { not_supported("flush"); }
  virtual Checksum checksum(const Split& /*range*/, const std::string& /*spec*/) {
    not_supported("checksum");
  }
  virtual std::unique_ptr<BatchStream> read_range(const Split& /*range*/, uint32_t /*batch_rows*/) {
    not_supported("read_range");
  }
  // The destination's own catalog of the tables `selection_json` selects (ABI 1.2; optional:
  // the default answers FERRY_NOT_SUPPORTED).
  virtual Catalog discover(const std::string& /*selection_json*/) { not_supported("discover"); }
};

namespace detail {
struct ComponentAccess;
}

class Component {
 public:
  virtual ~Component() = default;
  // Called once before run(); `ctx` (also context()) stays valid until destruction.
  virtual void init(StageContext& /*ctx*/) {}
  // Does the stage's work; returns when done. Call host.yield() between batches.
  virtual void run() = 0;
  virtual void pause() {}
  virtual void resume() {}
  virtual std::string status() { return "{}"; }

  StageContext& context() {
    if (!context_) fail(FERRY_INTERNAL, "stage context used before init()");
    return *context_;
  }

 private:
  friend struct detail::ComponentAccess;
  std::unique_ptr<StageContext> context_;
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual std::string verify_split(SourceClient& source, DestinationClient& destination,
                                   const TableSchema& table, const Split& split) = 0;
};

class Transform {
 public:
  virtual ~Transform() = default;
  virtual OwnedBatch transform(const BatchView& in) = 0;
};

// ---- declared config fields ---------------------------------------------------------------

struct FieldDecl {
  ferry_field_type type = FERRY_FIELD_STRING;
  std::string name, description;
  std::optional<std::string> default_value;
  bool is_required = false;

  FieldDecl required() const {
    FieldDecl f = *this;
    f.is_required = true;
    return f;
  }
  FieldDecl with_default(std::string v) const {
    FieldDecl f = *this;
    f.default_value = std::move(v);
    return f;
  }
};

namespace field {
inline FieldDecl string(std::string n, std::string d) {
  return {FERRY_FIELD_STRING, std::move(n), std::move(d), {}, false};
}
inline FieldDecl integer(std::string n, std::string d) {
  return {FERRY_FIELD_INT, std::move(n), std::move(d), {}, false};
}
inline FieldDecl number(std::string n, std::string d) {
  return {FERRY_FIELD_FLOAT, std::move(n), std::move(d), {}, false};
}
inline FieldDecl boolean(std::string n, std::string d) {
  return {FERRY_FIELD_BOOL, std::move(n), std::move(d), {}, false};
}
inline FieldDecl string_list(std::string n, std::string d) {
  return {FERRY_FIELD_STRING_LIST, std::move(n), std::move(d), {}, false};
}
inline FieldDecl secret(std::string n, std::string d) {
  return {FERRY_FIELD_SECRET, std::move(n), std::move(d), {}, false};
}
}  // namespace field

// ---- trampolines ----------------------------------------------------------------------------

namespace detail {

template <class Base>
struct Instance {
  std::unique_ptr<Base> object;
  Host host;
};

// last_error belongs to the calling thread (abi.h): the detail of this thread's most recent
// failed call, and the object it was made on.
struct ThreadError {
  const void* owner = nullptr;
  std::string message;
};
inline ThreadError& thread_error() {
  static thread_local ThreadError e;
  return e;
}
inline void fill_checksum(const Checksum& c, ferry_checksum* out) {
  out->row_count = c.row_count;
  out->digest = c.digest;
}

inline void set_thread_error(const void* owner, std::string message) {
  auto& e = thread_error();
  e.owner = owner;
  e.message = std::move(message);
}

// For the component hooks the host calls from its control thread while run() is in progress
// (pause, resume, status): they must not touch `error`, which run()'s thread owns, so their
// failures are reported by status code and a log line through the host.
template <class Base, class F>
ferry_status guarded_control(void* self, const char* hook, F&& f) {
  auto* inst = static_cast<Instance<Base>*>(self);
  auto report = [&](ferry_status st, const std::string& what) {
    inst->host.log(FERRY_LOG_ERROR, std::string(hook) + " failed: " + what);
    return st;
  };
  try {
    f(*inst->object);
    return FERRY_OK;
  } catch (const Error& e) {
    return report(e.status(), e.what());
  } catch (const std::exception& e) {
    return report(FERRY_INTERNAL, std::string("unhandled exception: ") + e.what());
  } catch (...) {
    return report(FERRY_INTERNAL, "unhandled non-standard exception");
  }
}

// Runs `f` on the instance; exceptions become a status and the instance's last_error.
template <class Base, class F>
ferry_status guarded(void* self, F&& f) {
  auto* inst = static_cast<Instance<Base>*>(self);
  try {
    f(*inst->object);
    return FERRY_OK;
  } catch (const Error& e) {
    set_thread_error(self, e.what());
    return e.status();
  } catch (const std::exception& e) {
    set_thread_error(self, std::string("unhandled exception: ") + e.what());
  } catch (...) {
    set_thread_error(self, "unhandled non-standard exception");
  }
  return FERRY_INTERNAL;
}

template <class Base, class T>
ferry_status create(const ferry_create_args* args, void** out, const ferry_error_sink* err) {
  auto report = [err](const std::string& m) {
    if (err && err->set) err->set(err->ctx, m.c_str());
  };
  try {
    CreateContext ctx{Host(args->host), Config(args->config), args->task_id ? args->task_id : "",
                      args->instance_name ? args->instance_name : ""};
    auto inst = std::make_unique<Instance<Base>>();
    inst->host = ctx.host;
    inst->object = std::make_unique<T>(ctx);
    *out = inst.release();
    return FERRY_OK;
  } catch (const Error& e) {
    report(e.what());
    return e.status();
  } catch (const std::exception& e) {
    report(std::string("unhandled exception: ") + e.what());
  } catch (...) {
    report("unhandled non-standard exception");
  }
  return FERRY_INTERNAL;
}

template <class Base>
void destroy(void* self) {
  delete static_cast<Instance<Base>*>(self);
}
template <class Base>
const char* last_error(void* self) {
  const auto& e = thread_error();
  return e.owner == self ? e.message.c_str() : "";
}

template <class VT, class Base, class T>
VT common_vtable() {
  VT vt{};
  vt.struct_size = sizeof(VT);
  vt.create = &create<Base, T>;
  vt.destroy = &destroy<Base>;
  vt.last_error = &last_error<Base>;
  return vt;
}

inline bool has(uint64_t caps, uint64_t bit) {
  return (caps & bit) != 0;
}

// checksum and read_range: the same contract on a source and a destination (verification reads
// both sides of a task).
template <class B, class VT>
void set_verify_read(VT& vt) {
  vt.checksum = [](void* s, const ferry_split* r, const char* spec, ferry_checksum* out) {
    return guarded<B>(
        s, [&](B& o) { fill_checksum(o.checksum(copy_split(*r), spec ? spec : "{}"), out); });
  };
  vt.read_range = [](void* s, const ferry_split* r, uint32_t rows, ferry_stream* out) {
    return guarded<B>(s, [&](B& o) { export_stream(o.read_range(copy_split(*r), rows), out); });
  };
}

template <class T>
ferry_source_vtable source_vtable(uint64_t caps) {
  using B = Source;
  auto vt = common_vtable<ferry_source_vtable, B, T>();
  vt.precheck = [](void* s, ferry_buffer* out) {
    return guarded<B>(s, [&](B& o) { export_buffer(o.precheck(), out); });
  };
  vt.describe_position = [](void* s, const uint8_t* d, uint64_t n, ferry_buffer* out) {
    return guarded<B>(s, [&](B& o) { export_buffer(o.describe_position(Bytes(d, d + n)), out); });
  };
  vt.release = [](void* s) { return guarded<B>(s, [&](B& o) { o.release(); }); };
  if (has(caps, FERRY_CAP_SOURCE_CATALOG)) {
    vt.discover = [](void* s, const char* sel, ferry_catalog* out) {
      return guarded<B>(s, [&](B& o) { export_catalog(o.discover(sel ? sel : ""), out); });
    };
  }
  if (has(caps, FERRY_CAP_SOURCE_SNAPSHOT)) {
    vt.snapshot_position = [](void* s, ferry_position* out) {
      return guarded<B>(s, [&](B& o) { export_position(o.snapshot_position(), out); });
    };
    vt.plan_splits = [](void* s, const ferry_table_ref* t, uint64_t rows, ferry_split_list* out) {
      return guarded<B>(s,
                        [&](B& o) { export_splits(o.plan_splits(copy_table_ref(*t), rows), out); });
    };
    vt.open_snapshot = [](void* s, const ferry_split* sp, uint32_t rows, ferry_stream* out) {
      return guarded<B>(s,
                        [&](B& o) { export_stream(o.open_snapshot(copy_split(*sp), rows), out); });
    };
  }
  if (has(caps, FERRY_CAP_SOURCE_CHANGES)) {
    vt.open_changes = [](void* s, const ferry_position* from, ferry_stream* out) {
      return guarded<B>(s, [&](B& o) {
        Position p{Bytes(from->data, from->data + from->len), from->display ? from->display : ""};
        export_stream(o.open_changes(p), out);
      });
    };
    vt.compare_positions = [](void* s, const uint8_t* a, uint64_t an, const uint8_t* b, uint64_t bn,
                              int32_t* out) {
      return guarded<B>(s, [&](B& o) {
        const int c = o.compare_positions(Bytes(a, a + an), Bytes(b, b + bn));
        *out = c < 0 ? -1 : c > 0 ? 1 : 0;
      });
    };
    vt.ack = [](void* s, const ferry_position* upto) {
      return guarded<B>(s, [&](B& o) {
        o.ack(Position{Bytes(upto->data, upto->data + upto->len),
                       upto->display ? upto->display : ""});
      });
    };
  }
  if (has(caps, FERRY_CAP_SOURCE_VERIFY_READ)) set_verify_read<B>(vt);
  return vt;
}

template <class T>
ferry_destination_vtable destination_vtable(uint64_t caps) {
  using B = Destination;
  auto vt = common_vtable<ferry_destination_vtable, B, T>();
  vt.precheck = [](void* s, ferry_buffer* out) {
    return guarded<B>(s, [&](B& o) { export_buffer(o.precheck(), out); });
  };
  vt.discover = [](void* s, const char* sel, ferry_catalog* out) {
    return guarded<B>(s, [&](B& o) { export_catalog(o.discover(sel ? sel : ""), out); });
  };
  if (has(caps, FERRY_CAP_DEST_DDL)) {
    vt.apply_ddl = [](void* s, const char* stmt) {
      return guarded<B>(s, [&](B& o) { o.apply_ddl(stmt ? stmt : ""); });
    };
  }
  if (has(caps, FERRY_CAP_DEST_BULK)) {
    vt.bulk_write = [](void* s, const ferry_table_ref* t, const ferry_batch* b, uint32_t flags) {
      return guarded<B>(s, [&](B& o) { o.bulk_write(*t, BatchView(*b), flags); });
    };
  }
  if (has(caps, FERRY_CAP_DEST_APPLY)) {
    vt.apply_changes = [](void* s, const ferry_batch* b, uint32_t flags, const uint8_t* cp,
                          uint64_t cp_len) {
      return guarded<B>(s, [&](B& o) {
        o.apply_changes(BatchView(*b), flags, std::span<const uint8_t>(cp, cp_len));
      });
    };
    vt.flush = [](void* s, ferry_buffer* out, int32_t* found) {
      return guarded<B>(s, [&](B& o) {
        auto cp = o.flush();
        *found = cp ? 1 : 0;
        if (cp) export_buffer(std::move(*cp), out);
      });
    };
  }
  if (has(caps, FERRY_CAP_DEST_VERIFY_READ)) set_verify_read<B>(vt);
  return vt;
}

struct ComponentAccess {
  static StageContext& bind(Component& c, const ferry_stage_context* ctx) {
    c.context_ = std::make_unique<StageContext>(ctx);
    return *c.context_;
  }
};

template <class T>
ferry_component_vtable component_vtable() {
  using B = Component;
  auto vt = common_vtable<ferry_component_vtable, B, T>();
  vt.init = [](void* s, const ferry_stage_context* c) {
    return guarded<B>(s, [&](B& o) { o.init(ComponentAccess::bind(o, c)); });
  };
  vt.run = [](void* s) { return guarded<B>(s, [](B& o) { o.run(); }); };
  vt.pause = [](void* s) { return guarded_control<B>(s, "pause", [](B& o) { o.pause(); }); };
  vt.resume = [](void* s) { return guarded_control<B>(s, "resume", [](B& o) { o.resume(); }); };
  vt.status = [](void* s, ferry_buffer* out) {
    return guarded_control<B>(s, "status", [&](B& o) { export_buffer(o.status(), out); });
  };
  return vt;
}

}  // namespace detail
}  // namespace ferry

namespace ferry {

namespace detail {
template <class T>
ferry_verifier_vtable verifier_vtable() {
  using B = Verifier;
  auto vt = common_vtable<ferry_verifier_vtable, B, T>();
  vt.verify_split = [](void* s, const ferry_endpoint* src, const ferry_endpoint* dst,
                       const ferry_table_ref* t, const ferry_split* sp, ferry_buffer* out) {
    return guarded<B>(s, [&](B& o) {
      SourceClient sc(*src);
      DestinationClient dc(*dst);
      export_buffer(o.verify_split(sc, dc, copy_table_ref(*t), copy_split(*sp)), out);
    });
  };
  return vt;
}

template <class T>
ferry_transform_vtable transform_vtable() {
  using B = Transform;
  auto vt = common_vtable<ferry_transform_vtable, B, T>();
  vt.transform = [](void* s, const ferry_batch* in, ferry_batch* out) {
    return guarded<B>(s, [&](B& o) { o.transform(BatchView(*in)).release_into(out); });
  };
  return vt;
}
}  // namespace detail

// ---- the manifest ---------------------------------------------------------------------------

// One component of a plugin, with its C descriptor. Build with source<T>(), destination<T>(),
// component<T>(), verifier<T>() or transform<T>().
class ComponentDef {
 public:
  using AnyVtable =
      std::variant<ferry_source_vtable, ferry_destination_vtable, ferry_component_vtable,
                   ferry_verifier_vtable, ferry_transform_vtable>;
  ComponentDef(ferry_kind kind, std::string name, std::string description, uint64_t caps,
               std::vector<FieldDecl> fields, AnyVtable vtable)
      : kind_(kind),
        name_(std::move(name)),
        description_(std::move(description)),
        caps_(caps),
        fields_(std::move(fields)),
        vtable_(std::move(vtable)) {}

  // Builds the C descriptor; call once the def has its final address.
  void finalize() {
    field_structs_.clear();
    field_ptrs_.clear();
    field_structs_.reserve(fields_.size());
    for (const auto& f : fields_) {
      ferry_config_field c{};
      c.struct_size = sizeof(c);
      c.type = f.type;
      c.name = f.name.c_str();
      c.description = f.description.c_str();
      c.default_value = f.default_value ? f.default_value->c_str() : nullptr;
      c.required = f.is_required ? 1 : 0;
      field_structs_.push_back(c);
    }
    for (const auto& c : field_structs_) field_ptrs_.push_back(&c);
    desc_ = ferry_component_desc{};
    desc_.struct_size = sizeof(desc_);
    desc_.kind = kind_;
    desc_.name = name_.c_str();
    desc_.description = description_.c_str();
    desc_.capabilities = caps_;
    desc_.config_field_count = static_cast<uint32_t>(field_ptrs_.size());
    desc_.config_fields = field_ptrs_.data();
    desc_.vtable = std::visit([](const auto& vt) -> const void* { return &vt; }, vtable_);
  }
  const ferry_component_desc* desc() const { return &desc_; }

 private:
  ferry_kind kind_;
  std::string name_, description_;
  uint64_t caps_;
  std::vector<FieldDecl> fields_;
  AnyVtable vtable_;
  std::vector<ferry_config_field> field_structs_;
  std::vector<const ferry_config_field*> field_ptrs_;
  ferry_component_desc desc_{};
};

template <class T>
ComponentDef source(std::string name, std::string description, uint64_t caps,
                    std::vector<FieldDecl> fields = {}) {
  static_assert(std::is_base_of_v<Source, T>, "source<T>: T must derive from ferry::Source");
  return ComponentDef(FERRY_KIND_SOURCE, std::move(name), std::move(description), caps,
                      std::move(fields), detail::source_vtable<T>(caps));
}
template <class T>
ComponentDef destination(std::string name, std::string description, uint64_t caps,
                         std::vector<FieldDecl> fields = {}) {
  static_assert(std::is_base_of_v<Destination, T>,
                "destination<T>: T must derive from ferry::Destination");
  return ComponentDef(FERRY_KIND_DESTINATION, std::move(name), std::move(description), caps,
                      std::move(fields), detail::destination_vtable<T>(caps));
}
template <class T>
ComponentDef component(std::string name, std::string description,
                       std::vector<FieldDecl> fields = {}, uint64_t caps = 0) {
  static_assert(std::is_base_of_v<Component, T>,
                "component<T>: T must derive from ferry::Component");
  return ComponentDef(FERRY_KIND_COMPONENT, std::move(name), std::move(description), caps,
                      std::move(fields), detail::component_vtable<T>());
}
template <class T>
ComponentDef verifier(std::string name, std::string description, std::vector<FieldDecl> fields = {},
                      uint64_t caps = 0) {
  static_assert(std::is_base_of_v<Verifier, T>, "verifier<T>: T must derive from ferry::Verifier");
  return ComponentDef(FERRY_KIND_VERIFIER, std::move(name), std::move(description), caps,
                      std::move(fields), detail::verifier_vtable<T>());
}
template <class T>
ComponentDef transform(std::string name, std::string description,
                       std::vector<FieldDecl> fields = {}, uint64_t caps = 0) {
  static_assert(std::is_base_of_v<Transform, T>,
                "transform<T>: T must derive from ferry::Transform");
  return ComponentDef(FERRY_KIND_TRANSFORM, std::move(name), std::move(description), caps,
                      std::move(fields), detail::transform_vtable<T>());
}

// The plugin's manifest: static data built on the first call of the entry symbol.
class PluginDef {
 public:
  PluginDef(std::string name, std::string version, std::string description,
            std::vector<ComponentDef> components)
      : name_(std::move(name)),
        version_(std::move(version)),
        description_(std::move(description)),
        components_(std::move(components)) {
    for (auto& c : components_) {
      c.finalize();
      ptrs_.push_back(c.desc());
    }
    manifest_.struct_size = sizeof(manifest_);
    manifest_.magic = FERRY_ABI_MAGIC;
    manifest_.abi_major = FERRY_ABI_MAJOR;
    manifest_.abi_minor = FERRY_ABI_MINOR;
    manifest_.name = name_.c_str();
    manifest_.version = version_.c_str();
    manifest_.description = description_.c_str();
    manifest_.component_count = static_cast<uint32_t>(ptrs_.size());
    manifest_.components = ptrs_.data();
  }
  PluginDef(const PluginDef&) = delete;
  PluginDef& operator=(const PluginDef&) = delete;
  const ferry_plugin_manifest* manifest() const { return &manifest_; }

 private:
  std::string name_, version_, description_;
  std::vector<ComponentDef> components_;
  std::vector<const ferry_component_desc*> ptrs_;
  ferry_plugin_manifest manifest_{};
};

}  // namespace ferry

// Declares the plugin: defines the exported entry symbol. Use once per plugin library.
#define FERRY_PLUGIN(NAME, VERSION, DESCRIPTION, ...)                                   \
  extern "C" FERRY_EXPORT const ferry_plugin_manifest* ferry_plugin_entry_v1(void) {    \
    try {                                                                               \
      static const ::ferry::PluginDef ferry_plugin_def_(                                \
          NAME, VERSION, DESCRIPTION, std::vector<::ferry::ComponentDef>{__VA_ARGS__}); \
      return ferry_plugin_def_.manifest();                                              \
    } catch (...) {                                                                     \
      return nullptr; /* the loader refuses a plugin without a manifest */              \
    }                                                                                   \
  }
