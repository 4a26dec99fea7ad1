#include "tests/kube/server/tls_certs.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

namespace logstack::kubetest {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;

KeyPtr NewKey() { return KeyPtr(EVP_EC_gen("P-256")); }

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

enum class CertKind { kCa, kServer, kClient };

// A certificate for `key` with subject CN = `cn` and O = each of `orgs`,
// signed by `issuer_key` (self-signed when `issuer` is null), valid from an
// hour ago for `valid_for`. Null on failure.
CertPtr NewCert(EVP_PKEY* key, const std::string& cn, const std::vector<std::string>& orgs,
                X509* issuer, EVP_PKEY* issuer_key, std::chrono::seconds valid_for, CertKind kind) {
  CertPtr cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(valid_for.count()));
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  bool ok = true;
  for (const std::string& o : orgs) {
    ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1,
                                          0) == 1;
  }
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                        reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                        0) == 1;
  X509* iss = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(iss));
  switch (kind) {
    case CertKind::kCa:
      ok =
          ok && AddExt(cert.get(), iss, NID_basic_constraints, "critical,CA:TRUE") &&
          AddExt(cert.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") &&
          AddExt(cert.get(), iss, NID_subject_key_identifier, "hash");
      break;
    case CertKind::kServer:
      ok = ok && AddExt(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE") &&
           AddExt(cert.get(), iss, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
           AddExt(cert.get(), iss, NID_ext_key_usage, "serverAuth") &&
           AddExt(cert.get(), iss, NID_subject_alt_name,
                  "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,"
                  "IP:127.0.0.1,IP:::1");
      break;
    case CertKind::kClient:
      ok = ok && AddExt(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE") &&
           AddExt(cert.get(), iss, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
           AddExt(cert.get(), iss, NID_ext_key_usage, "clientAuth");
      break;
  }
  if (!ok || X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) return nullptr;
  return cert;
}

std::string CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

std::string KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

}  // namespace

StatusOr<TlsMaterial> GenerateTlsMaterial() {
  KeyPtr ca_key = NewKey();
  KeyPtr server_key = NewKey();
  if (!ca_key || !server_key) return Status(StatusCode::kInternal, "generating EC keys failed");
  constexpr std::chrono::hours kDay(24);
  CertPtr ca = NewCert(ca_key.get(), "logstack-kube-testserver-ca", {}, nullptr, ca_key.get(),
                       3650 * kDay, CertKind::kCa);
  if (!ca) return Status(StatusCode::kInternal, "creating the CA certificate failed");
  CertPtr server = NewCert(server_key.get(), "kube-apiserver", {}, ca.get(), ca_key.get(),
                           365 * kDay, CertKind::kServer);
  if (!server) return Status(StatusCode::kInternal, "creating the server certificate failed");
  return TlsMaterial{CertPem(ca.get()), KeyPem(ca_key.get()), CertPem(server.get()),
                     KeyPem(server_key.get())};
}

StatusOr<ClientCertificate> IssueClientCertificate(const std::string& ca_cert_pem,
                                                   const std::string& ca_key_pem,
                                                   const std::string& user,
                                                   const std::vector<std::string>& groups,
                                                   std::chrono::seconds valid_for) {
  if (user.empty()) return InvalidArgument("a client certificate needs a user name (CN)");
  BioPtr cert_bio(BIO_new_mem_buf(ca_cert_pem.data(), static_cast<int>(ca_cert_pem.size())));
  CertPtr ca(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  BioPtr key_bio(BIO_new_mem_buf(ca_key_pem.data(), static_cast<int>(ca_key_pem.size())));
  KeyPtr ca_key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!ca || !ca_key) {
    ERR_clear_error();
    return InvalidArgument("the CA certificate or key is not PEM");
  }
  KeyPtr key = NewKey();
  if (!key) return Status(StatusCode::kInternal, "generating an EC key failed");
  CertPtr cert =
      NewCert(key.get(), user, groups, ca.get(), ca_key.get(), valid_for, CertKind::kClient);
  if (!cert) return Status(StatusCode::kInternal, "creating the client certificate failed");
  return ClientCertificate{CertPem(cert.get()), KeyPem(key.get())};
}

}  // namespace logstack::kubetest
