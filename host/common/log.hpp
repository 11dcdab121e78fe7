// Process-wide logging for ferryd (spdlog to stderr). Plugin log lines arrive through the host
// service and are tagged with the task and instance they came from.
#pragma once

#include <spdlog/spdlog.h>

#include <optional>
#include <string_view>

namespace ferry::host {

// "trace" | "debug" | "info" | "warn" | "error"; nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

// Sets the default logger: stderr, "2026-11-24T20:52:00.123Z level message" in UTC.
void init_logging(spdlog::level::level_enum level);

}  // namespace ferry::host
