#pragma once

// MockKubeClient and MockWatchStream: gmock doubles of the Kubernetes client
// seam (common/kube/client.h). Use StrictMock<MockKubeClient> where the exact
// calls are the point (the reconciler's writes), NiceMock elsewhere.
//
// Every method returns an Unimplemented error unless the test says otherwise,
// never an empty value: an empty list must not stand for a failed call.
// ListAll and ListPaged are not virtual; they run on the mocked List.

#include <gmock/gmock.h>

#include <string>
#include <string_view>

#include "common/kube/client.h"

namespace logstack::kube {

class MockWatchStream : public WatchStream {
 public:
  MockWatchStream() {
    ON_CALL(*this, Next).WillByDefault(::testing::Return(Cancelled("MockWatchStream::Next")));
  }
  MOCK_METHOD((StatusOr<std::optional<WatchEvent>>), Next, (), (override));
  MOCK_METHOD(void, Cancel, (), (override));
};

class MockKubeClient : public KubeClient {
 public:
  MockKubeClient() {
    using ::testing::Return;
    ON_CALL(*this, Get).WillByDefault(Return(Unimplemented("MockKubeClient::Get")));
    ON_CALL(*this, List).WillByDefault(Return(Unimplemented("MockKubeClient::List")));
    ON_CALL(*this, Create).WillByDefault(Return(Unimplemented("MockKubeClient::Create")));
    ON_CALL(*this, Update).WillByDefault(Return(Unimplemented("MockKubeClient::Update")));
    ON_CALL(*this, UpdateStatus)
        .WillByDefault(Return(Unimplemented("MockKubeClient::UpdateStatus")));
    ON_CALL(*this, Patch).WillByDefault(Return(Unimplemented("MockKubeClient::Patch")));
    ON_CALL(*this, Delete).WillByDefault(Return(Unimplemented("MockKubeClient::Delete")));
    ON_CALL(*this, Watch).WillByDefault([](auto&&...) -> StatusOr<WatchStreamPtr> {
      return Unimplemented("MockKubeClient::Watch");
    });
    ON_CALL(*this, Resolve).WillByDefault(Return(Unimplemented("MockKubeClient::Resolve")));
    ON_CALL(*this, GetPath).WillByDefault(Return(Unimplemented("MockKubeClient::GetPath")));
  }

  MOCK_METHOD(StatusOr<Json>, Get, (const ResourceRef&, std::string_view, std::string_view),
              (override));
  MOCK_METHOD(StatusOr<ListResult>, List,
              (const ResourceRef&, std::string_view, const ListOptions&), (override));
  MOCK_METHOD(StatusOr<Json>, Create, (const ResourceRef&, std::string_view, const Json&),
              (override));
  MOCK_METHOD(StatusOr<Json>, Update, (const ResourceRef&, const Json&), (override));
  MOCK_METHOD(StatusOr<Json>, UpdateStatus, (const ResourceRef&, const Json&), (override));
  MOCK_METHOD(StatusOr<Json>, Patch,
              (const ResourceRef&, std::string_view, std::string_view, PatchType, const Json&,
               std::string_view),
              (override));
  MOCK_METHOD(Status, Delete,
              (const ResourceRef&, std::string_view, std::string_view, const DeleteOptions&),
              (override));
  MOCK_METHOD(StatusOr<WatchStreamPtr>, Watch,
              (const ResourceRef&, std::string_view, const WatchOptions&), (override));
  MOCK_METHOD(StatusOr<ResourceRef>, Resolve, (std::string_view, std::string_view), (override));
  MOCK_METHOD(StatusOr<Json>, GetPath, (std::string_view), (override));
};

// Matches a ResourceRef by its plural name ("statefulsets").
MATCHER_P(ResourceIs, resource, "is the resource " + std::string(resource)) {
  return arg.resource == resource;
}

}  // namespace logstack::kube
