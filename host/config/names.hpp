// Internal to ferry_config: the words the config file uses for each enumeration. The single
// source of truth for both parsing and to_string().
#pragma once

#include <string_view>

#include "config/config.hpp"
#include "config/reader.hpp"

namespace ferry::config::detail {

inline constexpr Choice<MigrationType> kMigrationTypes[] = {
    {"schema", MigrationType::Schema},           {"full", MigrationType::Full},
    {"incremental", MigrationType::Incremental}, {"verify", MigrationType::Verify},
    {"reverse", MigrationType::Reverse},
};

inline constexpr Choice<Concurrency> kConcurrencies[] = {
    {"smooth", Concurrency::Smooth}, {"normal", Concurrency::Normal}, {"fast", Concurrency::Fast}};

inline constexpr Choice<AlertLevel> kAlertLevels[] = {{"none", AlertLevel::None},
                                                      {"high", AlertLevel::High},
                                                      {"medium", AlertLevel::Medium},
                                                      {"low", AlertLevel::Low}};

inline constexpr Choice<FieldType> kFieldTypes[] = {{"string", FieldType::String},
                                                    {"int", FieldType::Int},
                                                    {"float", FieldType::Float},
                                                    {"bool", FieldType::Bool},
                                                    {"string-list", FieldType::StringList},
                                                    {"secret", FieldType::Secret}};

inline constexpr Choice<std::string_view> kLogLevels[] = {
    {"trace", "trace"}, {"debug", "debug"}, {"info", "info"}, {"warn", "warn"}, {"error", "error"}};

// The word for `value` in `choices` ("?" for a value outside the table).
template <class E, size_t N>
constexpr std::string_view word_of(const Choice<E> (&choices)[N], E value) {
  for (const auto& [word, v] : choices)
    if (v == value) return word;
  return "?";
}

}  // namespace ferry::config::detail
