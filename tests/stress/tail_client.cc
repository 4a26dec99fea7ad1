#include "tests/stress/tail_client.h"

#include <nlohmann/json.hpp>

namespace logstack::stress {

Status TailClient::Connect(const std::string& host, uint16_t port, const std::string& target,
                           const std::string& tenant, std::chrono::milliseconds timeout,
                           int receive_buffer) {
  return ws_.Connect(host, port, target, timeout, receive_buffer, tenant);
}

StatusOr<TailFrame> TailClient::Read(std::chrono::milliseconds timeout) {
  LOGSTACK_ASSIGN_OR_RETURN(std::string text, ws_.Read(timeout));
  // {"streams":[{"stream":{...},"values":[["<ns>","<line>"],...]}],
  //  "dropped_entries":[{"labels":{...},"timestamp":"<ns>"},...]}
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Internal("tail frame is not a JSON object");
  TailFrame f;
  if (auto it = j.find("streams"); it != j.end() && it->is_array()) {
    for (const auto& s : *it) {
      auto v = s.find("values");
      if (v == s.end() || !v->is_array()) return Internal("tail stream without values");
      for (const auto& e : *v) {
        if (!e.is_array() || e.size() < 2 || !e[1].is_string()) {
          return Internal("tail value is not [ts, line]");
        }
        f.lines.push_back(e[1].get<std::string>());
      }
    }
  }
  if (auto it = j.find("dropped_entries"); it != j.end() && it->is_array()) {
    f.dropped = it->size();
  }
  return f;
}

void TailClient::Close() { ws_.Close(); }

}  // namespace logstack::stress
