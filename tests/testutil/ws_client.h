#pragma once

// A small blocking WebSocket client for tests, on Boost.Beast.
//
// Every call has a deadline; past it the connection is torn down and
// DeadlineExceeded is returned. A failed handshake returns the HTTP answer's
// status in the error message (e.g. "HTTP 400: ...").
//
// Thread safety: one thread at a time.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace logstack::testutil {

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Connects and performs the handshake for `target` ("/path?query").
  // receive_buffer > 0 sets the socket's receive buffer (to make a slow
  // reader's backlog reach the server quickly). A non-empty `org_id` is sent
  // as X-Scope-OrgID (the tenant, when the server has auth enabled).
  Status Connect(const std::string& host, uint16_t port, const std::string& target,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10),
                 int receive_buffer = 0, const std::string& org_id = "");
  // Reads the next message. Returns Unavailable with the close reason when
  // the server closed the connection.
  StatusOr<std::string> Read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends a close frame and waits for the server's.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace logstack::testutil
