// Internal to ferry_config: reading values out of one parsed TOML file while recording every
// problem as a located ConfigError. Not part of the public interface.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"

namespace ferry::config::detail {

// A name a TOML string may take and the value it stands for.
template <class E>
using Choice = std::pair<std::string_view, E>;

// "FILE:LINE:COL", "FILE" when the line is unknown.
std::string location_str(const SourceLocation& where);

// "a string", "an integer", ... as used in wrong-type messages.
std::string_view type_name(toml::node_type t);

// Optimal string alignment distance (insertions, deletions, substitutions, transpositions).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is within edit distance 2, the first one on a tie.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates);

// "; did you mean 'x'?" when a candidate is close to `word`, else "".
std::string hint(std::string_view word, std::span<const std::string_view> candidates);

// Reads a whole file into `out`. Returns 0, or the errno of the failure (a directory fails with
// EISDIR).
int read_whole_file(const std::filesystem::path& path, std::string& out);

// Calls f(node) when `t` has `key`.
template <class F>
void if_present(const toml::table& t, std::string_view key, F&& f) {
  if (const toml::node* n = t.get(key)) f(*n);
}

// Assigns the value read from `key`, when present and valid.
template <class T, class Read>
void assign(const toml::table& t, std::string_view key, T& out, Read&& read) {
  if_present(t, key, [&](const toml::node& n) {
    if (auto v = read(n)) out = std::move(*v);
  });
}

// Reads values of one TOML file. Every reader that can fail records a ConfigError located at
// the offending node and returns nullopt/nullptr; callers never report a failure twice.
class Reader {
 public:
  Reader(std::filesystem::path file, std::vector<ConfigError>& errors);

  const std::filesystem::path& file() const { return file_; }
  SourceLocation at(const toml::node& n) const;
  SourceLocation at(const toml::key& k) const;

  void error(SourceLocation where, std::string message);
  void error(const toml::node& n, std::string message) { error(at(n), std::move(message)); }
  size_t error_count() const { return errors_.size(); }

  // The one type check: `n` as T, or the error "'name' must be <T>, not <actual type>".
  template <class T>
  const T* expect(const toml::node& n, std::string_view name) {
    if (const T* v = n.template as<T>()) return v;
    wrong_type(n, name, type_name(toml::impl::node_type_of<T>));
    return nullptr;
  }
  // The same message for a check that accepts more than one TOML type.
  void wrong_type(const toml::node& n, std::string_view name, std::string_view expected);

  // Typed readers. string() expands ${env:NAME}; so do the list readers, per element.
  std::optional<std::string> string(const toml::node& n, std::string_view name);
  std::optional<int64_t> integer(const toml::node& n, std::string_view name);
  std::optional<double> number(const toml::node& n, std::string_view name);  // integer or float
  std::optional<bool> boolean(const toml::node& n, std::string_view name);
  std::optional<std::vector<std::string>> string_list(const toml::node& n, std::string_view name);
  // A single string or an array of strings.
  std::optional<std::vector<std::string>> string_or_list(const toml::node& n,
                                                         std::string_view name);
  // A non-empty string naming a path, resolved against the file's directory.
  std::optional<std::filesystem::path> path(const toml::node& n, std::string_view name);

  // A string that must be one of `choices`: "'name' must be one of a|b|c, not 'x'".
  template <class E>
  std::optional<E> one_of(const toml::node& n, std::string_view name,
                          std::span<const Choice<E>> choices) {
    std::optional<std::string> s = string(n, name);
    if (!s) return std::nullopt;
    for (const auto& [word, value] : choices)
      if (word == *s) return value;
    std::vector<std::string_view> words;
    for (const auto& c : choices) words.push_back(c.first);
    not_one_of(n, name, *s, words);
    return std::nullopt;
  }
  void not_one_of(const toml::node& n, std::string_view name, std::string_view got,
                  std::span<const std::string_view> words);

  // Records "unknown key 'k' in <context>" (with a hint) for each key of `t` not in `allowed`.
  void check_keys(const toml::table& t, std::span<const std::string_view> allowed,
                  std::string_view context);
  void unknown_key(const toml::key& k, std::string_view context,
                   std::span<const std::string_view> allowed);

  // The node under `key`, or the error "missing required key 'key' in <context>" located at the
  // table, and nullptr.
  const toml::node* required(const toml::table& t, std::string_view key, std::string_view context);

  // `p` if absolute, else `p` below the directory of this file; always absolute and normal.
  std::filesystem::path resolve(const std::filesystem::path& p) const;

 private:
  std::optional<std::string> expand_env(const toml::node& n, std::string_view text);

  std::filesystem::path file_;
  std::filesystem::path dir_;
  std::vector<ConfigError>& errors_;
};

}  // namespace ferry::config::detail
