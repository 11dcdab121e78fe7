// Internal to ferry_config: the fields of a plugin component's table (a task's source or
// destination table, a stage's `config` table).
#pragma once

#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/reader.hpp"

namespace ferry::config::detail {

// A table of fields and the component whose fields they are.
struct ComponentTable {
  ComponentRole role;
  const toml::node& name_node;  // the value that names the component (`plugin`, `component`)
  std::string name;             // its text
  const toml::table& table;     // the fields
  SourceLocation where;         // the table's position; missing fields are reported here
  std::string_view context;     // how messages name the table: "[task.source]"
  std::string_view skip_key;    // a key of `table` that is not a field ("plugin"), or ""
};

// "source", "destination", "component".
std::string_view role_word(ComponentRole role);

// With a lookup (phase 2): the fields validated against the component's declaration, defaults
// applied and secrets resolved; "no loaded plugin provides <role> '<name>'" when no plugin
// declares the component. Without one (phase 1): each key with the FieldValue its TOML type
// implies.
FieldMap read_component_fields(Reader& r, const ComponentTable& c, const FieldLookup& lookup);

}  // namespace ferry::config::detail
