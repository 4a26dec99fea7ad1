#pragma once

// A live-tail client for the stress test and the hang reproducer:
// testutil::WsClient on /loki/api/v1/tail, with the tenant's X-Scope-OrgID,
// parsing each frame into lines and a dropped count.
//
// Every call has a deadline; past it the connection is torn down and
// DeadlineExceeded is returned, so a hung server never hangs the caller.
//
// Thread safety: one thread at a time.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "tests/testutil/ws_client.h"

namespace logstack::stress {

struct TailFrame {
  std::vector<std::string> lines;  // in the order sent, all streams together
  uint64_t dropped = 0;            // entries the server reported as dropped
};

class TailClient {
 public:
  // Connects to host:port and upgrades GET `target` for `tenant` (no header
  // when empty). receive_buffer > 0 sets the socket's receive buffer, so a
  // client that stops reading pushes back on the server quickly.
  Status Connect(const std::string& host, uint16_t port, const std::string& target,
                 const std::string& tenant, std::chrono::milliseconds timeout,
                 int receive_buffer = 0);
  // Reads and parses the next frame. Unavailable when the server closed the
  // connection; Internal when a frame is not the tail JSON.
  StatusOr<TailFrame> Read(std::chrono::milliseconds timeout);
  // Sends a close frame and waits (up to 5 s) for the server's.
  void Close();

 private:
  testutil::WsClient ws_;
};

}  // namespace logstack::stress
