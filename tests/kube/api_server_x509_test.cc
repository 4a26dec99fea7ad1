// ApiServer's client-certificate authentication without a transport: what a
// verified certificate, a rejected one and a bearer token each count for, and
// how certificate users are authorised.

#include <gtest/gtest.h>

#include "tests/kube/server/api_server.h"

namespace logstack::kubetest {
namespace {

constexpr char kCms[] = "/api/v1/namespaces/default/configmaps";

PeerCertificate Verified(const std::string& user, std::vector<std::string> groups = {}) {
  PeerCertificate c;
  c.verified = true;
  c.user = user;
  c.groups = std::move(groups);
  return c;
}

PeerCertificate Rejected() {
  PeerCertificate c;
  c.error = "unable to get local issuer certificate";
  c.user = "admin";
  c.groups = {"system:masters"};
  return c;
}

class ApiServerX509Test : public ::testing::Test {
 protected:
  int Status(const std::string& method, std::optional<PeerCertificate> cert,
             const std::string& token = "") {
    HttpRequest req = MakeRequest(
        method, kCms,
        method == "POST"
            ? R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"c-"}})"
            : "");
    req.client_certificate = std::move(cert);
    if (!token.empty()) req.authorization = "Bearer " + token;
    return api_.Handle(req).status;
  }
  ApiServer api_;
};

TEST_F(ApiServerX509Test, VerifiedCertificateIsItsCommonName) {
  api_.AddToken("t", "admin", Access::kFull);
  // Group system:masters: full access, as in a real cluster.
  EXPECT_EQ(Status("POST", Verified("anyone", {"dev", "system:masters"})), 201);
  // A user the server knows nothing of is authenticated but forbidden.
  EXPECT_EQ(Status("GET", Verified("stranger")), 403);
  api_.SetUserAccess("stranger", Access::kReadOnly);
  EXPECT_EQ(Status("GET", Verified("stranger")), 200);
  EXPECT_EQ(Status("POST", Verified("stranger")), 403);
  // An entry for the user wins over its groups.
  api_.SetUserAccess("demoted", Access::kNone);
  EXPECT_EQ(Status("GET", Verified("demoted", {"system:masters"})), 403);
  // The certificate is tried first: an unknown token beside it does not matter.
  EXPECT_EQ(Status("GET", Verified("anyone", {"system:masters"}), "unknown"), 200);
}

TEST_F(ApiServerX509Test, RejectedCertificateIs401UnlessATokenAuthenticates) {
  api_.AddToken("t", "admin", Access::kFull);
  EXPECT_EQ(Status("GET", Rejected()), 401);
  EXPECT_EQ(Status("GET", Rejected(), "unknown"), 401);
  EXPECT_EQ(Status("GET", Rejected(), "t"), 200);
  EXPECT_EQ(Status("GET", std::nullopt), 401);
  EXPECT_EQ(Status("GET", std::nullopt, "t"), 200);
}

TEST_F(ApiServerX509Test, WithoutTokensOnlyACertificateIsChecked) {
  // No token registered: requests without credentials are the administrator's,
  // but a certificate is still authenticated and authorised.
  EXPECT_EQ(Status("POST", std::nullopt), 201);
  EXPECT_EQ(Status("GET", Rejected()), 401);
  EXPECT_EQ(Status("GET", Verified("stranger")), 403);
}

TEST_F(ApiServerX509Test, ControlEndpointSetsUserAccess) {
  api_.AddToken("t", "admin", Access::kFull);
  HttpRequest req = MakeRequest("POST", "/testserver/user?user=stranger&access=read");
  req.authorization = "Bearer t";
  ASSERT_EQ(api_.Handle(req).status, 200);
  EXPECT_EQ(Status("GET", Verified("stranger")), 200);
  EXPECT_EQ(Status("POST", Verified("stranger")), 403);
}

}  // namespace
}  // namespace logstack::kubetest
