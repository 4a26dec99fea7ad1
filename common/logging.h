#pragma once

// Process-wide structured logging on spdlog. Lines are key=value fields:
//
//   ts=2026-11-23T10:00:00.123456Z level=info component=wal op=fsync latency_us=312
//
// Callers write the fields after the level themselves, with spdlog's fmt
// syntax: LOG_INFO("component=wal op=replay segments={} bytes={}", n, b).
// Values that may hold spaces are quoted with Quote().

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack {

// Sets the level ("debug", "info", "warn", "error") and the line format
// ("logfmt" or "json"). Returns InvalidArgument for an unknown name.
Status InitLogging(std::string_view level, std::string_view format = "logfmt");

// Quotes a value for a key=value field when it needs quoting.
std::string Quote(std::string_view value);

}  // namespace logstack

#define LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
