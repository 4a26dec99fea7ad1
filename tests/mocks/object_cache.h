#pragma once

// MockObjectCache: a gmock double of the reconciler's view of the cluster
// (operator/controller/object_cache.h), so a Reconcile runs without informers
// or an API server. By default nothing is cached, no optional kind is
// watched and there are no claims.

#include <gmock/gmock.h>

#include <optional>
#include <string>
#include <vector>

#include "operator/controller/object_cache.h"

namespace logstack::op::controller {

class MockObjectCache : public ObjectCache {
 public:
  MockObjectCache() {
    using ::testing::Return;
    ON_CALL(*this, Get).WillByDefault(Return(std::nullopt));
    ON_CALL(*this, OwnedKeys).WillByDefault(Return(std::vector<std::string>{}));
    ON_CALL(*this, Watches).WillByDefault(Return(false));
    ON_CALL(*this, Claims).WillByDefault(Return(std::vector<CollectorClaim>{}));
  }

  MOCK_METHOD(std::optional<kube::Json>, Get,
              (const kube::ResourceRef&, const std::string&, const std::string&), (override));
  MOCK_METHOD(std::vector<std::string>, OwnedKeys, (const kube::ResourceRef&, const std::string&),
              (override));
  MOCK_METHOD(bool, Watches, (const kube::ResourceRef&), (override));
  MOCK_METHOD(std::vector<CollectorClaim>, Claims, (), (override));
};

}  // namespace logstack::op::controller
