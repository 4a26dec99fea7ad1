#include "common/logging.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace logstack {

Status InitLogging(std::string_view level, std::string_view format) {
  spdlog::level::level_enum lvl;
  if (level == "debug") {
    lvl = spdlog::level::debug;
  } else if (level == "info") {
    lvl = spdlog::level::info;
  } else if (level == "warn") {
    lvl = spdlog::level::warn;
  } else if (level == "error") {
    lvl = spdlog::level::err;
  } else {
    return InvalidArgument("unknown log level '" + std::string(level) +
                           "' (want debug, info, warn or error)");
  }
  auto logger = spdlog::stderr_logger_mt("logstack");
  spdlog::set_default_logger(logger);
  spdlog::set_level(lvl);
  if (format == "logfmt") {
    spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc);
  } else if (format == "json") {
    // The message is expected to be key=value pairs; json mode keeps them in "msg".
    spdlog::set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else {
    return InvalidArgument("unknown log format '" + std::string(format) +
                           "' (want logfmt or json)");
  }
  spdlog::flush_on(spdlog::level::warn);
  return Status::Ok();
}

std::string Quote(std::string_view value) {
  bool needs = value.empty();
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      needs = true;
      break;
    }
  }
  if (!needs) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace logstack
