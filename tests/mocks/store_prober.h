#pragma once

// MockStoreProber: a gmock double of the external-store probe
// (operator/controller/store_prober.h). By default a probe fails as an
// unreachable store does and there is no storage report.

#include <gmock/gmock.h>

#include <string>

#include "operator/controller/store_prober.h"

namespace logstack::op::controller {

class MockStoreProber : public StoreProber {
 public:
  MockStoreProber() {
    using ::testing::Return;
    ON_CALL(*this, Probe).WillByDefault(Return(Unavailable("MockStoreProber: not reachable")));
    ON_CALL(*this, Storage).WillByDefault(Return(Unavailable("MockStoreProber: no metrics")));
  }

  MOCK_METHOD(Status, Probe, (const std::string&), (override));
  MOCK_METHOD(StatusOr<StorageReport>, Storage, (const std::string&), (override));
};

}  // namespace logstack::op::controller
