#include "logstore/model/types.h"

#include "common/coding.h"

namespace logstack::logstore {

void EncodeMetadata(std::string* dst, const LabelRef* pairs, size_t n) {
  if (n == 0) return;
  PutVarint64(dst, n);
  for (size_t i = 0; i < n; i++) {
    PutLengthPrefixed(dst, pairs[i].name);
    PutLengthPrefixed(dst, pairs[i].value);
  }
}

bool DecodeMetadata(std::string_view encoded, std::vector<LabelRef>* out) {
  out->clear();
  if (encoded.empty()) return true;
  uint64_t n;
  if (!GetVarint64(&encoded, &n) || n > encoded.size()) return false;
  out->reserve(n);
  for (uint64_t i = 0; i < n; i++) {
    LabelRef r;
    if (!GetLengthPrefixed(&encoded, &r.name) || !GetLengthPrefixed(&encoded, &r.value)) {
      return false;
    }
    out->push_back(r);
  }
  return encoded.empty();
}

}  // namespace logstack::logstore
