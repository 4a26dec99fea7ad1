#pragma once

// StoreProber: asks an external log store (spec.logstore.external.url)
// whether it is ready, by GET <url>/ready as Loki answers it (200 "ready").
// An interface so that tests need no network.
//
// Thread safety: implementations are safe to call from any thread.

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace logstack::op::controller {

class StoreProber {
 public:
  virtual ~StoreProber() = default;
  // OK iff <base_url>/ready answered 2xx within the timeout; otherwise why not
  // ("GET http://x/ready: 503 Service Unavailable: Ingester not ready").
  virtual Status Probe(const std::string& base_url) = 0;
};
using StoreProberPtr = std::unique_ptr<StoreProber>;

// Over HTTP(S) with cpprestsdk; TLS verification with the system's trust
// store, plus the PEM bundle `ca_file` when given (the operator passes the
// system bundle explicitly, see operator/main.cc).
StoreProberPtr NewHttpStoreProber(std::chrono::milliseconds timeout = std::chrono::seconds(3),
                                  std::string ca_file = "");

}  // namespace logstack::op::controller
