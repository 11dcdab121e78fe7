#include "plugin/plugin_registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <system_error>

namespace ferry::host {
namespace fs = std::filesystem;

std::string_view kind_name(ferry_kind kind) {
  switch (kind) {
    case FERRY_KIND_SOURCE:
      return "source";
    case FERRY_KIND_DESTINATION:
      return "destination";
    case FERRY_KIND_COMPONENT:
      return "component";
    case FERRY_KIND_VERIFIER:
      return "verifier";
    case FERRY_KIND_TRANSFORM:
      return "transform";
    default:
      return "unknown kind";
  }
}

namespace {

// One callback slot in a vtable: its name and where it sits.
struct Slot {
  const char* name;
  size_t offset;
};
// clang-format off
#define SLOT_OF(VT, FIELD) Slot{#FIELD, offsetof(VT, FIELD)}
// Where a callback table built for ABI 1.0 ends: every plugin this host accepts (major 1, any
// minor) has at least this much, so the host may read any 1.0 slot after this check.
#define FERRY_END_OF(VT, FIELD) (offsetof(VT, FIELD) + sizeof(void*))
// clang-format on

bool slot_present(const void* vtable, uint32_t vtable_size, const Slot& s) {
  if (s.offset + sizeof(void*) > vtable_size) return false;
  const void* fn = nullptr;
  std::memcpy(&fn, static_cast<const char*>(vtable) + s.offset, sizeof fn);
  return fn != nullptr;
}

// What each kind must always provide, and what each capability adds. One table: the loader's
// check and docs/sdk.md both follow it.
struct Requirement {
  uint64_t capability;  // 0 = always
  const char* capability_name;
  std::vector<Slot> slots;
};

template <class VT>
std::vector<Slot> common_slots() {
  return {SLOT_OF(VT, create), SLOT_OF(VT, destroy), SLOT_OF(VT, last_error)};
}

std::vector<Requirement> requirements(ferry_kind kind, size_t* min_size) {
  switch (kind) {
    case FERRY_KIND_SOURCE: {
      using VT = ferry_source_vtable;
      *min_size = FERRY_END_OF(VT, read_range);
      return {
          {0, "", common_slots<VT>()},
          {FERRY_CAP_SOURCE_CATALOG, "catalog", {SLOT_OF(VT, discover)}},
          {FERRY_CAP_SOURCE_SNAPSHOT,
           "snapshot",
           {SLOT_OF(VT, snapshot_position), SLOT_OF(VT, plan_splits), SLOT_OF(VT, open_snapshot)}},
          {FERRY_CAP_SOURCE_CHANGES,
           "changes",
           {SLOT_OF(VT, open_changes), SLOT_OF(VT, ack), SLOT_OF(VT, compare_positions)}},
          {FERRY_CAP_SOURCE_VERIFY_READ,
           "verify-read",
           {SLOT_OF(VT, checksum), SLOT_OF(VT, read_range)}}};
    }
    case FERRY_KIND_DESTINATION: {
      using VT = ferry_destination_vtable;
      *min_size = FERRY_END_OF(VT, read_range);
      return {{0, "", common_slots<VT>()},
              {FERRY_CAP_DEST_DDL, "ddl", {SLOT_OF(VT, apply_ddl)}},
              {FERRY_CAP_DEST_BULK, "bulk", {SLOT_OF(VT, bulk_write)}},
              {FERRY_CAP_DEST_APPLY, "apply", {SLOT_OF(VT, apply_changes), SLOT_OF(VT, flush)}},
              {FERRY_CAP_DEST_VERIFY_READ,
               "verify-read",
               {SLOT_OF(VT, checksum), SLOT_OF(VT, read_range)}}};
    }
    case FERRY_KIND_COMPONENT: {
      using VT = ferry_component_vtable;
      *min_size = FERRY_END_OF(VT, status);
      auto always = common_slots<VT>();
      always.push_back(SLOT_OF(VT, init));
      always.push_back(SLOT_OF(VT, run));
      return {{0, "", always}};
    }
    case FERRY_KIND_VERIFIER: {
      using VT = ferry_verifier_vtable;
      *min_size = FERRY_END_OF(VT, verify_split);
      auto always = common_slots<VT>();
      always.push_back(SLOT_OF(VT, verify_split));
      return {{0, "", always}};
    }
    case FERRY_KIND_TRANSFORM: {
      using VT = ferry_transform_vtable;
      *min_size = FERRY_END_OF(VT, transform);
      auto always = common_slots<VT>();
      always.push_back(SLOT_OF(VT, transform));
      return {{0, "", always}};
    }
    default:
      return {};
  }
}

std::optional<config::FieldType> field_type(ferry_field_type t) {
  switch (t) {
    case FERRY_FIELD_STRING:
      return config::FieldType::String;
    case FERRY_FIELD_INT:
      return config::FieldType::Int;
    case FERRY_FIELD_FLOAT:
      return config::FieldType::Float;
    case FERRY_FIELD_BOOL:
      return config::FieldType::Bool;
    case FERRY_FIELD_STRING_LIST:
      return config::FieldType::StringList;
    case FERRY_FIELD_SECRET:
      return config::FieldType::Secret;
    default:
      return std::nullopt;
  }
}

const char* str_or(const char* s, const char* fallback) {
  return s ? s : fallback;
}

// Checks one component descriptor; returns the problem, if any.
std::optional<std::string> check_component(const ferry_component_desc* d, ComponentEntry* out) {
  if (!d || d->struct_size < offsetof(ferry_component_desc, vtable) + sizeof(void*)) {
    return std::string("has a malformed component descriptor");
  }
  const std::string name = str_or(d->name, "");
  if (name.empty()) return std::string("has a component without a name");
  const std::string who = fmt::format("component '{}' ({})", name, kind_name(d->kind));
  size_t min_size = 0;
  const auto reqs = requirements(d->kind, &min_size);
  if (reqs.empty()) return fmt::format("component '{}' has unknown kind {}", name, d->kind);
  if (!d->vtable) return who + " has no callback table";
  const uint32_t vt_size = *static_cast<const uint32_t*>(d->vtable);
  if (vt_size < min_size) {
    return fmt::format("{} has a callback table of {} bytes; ABI 1.0 needs at least {}", who,
                       vt_size, min_size);
  }
  for (const auto& req : reqs) {
    if (req.capability != 0 && (d->capabilities & req.capability) == 0) continue;
    for (const auto& slot : req.slots) {
      if (slot_present(d->vtable, vt_size, slot)) continue;
      if (req.capability == 0) return fmt::format("{} does not provide '{}'", who, slot.name);
      return fmt::format("{} declares capability '{}' but does not provide '{}'", who,
                         req.capability_name, slot.name);
    }
  }
  out->kind = d->kind;
  out->name = name;
  out->description = str_or(d->description, "");
  out->capabilities = d->capabilities;
  out->vtable = d->vtable;
  for (uint32_t i = 0; i < d->config_field_count; ++i) {
    const ferry_config_field* f = d->config_fields ? d->config_fields[i] : nullptr;
    if (!f || !f->name) return who + " declares a config field without a name";
    const auto type = field_type(f->type);
    if (!type)
      return fmt::format("{} declares field '{}' with unknown type {}", who, f->name, f->type);
    config::FieldSpec spec;
    spec.name = f->name;
    spec.type = *type;
    spec.required = f->required != 0;
    if (f->default_value) spec.default_value = f->default_value;
    spec.description = str_or(f->description, "");
    out->fields.push_back(std::move(spec));
  }
  return std::nullopt;
}

bool is_within(const fs::path& file, const fs::path& dir) {
  const auto rel = file.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != ".." && rel.is_relative();
}

}  // namespace

std::vector<std::string> PluginRegistry::load_directory(const fs::path& dir) {
  std::vector<std::string> refusals;
  std::error_code ec;
  const fs::path canonical_dir = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(canonical_dir)) {
    refusals.push_back(fmt::format("plugin directory '{}' cannot be read: {}", dir.string(),
                                   ec ? ec.message() : "not a directory"));
    return refusals;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(canonical_dir, ec)) {
    if (e.path().extension() == ".so") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (auto refusal = load_file(f, canonical_dir)) refusals.push_back(std::move(*refusal));
  }
  return refusals;
}

std::optional<std::string> PluginRegistry::load_file(const fs::path& file,
                                                     const fs::path& canonical_dir) {
  std::error_code ec;
  const fs::path real = fs::canonical(file, ec);
  if (ec) return fmt::format("{}: cannot resolve: {}", file.string(), ec.message());
  if (!is_within(real, canonical_dir)) {
    return fmt::format("{}: refused: it resolves to '{}', outside the plugin directory '{}'",
                       file.string(), real.string(), canonical_dir.string());
  }
  if (!fs::is_regular_file(real))
    return fmt::format("{}: refused: not a regular file", file.string());

  auto lib = std::make_shared<LoadedLibrary>();
  lib->path = file;
  try {
    lib->library.load(real, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return fmt::format("{}: cannot be loaded: {}", file.string(), e.what());
  }
  if (!lib->library.has(FERRY_ENTRY_SYMBOL)) {
    return fmt::format("{}: not a ferry plugin: it has no entry symbol '{}'", file.string(),
                       FERRY_ENTRY_SYMBOL);
  }
  const auto entry_fn = lib->library.get<const ferry_plugin_manifest*()>(FERRY_ENTRY_SYMBOL);
  const ferry_plugin_manifest* m = nullptr;
  try {
    m = entry_fn();
  } catch (const std::exception& e) {  // a C++ plugin whose static data threw
    return fmt::format("{}: its entry symbol threw: {}", file.string(), e.what());
  } catch (...) {
    return fmt::format("{}: its entry symbol threw", file.string());
  }
  // The manifest header up to `version` is frozen across every ABI major (docs/sdk.md), so it
  // can be read before the version check.
  constexpr size_t kHeader = offsetof(ferry_plugin_manifest, version) + sizeof(const char*);
  if (!m || m->struct_size < offsetof(ferry_plugin_manifest, magic) + sizeof(uint64_t)) {
    return fmt::format("{}: not a ferry plugin: its entry symbol returned no manifest",
                       file.string());
  }
  if (m->magic != FERRY_ABI_MAGIC) {
    return fmt::format("{}: not a ferry plugin: manifest magic is 0x{:016x}, expected 0x{:016x}",
                       file.string(), m->magic, FERRY_ABI_MAGIC);
  }
  if (m->struct_size < kHeader) {
    return fmt::format("{}: malformed manifest ({} bytes)", file.string(), m->struct_size);
  }
  lib->name = str_or(m->name, "");
  lib->version = str_or(m->version, "");
  lib->abi_major = m->abi_major;
  lib->abi_minor = m->abi_minor;
  const std::string who = fmt::format("{}: plugin '{}' {}", file.string(), lib->name, lib->version);
  if (m->abi_major != FERRY_ABI_MAJOR || m->abi_minor > FERRY_ABI_MINOR) {
    return fmt::format("{} was built for ferry ABI {}.{}; this host supports {}.0-{}.{}", who,
                       m->abi_major, m->abi_minor, FERRY_ABI_MAJOR, FERRY_ABI_MAJOR,
                       FERRY_ABI_MINOR);
  }
  if (m->struct_size < offsetof(ferry_plugin_manifest, components) + sizeof(void*)) {
    return fmt::format("{}: malformed manifest ({} bytes)", who, m->struct_size);
  }
  if (lib->name.empty()) return fmt::format("{}: plugin has no name", file.string());
  for (const auto& other : libraries_) {
    if (other->name == lib->name) {
      return fmt::format("{}: a plugin named '{}' is already loaded from {}", who, lib->name,
                         other->path.string());
    }
  }
  lib->description = str_or(m->description, "");
  lib->manifest = m;

  std::vector<ComponentEntry> entries;
  for (uint32_t i = 0; i < m->component_count; ++i) {
    ComponentEntry entry;
    if (auto problem = check_component(m->components ? m->components[i] : nullptr, &entry)) {
      return fmt::format("{}: {}", who, *problem);
    }
    const auto key = std::make_pair(entry.kind, entry.name);
    if (const auto it = components_.find(key); it != components_.end()) {
      const auto& prev = *it->second.library;
      return fmt::format("{}: component '{}' ({}) is already provided by plugin '{}' {} ({})", who,
                         entry.name, kind_name(entry.kind), prev.name, prev.version,
                         prev.path.string());
    }
    for (const auto& e : entries) {
      if (e.kind == entry.kind && e.name == entry.name) {
        return fmt::format("{}: component '{}' ({}) is declared twice", who, entry.name,
                           kind_name(entry.kind));
      }
    }
    entry.library = lib;
    entries.push_back(std::move(entry));
  }
  for (auto& e : entries) {
    auto key = std::make_pair(e.kind, e.name);
    components_.emplace(std::move(key), std::move(e));
  }
  libraries_.push_back(std::move(lib));
  return std::nullopt;
}

const ComponentEntry* PluginRegistry::find(ferry_kind kind, const std::string& name) const {
  const auto it = components_.find({kind, name});
  return it == components_.end() ? nullptr : &it->second;
}

std::vector<const ComponentEntry*> PluginRegistry::components_of(const LoadedLibrary& lib) const {
  std::vector<const ComponentEntry*> out;
  for (const auto& [key, entry] : components_) {
    if (entry.library.get() == &lib) out.push_back(&entry);
  }
  return out;
}

config::FieldLookup PluginRegistry::field_lookup() const {
  return [this](config::ComponentRole role,
                const std::string& name) -> const std::vector<config::FieldSpec>* {
    const ComponentEntry* e = nullptr;
    switch (role) {
      case config::ComponentRole::Source:
        e = find(FERRY_KIND_SOURCE, name);
        break;
      case config::ComponentRole::Destination:
        e = find(FERRY_KIND_DESTINATION, name);
        break;
      case config::ComponentRole::Component:
        // A stage runs a component or, driven by the host, a transform.
        e = find(FERRY_KIND_COMPONENT, name);
        if (!e) e = find(FERRY_KIND_TRANSFORM, name);
        break;
    }
    return e ? &e->fields : nullptr;
  };
}

}  // namespace ferry::host
