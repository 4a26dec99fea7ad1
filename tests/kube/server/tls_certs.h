#pragma once

// A throwaway certificate authority, a server certificate signed by it, and
// client certificates on demand, generated with OpenSSL, so that clients
// (kubectl) can verify the test server with certificate-authority = ca.crt and
// authenticate to it with a certificate, as to a real API server.
//
// Thread safety: pure functions.

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace logstack::kubetest {

struct TlsMaterial {
  std::string ca_cert_pem;
  std::string ca_key_pem;       // signs client certificates (IssueClientCertificate)
  std::string server_cert_pem;  // signed by the CA; SANs: localhost, 127.0.0.1, ::1
  std::string server_key_pem;
};

// Generates P-256 keys, a CA valid for ten years and a server certificate
// valid for one.
StatusOr<TlsMaterial> GenerateTlsMaterial();

// A client certificate and its private key (PKCS#8), PEM.
struct ClientCertificate {
  std::string cert_pem;
  std::string key_pem;
};

// Issues a client certificate (extendedKeyUsage clientAuth) with a new P-256
// key, signed by the CA: subject CN = `user` and one O per group, which is how
// an API server reads a user and its groups from a certificate. Valid from an
// hour ago for `valid_for`. InvalidArgument when `user` is empty or the CA's
// PEM does not parse.
StatusOr<ClientCertificate> IssueClientCertificate(
    const std::string& ca_cert_pem, const std::string& ca_key_pem, const std::string& user,
    const std::vector<std::string>& groups = {},
    std::chrono::seconds valid_for = std::chrono::hours(24 * 365));

}  // namespace logstack::kubetest
