#pragma once

// FakeLoki: a scripted push endpoint for the shipping tests, on the store's
// HTTP server (common/http_server.h). POST /loki/api/v1/push records each
// request and answers with the next Answer of its script, then 204 once the
// script has run out. An Answer may hang instead: the request gets no answer
// until Release() (or until the server stops).
//
// Thread safety: every method may be called from any thread.

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "common/strings.h"
#include "logstore/push/proto_decoder.h"

namespace logstack::collector::shiptest {

struct RecordedRequest {
  std::vector<http::Header> headers;
  std::string body;

  std::string Header(std::string_view name) const {
    for (const auto& h : headers) {
      if (EqualsIgnoreCase(h.name, name)) return h.value;
    }
    return "";
  }
  bool HasHeader(std::string_view name) const {
    for (const auto& h : headers) {
      if (EqualsIgnoreCase(h.name, name)) return true;
    }
    return false;
  }
  // The lines of the protobuf body, stream after stream.
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    auto req = logstore::push::DecodeProtoPush(body);
    if (!req.ok()) return {"<undecodable: " + req.status().ToString() + ">"};
    for (const auto& s : (*req)->streams) {
      for (const auto& e : s.entries) lines.emplace_back(e.line);
    }
    return lines;
  }
};

class FakeLoki {
 public:
  struct Answer {
    int status = 204;
    std::string retry_after;  // sent as Retry-After when not empty
    std::string body;
    bool hang = false;  // no answer until Release()
  };

  // port 0: any free port.
  explicit FakeLoki(uint16_t port = 0) {
    http::ServerOptions opts;
    opts.listen = "127.0.0.1:" + std::to_string(port);
    opts.threads = 1;
    server_ = std::make_unique<http::Server>(opts);
    server_->Route({"POST"}, "/loki/api/v1/push", [this](http::Request& req, http::Responder r) {
      Answer a;
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back({req.headers, req.body});
        if (!script_.empty()) {
          a = script_.front();
          script_.pop_front();
        }
        if (a.hang) {
          hung_.push_back(std::move(r));
          return;
        }
      }
      http::Response res =
          a.status == 204 ? http::Response::Empty(204) : http::Response::Text(a.status, a.body);
      if (!a.retry_after.empty()) res.headers.push_back({"Retry-After", a.retry_after});
      r(std::move(res));
    });
  }
  ~FakeLoki() { Stop(); }

  Status Start() { return server_->Start(); }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      hung_.clear();  // dropped unanswered; the server closes their connections
    }
    server_->Stop();
  }
  uint16_t port() const { return server_->port(); }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port()) + "/loki/api/v1/push";
  }

  void Script(std::vector<Answer> answers) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.assign(answers.begin(), answers.end());
  }
  // Answers every hanging request with `status`.
  void Release(int status = 204) {
    std::vector<http::Responder> hung;
    {
      std::lock_guard<std::mutex> lock(mu_);
      hung.swap(hung_);
    }
    for (auto& r : hung) r(http::Response::Empty(status));
  }
  size_t hanging() const {
    std::lock_guard<std::mutex> lock(mu_);
    return hung_.size();
  }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t request_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.size();
  }

 private:
  mutable std::mutex mu_;
  std::deque<Answer> script_;
  std::vector<RecordedRequest> requests_;
  std::vector<http::Responder> hung_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace logstack::collector::shiptest
