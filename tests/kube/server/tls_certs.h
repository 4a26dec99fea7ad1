#pragma once

// A throwaway certificate authority and a server certificate signed by it,
// generated with OpenSSL at start-up, so that clients (kubectl) can verify
// the test server with certificate-authority = ca.crt.
//
// Thread safety: a pure function.

#include <string>

#include "common/status.h"

namespace logstack::kubetest {

struct TlsMaterial {
  std::string ca_cert_pem;
  std::string server_cert_pem;  // signed by the CA; SANs: localhost, 127.0.0.1, ::1
  std::string server_key_pem;
};

// Generates P-256 keys, a CA valid for ten years and a server certificate
// valid for one.
StatusOr<TlsMaterial> GenerateTlsMaterial();

}  // namespace logstack::kubetest
