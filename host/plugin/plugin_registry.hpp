// The plugin registry: loads every plugin library in the configured plugin directory, checks it
// against the host's ABI before any of its components can be used, and finds components by kind
// and name.
//
// A library is refused (and none of its components registered) when it resolves outside the
// plugin directory, cannot be loaded, has no entry symbol, has the wrong magic, was built for
// another ABI major or a newer minor, lacks a callback that a declared capability requires, or
// provides a component (kind + name) another library already provides. Each refusal is one
// message naming the file and, where relevant, both versions.
//
// Not thread-safe while loading; read-only (and thread-safe) afterwards.
#pragma once

#include "config/config.hpp"
#include "plugin/loaded_library.hpp"

#include <ferry/abi.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ferry::host {

std::string_view kind_name(ferry_kind kind);  // "source", "destination", ...

struct ComponentEntry {
  ferry_kind kind = 0;
  std::string name;
  std::string description;
  uint64_t capabilities = 0;
  std::vector<config::FieldSpec> fields;
  const void* vtable = nullptr;  // the ferry_*_vtable for `kind`
  std::shared_ptr<LoadedLibrary> library;
};

class PluginRegistry {
 public:
  // Loads every regular *.so file directly in `dir` (sorted by name). Returns the refusals; the
  // accepted plugins are in plugins().
  std::vector<std::string> load_directory(const std::filesystem::path& dir);

  const std::vector<std::shared_ptr<LoadedLibrary>>& plugins() const { return libraries_; }
  const ComponentEntry* find(ferry_kind kind, const std::string& name) const;
  std::vector<const ComponentEntry*> components_of(const LoadedLibrary& lib) const;

  // For config validation: the fields a component of the given role declares.
  config::FieldLookup field_lookup() const;

 private:
  // Checks and registers one library; returns the refusal message, if refused.
  std::optional<std::string> load_file(const std::filesystem::path& file,
                                       const std::filesystem::path& canonical_dir);

  std::vector<std::shared_ptr<LoadedLibrary>> libraries_;
  std::map<std::pair<ferry_kind, std::string>, ComponentEntry> components_;
};

}  // namespace ferry::host
