#include "common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace ferry::host {

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  return std::nullopt;
}

void init_logging(spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_color_mt("ferryd");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(level);
  spdlog::set_default_logger(logger);
}

}  // namespace ferry::host
