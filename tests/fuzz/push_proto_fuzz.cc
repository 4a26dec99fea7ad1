// libFuzzer target: protobuf push bodies. The input is tried as a snappy body
// as it arrives, as an already decompressed PushRequest (snappy-compressed
// first, so that the wire-format decoder sees it whole), and under the gzip
// and deflate Content-Encodings; whatever decodes is validated. Nothing may
// crash or read out of bounds.

#include <snappy.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "logstore/push/decompress.h"
#include "logstore/push/proto_decoder.h"
#include "logstore/push/validation.h"

namespace {

void ValidateAll(logstack::logstore::PushRequest& req) {
  using logstack::logstore::push::ValidatePush;
  logstack::logstore::push::ValidationLimits limits;
  auto result = ValidatePush(req, limits, int64_t{1795424351} * 1'000'000'000, "fuzz");
  if (result.ok()) {
    (void)result->errors.Message();
    (void)result->errors.HttpStatus();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto as_snappy = logstack::logstore::push::DecodeProtoPush(input, 64 << 20);
  if (as_snappy.ok()) ValidateAll(**as_snappy);

  std::string compressed;
  snappy::Compress(input.data(), input.size(), &compressed);
  auto as_proto = logstack::logstore::push::DecodeProtoPush(compressed, 64 << 20);
  if (as_proto.ok()) ValidateAll(**as_proto);

  for (const char* encoding : {"gzip", "deflate"}) {
    auto inflated =
        logstack::logstore::push::DecodeContentEncoding(encoding, std::string(input), 1 << 20);
    if (!inflated.ok()) continue;
    auto req = logstack::logstore::push::DecodeProtoPush(*inflated, 64 << 20);
    if (req.ok()) ValidateAll(**req);
  }
  return 0;
}
