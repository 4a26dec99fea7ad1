#pragma once

// StoreProber: asks an external log store (spec.logstore.external.url)
// whether it is ready, by GET <url>/ready as Loki answers it (200 "ready").
// An interface so that tests need no network.
//
// Thread safety: implementations are safe to call from any thread.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::op::controller {

// The bundled store's volume, from its /metrics (logstore_volume_* gauges).
struct StorageReport {
  uint64_t capacity_bytes = 0;
  uint64_t available_bytes = 0;
  uint64_t min_free_bytes = 0;  // the free-space floor (0: off)
};

class StoreProber {
 public:
  virtual ~StoreProber() = default;
  // OK iff <base_url>/ready answered 2xx within the timeout; otherwise why not
  // ("GET http://x/ready: 503 Service Unavailable: Ingester not ready").
  virtual Status Probe(const std::string& base_url) = 0;
  // The store's volume from <base_url>/metrics. Unimplemented unless overridden.
  virtual StatusOr<StorageReport> Storage(const std::string& base_url) {
    return Unimplemented("no storage report from " + base_url);
  }
};

// Reads the logstore_volume_capacity_bytes, logstore_volume_available_bytes
// and logstore_volume_min_free_bytes gauges from a Prometheus text exposition.
// NotFound when the capacity or the available gauge is missing (not our log
// store, e.g. a Loki), InvalidArgument when one is not a number.
StatusOr<StorageReport> ParseStoreMetrics(std::string_view text);
using StoreProberPtr = std::unique_ptr<StoreProber>;

// Over HTTP(S) with cpprestsdk; TLS verification with the system's trust
// store, plus the PEM bundle `ca_file` when given (the operator passes the
// system bundle explicitly, see operator/main.cc).
StoreProberPtr NewHttpStoreProber(std::chrono::milliseconds timeout = std::chrono::seconds(3),
                                  std::string ca_file = "");

}  // namespace logstack::op::controller
